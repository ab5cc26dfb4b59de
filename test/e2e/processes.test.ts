/**
 * Processes end when their task ends (issues #7, #8), with real CLI processes against the emulator:
 * - a hostile agent's detached daemon (setsid, double fork) is gone when its task ends, on timeout, after
 *   `dorch stop --force`, and after `dorch stop` once its worker was killed;
 * - the manager kills a SIGKILLed worker's agent and the agent's daemon before requeueing the task;
 * - a worker whose manager is SIGKILLed finishes and reports its task, then exits cleanly;
 * - `dorch stop` finds workers and managers started from other folders, and never signals what a stale pid file
 *   names.
 * Each test runs its processes with its own HOME (the scope of `dorch stop`), so tests running at the same time on
 * this machine do not stop each other's fleets.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import {
  ROOT,
  agentRuns,
  collect,
  emulatorEnv,
  fixtureEnv,
  results,
  scratch,
  spawnCli,
  submitterBus,
  waitFor,
} from '../helpers/fleet.js';
import { dorchProcesses, killFleet, pidInAgentLog, workerPid } from '../helpers/processes.js';
import { isAlive } from '../helpers/agent.js';

const homes: string[] = [];
afterEach(() => {
  // Whatever a failed test left running: its fleet and its agents.
  for (const home of homes.splice(0)) killFleet(home);
});

async function home(): Promise<string> {
  const dir = await scratch('dorch-proc-e2e-');
  homes.push(dir);
  return dir;
}

/** Run the CLI to completion. */
async function cli(args: string[], options: { cwd: string; env: Record<string, string> }) {
  const run = collect(spawnCli(args, options));
  const code = await run.exited;
  return { code, output: run.output() };
}

type Emulator = ReturnType<typeof useEmulator>;

async function resultFor(emu: Emulator, taskId: string) {
  return waitFor(
    async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
    30_000,
    `the result of ${taskId}`,
  );
}

async function pidIn(dir: string, taskId: string, label: 'AGENT' | 'DAEMON', workerId = 'worker-1') {
  return waitFor(
    async () => pidInAgentLog(dir, workerId, taskId, label),
    20_000,
    `${label} in ${taskId}'s log`,
  );
}

// One emulator per describe: a task a test leaves in the queue (a requeued hanging task) must not reach the next.
describe('a hostile agent: task end and timeout', () => {
  const emu = useEmulator({ workers: 2 });

  it("a keep-alive worker ends its agent's daemon when the task ends and on timeout, and keeps running", async () => {
    const dir = await home();
    const env = fixtureEnv(emu.world, {
      agent: 'daemon',
      agentLog: join(dir, 'agent.log'),
      env: { TASK_TIMEOUT: '3' },
    });
    const worker = spawnCli(['worker', '--id', 'worker-1', '--keep-alive'], { cwd: dir, env });
    const run = collect(worker);
    const bus = submitterBus(emu.world);
    try {
      // A setsid daemon, and the agent exits 0 at once.
      const first = await bus.submit('leave a setsid daemon behind');
      const ok = await resultFor(emu, first.taskId);
      expect(ok.header?.outcome).toBe('SUCCESS');
      const daemon = Number(/DAEMON (\d+)/.exec(ok.content)?.[1]);
      expect(daemon).toBeGreaterThan(0);
      expect(await waitFor(async () => !isAlive(daemon), 10_000, 'the setsid daemon to end')).toBe(true);

      // A double-forked daemon, and the agent hangs until the 3 s timeout.
      const second = await bus.submit('DOUBLE-FORK then HANG-AGENT');
      const daemon2 = await pidIn(dir, second.taskId, 'DAEMON');
      const timedOut = await resultFor(emu, second.taskId);
      expect(timedOut.header?.outcome).toBe('FAILED');
      expect(timedOut.content).toContain('timed out');
      expect(await waitFor(async () => !isAlive(daemon2), 10_000, 'the double-forked daemon to end')).toBe(
        true,
      );
      // The worker did this, not its exit hook: it is still running.
      expect(worker.exitCode).toBeNull();
    } finally {
      worker.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      await bus.close();
    }
  }, 90_000);
});

