/**
 * A worker process dies mid-task (SIGKILL): the manager hands its task back at once as a retry, a fresh worker
 * runs it, and exactly one result is reported.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { isAlive } from '../helpers/agent.js';
import { workerPid } from '../helpers/processes.js';
import {
  agentRuns,
  collect,
  fixtureEnv,
  results,
  scratch,
  spawnCli,
  waitFor,
  submitterBus,
} from '../helpers/fleet.js';

describe('recovery', () => {
  const emu = useEmulator({ workers: 1 });

  it('the manager refuses to start, naming the key and the permission, when a worker bot lacks one', async () => {
    const dir = await scratch();
    await emu.admin.denyPermission(
      emu.world.channels.taskQueue,
      emu.world.users.workers[0]!,
      PermissionFlagsBits.CreatePublicThreads,
    );
    try {
      const run = collect(
        spawnCli(['manager', '--workers', '1'], {
          cwd: dir,
          env: fixtureEnv(emu.world, { agent: 'ok', agentLog: join(dir, 'agent.log'), workers: 1 }),
        }),
      );
      expect(await run.exited).not.toBe(0);
      expect(run.output()).toMatch(/TASK_QUEUE_CHANNEL: .* lacks Create Public Threads in channel \d+/);
      expect(run.output()).not.toContain('starting 1 worker');
    } finally {
      await emu.admin.clearPermissions(emu.world.channels.taskQueue, emu.world.users.workers[0]!);
    }
  }, 60_000);

  it('requeues the task of a worker killed mid-task; the retry runs once and reports once', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '1'], {
      cwd: dir,
      env: fixtureEnv(emu.world, {
        agent: 'ok',
        agentLog,
        workers: 1,
        env: {
          // Long enough to kill the worker while its agent runs (the manager then kills the orphaned agent).
          OK_DELAY_MS: '2500',
          MACHINE_NAME: 'box',
        },
      }),
    });
    const run = collect(manager);
    const submitter = submitterBus(emu.world);
    const { taskId } = await submitter.submit('survive a dead worker [model:coder]');
    try {
      await waitFor(
        async () => (await agentRuns(agentLog)).includes(taskId),
        30_000,
        'the first attempt to start',
      );
      const pid = await waitFor(async () => workerPid(dir, 'box-1'), 10_000, 'the worker process');
      process.kill(pid, 'SIGKILL');

      const posted = await waitFor(
        async () => ((await results(emu.running)).length ? results(emu.running) : null),
        60_000,
        'a result',
      );
      // Stop the fleet and wait for it to exit: then nothing is left that could post a duplicate.
      manager.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect(await results(emu.running)).toHaveLength(1);
      const [result] = posted;
      expect(result!.header?.outcome).toBe('SUCCESS');
      expect(result!.header?.taskId).not.toBe(taskId); // the retry's own id
      expect(result!.content).toContain('survive a dead worker');
      expect(result!.content).toContain('Model: openrouter/qwen/qwen3-coder-next');

      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      const retry = queue.find((m) => `discord-${m.id}` === result!.header?.taskId)!;
      expect(retry.content).toContain('[retry:1]');
      expect(retry.content).toContain(`[origin:${taskId}]`);
      const original = queue.find((m) => `discord-${m.id}` === taskId)!;
      expect((original.reactions ?? []).map((r) => r.emoji.name)).toContain('↩️');
      expect(run.output()).toContain(`RECOVERED  ${taskId}: requeued`);
    } finally {
      manager.kill('SIGTERM');
      await run.exited;
      await submitter.close();
    }
  }, 120_000);

  it('SIGTERM to the manager lets a running task finish and report before it exits', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '1'], {
      cwd: dir,
      env: fixtureEnv(emu.world, {
        agent: 'ok',
        agentLog,
        workers: 1,
        env: {
          OK_DELAY_MS: '2000',
        },
      }),
    });
    const run = collect(manager);
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit('finish me before you go');
    try {
      await waitFor(async () => (await agentRuns(agentLog)).includes(taskId), 30_000, 'the task to start');
      manager.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      const posted = (await results(emu.running)).filter((r) => r.header?.taskId === taskId);
      expect(posted).toHaveLength(1);
      expect(posted[0]!.header?.outcome).toBe('SUCCESS');
    } finally {
      manager.kill('SIGKILL');
      await bus.close();
    }
  }, 60_000);

  it('dorch stop --force kills a hanging agent at once and requeues its task', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const env = fixtureEnv(emu.world, { agent: 'hang', agentLog, workers: 1 });
    const worker = spawnCli(['worker', '--id', 'worker-1', '--keep-alive'], { cwd: dir, env });
    const run = collect(worker);
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit('hang until stopped');
    try {
      await waitFor(async () => (await agentRuns(agentLog)).includes(taskId), 30_000, 'the agent to start');
      const grandchild = await waitFor(
        async () =>
          Number(
            /GRANDCHILD (\d+)/.exec(
              await readFile(
                join(dir, 'workers', 'worker-1', 'tasks', taskId, 'agent-output.log'),
                'utf8',
              ).catch(() => ''),
            )?.[1],
          ) || null,
        10_000,
        'the agent to report its child',
      );
      const stop = collect(spawnCli(['stop', '--force'], { cwd: dir, env }));
      expect(await stop.exited).toBe(0);
      expect(await run.exited).toBe(0);
      expect(stop.output()).toContain('Emergency stop');
      // The agent's whole process group is gone, and the task went back to the queue.
      await waitFor(async () => !isAlive(grandchild), 5000, 'the agent group to be gone');
      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      const original = queue.find((m) => `discord-${m.id}` === taskId)!;
      expect((original.reactions ?? []).map((r) => r.emoji.name)).toContain('↩️');
      expect(queue.some((m) => m.content.includes(`[origin:${taskId}]`))).toBe(true);
    } finally {
      worker.kill('SIGKILL');
      await bus.close();
    }
  }, 60_000);
});
