/**
 * Abandoned claims: a worker whose whole machine is gone (killed with its manager, nobody requeues) leaves a
 * claimed task behind; another worker's sweep notices the silence and hands the task back, and the retry runs once.
 * Of several retry copies of one task only the live one (the one the original's thread names) runs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Routes } from 'discord-api-types/v10';
import { CountingRunner } from '../../bench/counting-runner.js';
import { buildTaskText } from '../../src/task/tags.js';
import type { Task } from '../../src/task/task.js';
import { LeaseLostError } from '../../src/lib/errors.js';
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
  workerBus,
  threadOf,
} from '../helpers/fleet.js';

describe('sweeper', () => {
  const emu = useEmulator({ workers: 2 });

  it('hands back the task of a worker that vanished; the retry runs and reports once', async () => {
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
        env: { BOT_TOKEN: emu.world.tokens.workers[0]!, OK_DELAY_MS: '3000' },
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
      env: { LEASE_TIMEOUT: '3', HEARTBEAT_INTERVAL: '0.5' },
      overrides: { sweepIntervalMs: 500 },
    });
    try {
      const result = await waitFor(
        async () => (await results(emu.running)).find((r) => r.content.includes('outlive a dead machine')),
        60_000,
        'the retry to be reported',
      );
      expect(result.header?.outcome).toBe('SUCCESS');
      expect(result.header?.workerId).toBe('worker-2');
      expect(result.header?.taskId).not.toBe(taskId);
      expect([...runner.runs.values()]).toEqual([1]);

      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      const original = queue.find((m) => `discord-${m.id}` === taskId)!;
      expect((original.reactions ?? []).map((r) => r.emoji.name)).toContain('↩️');
      // The handed-back thread names the live copy, archived and locked.
      const thread = await threadOf(emu.admin, original.id);
      expect(thread.name).toBe(`↩️ ${taskId} → ${result.header?.taskId}`);
      expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
      // The rescued task's own thread is closed too (every end state archives and locks; right after the result).
      const copyId = result.header!.taskId.slice('discord-'.length);
      await waitFor(
        async () => (await threadOf(emu.admin, copyId)).thread_metadata.locked,
        10_000,
        'the copy closed',
      );
      expect(
        (await results(emu.running)).filter((r) => r.content.includes('outlive a dead machine')),
      ).toHaveLength(1);
    } finally {
      await rescuer.stop();
      await bus.close();
    }
  }, 120_000);

  it('of two retry copies only the live one runs (the original names it); the other is marked ♻️', async () => {
    const dir = await scratch();
    const bus = submitterBus(emu.world);
    const { taskId, messageId } = await bus.submit('requeued twice');
    // Two workers handed it back at once; Discord let only one rename through (it names R1).
    const rest = restFor(emu.world, emu.world.tokens.workers[1]!);
    await rest.post(Routes.threads(emu.world.channels.taskQueue, messageId), {
      body: { name: `worker-9 · ${taskId}` },
    });
    const copy = async () =>
      (await rest.post(Routes.channelMessages(emu.world.channels.taskQueue), {
        body: {
          content: buildTaskText({
            prompt: 'requeued twice',
            retry: 1,
            origin: taskId,
            author: emu.world.users.submitter,
          }),
          message_reference: { message_id: messageId },
        },
      })) as { id: string };
    const r1 = await copy();
    const r2 = await copy();
    await rest.patch(Routes.channel(messageId), {
      body: { name: `↩️ ${taskId} → discord-${r1.id}`, archived: true, locked: true },
    });
    const runner = new CountingRunner(10);
    const worker = await startWorker(emu.world, { dir, index: 0, runner });
    try {
      await waitFor(
        async () => (await results(emu.running)).find((r) => r.header?.taskId === `discord-${r1.id}`),
        30_000,
        'the live copy to run',
      );
      const queue = await waitFor(
        async () => {
          const messages = await emu.admin.messages(emu.world.channels.taskQueue);
          const second = messages.find((m) => m.id === r2.id)!;
          return (second.reactions ?? []).some((r) => r.emoji.name === '♻️') ? messages : null;
        },
        30_000,
        'the other copy to be marked ♻️',
      );
      expect(runner.runs.get(`discord-${r1.id}`)).toBe(1);
      expect(runner.runs.has(`discord-${r2.id}`)).toBe(false);
      expect(queue.find((m) => m.id === r2.id)!.thread).toBeUndefined();
    } finally {
      await worker.stop();
      await bus.close();
    }
  }, 60_000);

  it('a heartbeat on a claim whose thread was archived by a sweeper fails with LeaseLostError', async () => {
    const bus = submitterBus(emu.world);
    const { taskId, messageId } = await bus.submit('held by a slow worker');
    const claimer = workerBus(emu.world, 0);
    const claim = await claimer.claim(makeTaskFor(taskId, messageId, emu.world.users.submitter), 'worker-1');
    expect(claim).not.toBeNull();
    await claimer.heartbeat(claim!, 'still going');
    // Another worker's sweeper hands the task back: the thread is archived.
    await restFor(emu.world, emu.world.tokens.workers[1]!).patch(Routes.channel(messageId), {
      body: { archived: true, locked: true },
    });
    await expect(claimer.heartbeat(claim!, 'still going?')).rejects.toBeInstanceOf(LeaseLostError);
    await claimer.close();
    await bus.close();
  }, 60_000);
});

function makeTaskFor(taskId: string, messageId: string, authorId: string): Task {
  return {
    id: taskId,
    messageId,
    prompt: 'held by a slow worker',
    rawText: 'held by a slow worker',
    retry: 0,
    authorId,
    submittedAt: new Date().toISOString(),
    attachments: [],
  };
}