describe('a hostile agent: dorch stop', () => {
  const emu = useEmulator({ workers: 2 });

  it('dorch stop --force ends a hanging agent and its SIGTERM-proof daemon, and requeues the task', async () => {
    const dir = await home();
    const env = fixtureEnv(emu.world, { agent: 'daemon', agentLog: join(dir, 'agent.log') });
    const worker = spawnCli(['worker', '--id', 'worker-1', '--keep-alive'], { cwd: dir, env });
    const run = collect(worker);
    const bus = submitterBus(emu.world);
    try {
      const { taskId } = await bus.submit('HANG-AGENT with an IGNORE-TERM daemon');
      const agent = await pidIn(dir, taskId, 'AGENT');
      const daemon = await pidIn(dir, taskId, 'DAEMON');
      const stop = await cli(['stop', '--force'], { cwd: dir, env });
      expect(stop.code).toBe(0);
      expect(stop.output).toContain('Emergency stop: signalled 1 worker(s), 0 manager(s).');
      expect(await run.exited).toBe(0);
      expect(
        await waitFor(async () => !isAlive(agent) && !isAlive(daemon), 10_000, 'agent and daemon gone'),
      ).toBe(true);
      const queue = await emu.admin.messages(emu.world.channels.taskQueue);
      expect(queue.find((m) => `discord-${m.id}` === taskId)?.reactions?.map((r) => r.emoji.name)).toContain(
        '↩️',
      );
    } finally {
      worker.kill('SIGKILL');
      await bus.close();
    }
  }, 60_000);
});

describe('a hostile agent: its worker is killed, no manager', () => {
  const emu = useEmulator({ workers: 2 });

  it('dorch stop ends the agent and daemon of a worker that was killed with SIGKILL', async () => {
    const dir = await home();
    const env = fixtureEnv(emu.world, { agent: 'daemon', agentLog: join(dir, 'agent.log') });
    const worker = spawnCli(['worker', '--id', 'worker-1', '--keep-alive'], { cwd: dir, env });
    const run = collect(worker);
    const bus = submitterBus(emu.world);
    try {
      const { taskId } = await bus.submit('HANG-AGENT and DOUBLE-FORK, then lose the worker');
      const agent = await pidIn(dir, taskId, 'AGENT');
      const daemon = await pidIn(dir, taskId, 'DAEMON');
      worker.kill('SIGKILL');
      await run.exited;
      // Nothing else is left to end them: this is what the emergency stop is for.
      expect(isAlive(agent) && isAlive(daemon)).toBe(true);
      const stop = await cli(['stop'], { cwd: dir, env });
      expect(stop.code).toBe(0);
      expect(stop.output).toContain('Ended 2 agent process(es) left behind by workers that are gone.');
      expect(isAlive(agent) || isAlive(daemon)).toBe(false);
    } finally {
      await bus.close();
    }
  }, 60_000);
});

describe('a hostile agent: its worker is killed under the manager', () => {
  const emu = useEmulator({ workers: 2 });

  it("the manager kills a SIGKILLed worker's agent and the agent's daemon before requeueing", async () => {
    const dir = await home();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '1'], {
      cwd: dir,
      env: fixtureEnv(emu.world, { agent: 'daemon', agentLog, workers: 1, env: { MACHINE_NAME: 'box' } }),
    });
    const run = collect(manager);
    const bus = submitterBus(emu.world);
    try {
      const { taskId } = await bus.submit('HANG-AGENT and a setsid daemon');
      const agent = await pidIn(dir, taskId, 'AGENT', 'box-1');
      const daemon = await pidIn(dir, taskId, 'DAEMON', 'box-1');
      const pid = workerPid(dir, 'box-1')!;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await waitFor(
        async () => run.output().includes(`RECOVERED  ${taskId}: requeued`),
        30_000,
        'the requeue',
      );
      // Killed before the requeue was posted.
      expect(isAlive(agent) || isAlive(daemon)).toBe(false);
      expect(run.output()).toContain('AGENTS     killed 2 agent process(es) the dead worker left running');
    } finally {
      manager.kill('SIGKILL');
      await bus.close();
    }
  }, 60_000);
});

