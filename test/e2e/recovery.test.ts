/**
 * A worker process dies mid-task (SIGKILL): the manager hands its task back at once as a retry, a fresh worker
 * runs it, and exactly one result is reported.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import {
  agentRuns,
  collect,
  emulatorEnv,
  fixtureAgent,
  results,
  scratch,
  spawnCli,
  waitFor,
  submitterBus,
} from '../helpers/fleet.js';

describe('recovery', () => {
  const emu = useEmulator({ workers: 1 });

  it('requeues the task of a worker killed mid-task; the retry runs once and reports once', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '1'], {
      cwd: dir,
      env: {
        ...emulatorEnv(emu.world, 1),
        AGENT_RUNNER: 'command',
        AGENT_COMMAND: fixtureAgent('ok'),
        AGENT_LOG: agentLog,
        // Long enough to kill the worker while its agent runs; the orphaned agent then ends by itself.
        OK_DELAY_MS: '2500',
        POLL_INTERVAL: '0.3',
      },
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
      const pid = Number(await readFile(join(dir, '.runtime', 'pids', 'worker-1.pid'), 'utf8'));
      process.kill(pid, 'SIGKILL');

      const posted = await waitFor(
        async () => ((await results(emu.running)).length ? results(emu.running) : null),
        60_000,
        'a result',
      );
      await new Promise((r) => setTimeout(r, 3000)); // room for a duplicate to show up
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
});
