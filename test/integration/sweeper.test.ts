/**
 * Abandoned claims: a worker whose whole machine is gone (killed with its manager, nobody requeues) leaves a
 * claimed task behind; an idle worker's sweeper notices the silent heartbeat and hands the task back, and the
 * retry runs once. Two sweepers requeueing at once produce two retry copies; only the canonical one runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CountingRunner } from '../../bench/counting-runner.js';
import { buildTaskText } from '../../src/task/tags.js';
import type { Task } from '../../src/task/task.js';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import { LeaseLostError } from '../../src/lib/errors.js';
import { Routes } from 'discord-api-types/v10';
import { restFor, useEmulator } from '../helpers/emulator.js';
import {
  agentRuns,
  collect,
  fixtureEnv,
  results,
  scratch,
  spawnCli,
  startWorker,
  waitFor,
  submitterBus,
} from '../helpers/fleet.js';

describe('sweeper', () => {
  const emu = useEmulator({ workers: 2 });

  it('requeues the task of a worker that vanished, and the retry runs and reports once', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit('outlive a dead machine');
    // Worker 1 in its own process, no manager: killing it is like losing the machine.
    const doomed = spawnCli(['worker', '--id', 'worker-1'], {
      cwd: dir,
      env: fixtureEnv(emu.world, {
        agent: 'ok',
        agentLog,
        workers: 2,
        env: {
          BOT_TOKEN: emu.world.tokens.workers[0]!,
          OK_DELAY_MS: '3000',
        },
      }),
    });
    const doomedRun = collect(doomed);
    await waitFor(
      async () => (await agentRuns(agentLog)).includes(taskId),
      30_000,
      'worker-1 to start the task',
    );
    doomed.kill('SIGKILL');
    await doomedRun.exited;

    const runner = new CountingRunner(10);
    const rescuer = await startWorker(emu.world, {
      dir,
      index: 1,
      runner,
      overrides: { heartbeatMs: 500, leaseMs: 3000, sweepIntervalMs: 500 },
    });
    try {
      const result = await waitFor(
        async () => (await results(emu.running)).find((r) => r.content.includes('outlive a dead machine')),
        60_000,
        'the retry to be reported',
      );
      await new Promise((r) => setTimeout(r, 1500));
      const all = (await results(emu.running)).filter((r) => r.content.includes('outlive a dead machine'));
      expect(all).toHaveLength(1);
      expect(result.header?.outcome).toBe('SUCCESS');
      expect(result.header?.workerId).toBe('worker-2');
      expect(result.header?.taskId).not.toBe(taskId);
      expect([...runner.runs.values()]).toEqual([1]);

      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      const original = queue.find((m) => `discord-${m.id}` === taskId)!;
      expect((original.reactions ?? []).map((r) => r.emoji.name)).toContain('↩️');
      const note = (await emu.admin.messages(original.id)).map((m) => m.content).join('\n');
      expect(note).toMatch(/no heartbeat from worker-1 for \d+ s/);
    } finally {
      await rescuer.stop();
      await bus.close();
    }
  }, 120_000);

  it('runs only the canonical (lowest id) copy when a task was requeued twice at once', async () => {
    const dir = await scratch();
    const bus = submitterBus(emu.world);
    const text = buildTaskText({ prompt: 'requeued twice', retry: 1, origin: 'discord-1234567890123456789' });
    const first = await bus.submit(text);
    const second = await bus.submit(text);
    const runner = new CountingRunner(10);
    const worker = await startWorker(emu.world, { dir, index: 0, runner });
    try {
      await waitFor(
        async () => (await results(emu.running)).find((r) => r.header?.taskId === first.taskId),
        30_000,
        'the canonical copy to run',
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(runner.runs.get(first.taskId)).toBe(1);
      expect(runner.runs.has(second.taskId)).toBe(false);
      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      const copy = queue.find((m) => `discord-${m.id}` === second.taskId)!;
      expect((copy.reactions ?? []).map((r) => r.emoji.name)).toContain('♻️');
      expect(copy.thread).toBeUndefined();
    } finally {
      await worker.stop();
      await bus.close();
    }
  }, 60_000);

  it('a heartbeat on a claim whose thread was archived by a sweeper fails with LeaseLostError', async () => {
    const bus = submitterBus(emu.world);
    const { taskId, messageId } = await bus.submit('held by a slow worker');
    const claimer = new DiscordBus({
      apiUrl: emu.world.apiUrl,
      token: emu.world.tokens.workers[0]!,
      taskQueueChannel: emu.world.channels.taskQueue,
    });
    const claim = await claimer.claim(makeTaskFor(taskId, messageId), 'worker-1');
    expect(claim).not.toBeNull();
    await claimer.heartbeat(claim!, 'still going');
    // Another worker's sweeper hands the task back: the thread is archived.
    await restFor(emu.world, emu.world.tokens.workers[1]!).patch(Routes.channel(claim!.handle), {
      body: { archived: true },
    });
    await expect(claimer.heartbeat(claim!, 'still going?')).rejects.toBeInstanceOf(LeaseLostError);
    await claimer.close();
    await bus.close();
  }, 60_000);
});

function makeTaskFor(taskId: string, messageId: string): Task {
  return {
    id: taskId,
    messageId,
    prompt: 'held by a slow worker',
    rawText: 'held by a slow worker',
    retry: 0,
    authorId: '0',
    submittedAt: new Date().toISOString(),
    attachments: [],
  };
}