describe('the manager is killed', () => {
  const emu = useEmulator({ workers: 2 });

  it('a worker whose manager is SIGKILLed finishes and reports its task, then exits cleanly', async () => {
    const dir = await home();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '1'], {
      cwd: dir,
      env: fixtureEnv(emu.world, {
        agent: 'ok',
        agentLog,
        workers: 1,
        env: { OK_DELAY_MS: '2500', MACHINE_NAME: 'box' },
      }),
    });
    const run = collect(manager);
    const bus = submitterBus(emu.world);
    try {
      const { taskId } = await bus.submit('outlive your manager');
      await waitFor(async () => (await agentRuns(agentLog)).includes(taskId), 30_000, 'the agent to start');
      const pid = workerPid(dir, 'box-1')!;
      expect(pid).toBeGreaterThan(0);
      manager.kill('SIGKILL');
      await run.exited;
      const result = await resultFor(emu, taskId);
      expect(result.header?.outcome).toBe('SUCCESS');
      await waitFor(async () => !isAlive(pid), 20_000, 'the orphaned worker to exit');
      const log = await readFile(join(dir, '.runtime', 'logs', 'box-1.log'), 'utf8');
      expect(log).toContain('the manager is gone; finishing the current task, then exiting');
      expect(log).toMatch(/"reason":"stopped".*worker exiting/);
      expect(log).not.toContain('ERR_IPC_CHANNEL_CLOSED');
      expect(log).not.toMatch(/"level":(50|60)/); // no error or fatal lines
      expect(dorchProcesses(dir)).toEqual([]); // and nobody started another worker
    } finally {
      manager.kill('SIGKILL');
      await bus.close();
    }
  }, 60_000);
});

describe('the manager is killed while its worker starts', () => {
  const emu = useEmulator({ workers: 1 });

  it('a worker whose manager was gone before it listened for that exits instead of running on unmanaged', async () => {
    const dir = await home();
    const env = fixtureEnv(emu.world, { agent: 'ok', agentLog: join(dir, 'agent.log'), workers: 1 });
    // Started as the manager starts it (with an IPC channel), and the channel closes at once: the manager was
    // SIGKILLed right after it spawned this worker (found by the chaos run: a keep-alive worker ran on for good).
    const worker = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        join(ROOT, 'src/cli/index.ts'),
        'worker',
        '--id',
        'worker-1',
        '--keep-alive',
      ],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    worker.disconnect();
    const run = collect(worker);
    const exited = await Promise.race([
      run.exited,
      new Promise((r) => setTimeout(() => r('still running'), 30_000)),
    ]);
    expect(exited, run.output()).toBe(0);
    expect(run.output()).toContain('the manager is gone; finishing the current task, then exiting');
  }, 60_000);
});

describe('dorch stop finds its processes, and only those', () => {
  const emu = useEmulator({ workers: 2 });

  it('dorch stop finds a manager and a worker started from other folders, and stops both', async () => {
    const dir = await home();
    const env = { ...emulatorEnv(emu.world, 2), AGENT_RUNNER: 'demo', POLL_INTERVAL: '0.3', HOME: dir };
    const folderA = join(dir, 'a');
    const folderB = join(dir, 'b');
    await mkdir(folderA);
    await mkdir(folderB);
    const manager = collect(spawnCli(['manager', '--workers', '1'], { cwd: folderA, env }));
    const worker = collect(
      spawnCli(['worker', '--id', 'worker-b', '--keep-alive'], {
        cwd: folderB,
        env: { ...env, BOT_TOKEN: emu.world.tokens.workers[1]! },
      }),
    );
    await waitFor(async () => manager.output().includes('READY'), 30_000, 'the manager worker READY');
    await waitFor(async () => worker.output().includes('Online and waiting'), 30_000, 'worker-b READY');
    const stop = await cli(['stop'], { cwd: dir, env });
    expect(stop.output).toContain('Stopping: signalled 2 worker(s), 1 manager(s).');
    expect(stop.output).toContain('All stopped.');
    expect(stop.code).toBe(0);
    expect(await manager.exited).toBe(0);
    expect(await worker.exited).toBe(0);
    expect((await cli(['stop'], { cwd: folderB, env })).output).toContain(
      'No workers or managers are running for this user on this machine.',
    );
  }, 90_000);

  it('dorch stop never signals a process that a stale pid file names', async () => {
    const dir = await home();
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' });
    const gone = new Promise<NodeJS.Signals | null>((r) => bystander.once('exit', (_c, s) => r(s)));
    try {
      // What an older dorch (or a worker killed with SIGKILL) left behind, naming a pid now used by another process.
      await mkdir(join(dir, '.runtime', 'pids'), { recursive: true });
      await writeFile(join(dir, '.runtime', 'pids', 'worker-1.pid'), String(bystander.pid));
      await writeFile(join(dir, '.runtime', 'pids', 'manager.pid'), String(bystander.pid));
      for (const args of [['stop'], ['stop', '--force']]) {
        const stop = await cli(args, { cwd: dir, env: emulatorEnv(emu.world, 1) });
        expect(stop.code).toBe(0);
        expect(stop.output).toContain('No workers or managers are running');
      }
    } finally {
      bystander.kill('SIGKILL');
    }
    // Had either stop signalled it, sleep would have died of that signal first.
    expect(await gone).toBe('SIGKILL');
  }, 60_000);
});
