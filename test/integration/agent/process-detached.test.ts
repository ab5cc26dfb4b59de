// Descendants that leave the agent's process group (setsid, double fork) end with the run: found by the run's
// DORCH_AGENT_OWNER marker through /proc.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { liveProcessGroups, runProcess } from '../../../src/agent/process.js';
import { daemonPid, fixture, isAlive, tempDir, waitFor } from '../../helpers/agent.js';

const execFileAsync = promisify(execFile);
const node = process.execPath;
const fast = { killGraceMs: 300, drainMs: 500 };
const hasProc = existsSync('/proc/self/environ');

// Daemons a failing test left behind must not outlive it.
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone, as it should be.
    }
  }
});

function daemonOf(stdout: string): number {
  const pid = daemonPid(stdout);
  expect(pid, `no DAEMON line in ${JSON.stringify(stdout)}`).toBeGreaterThan(0);
  started.push(pid!);
  return pid!;
}

function daemonEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...env };
}

describe.skipIf(!hasProc)('runProcess: detached descendants (needs /proc)', () => {
  it.each(['setsid', 'double-fork'])(
    'ends a %s daemon the agent left behind when it exits normally',
    async (mode) => {
      const out = await runProcess(
        { command: node, args: [fixture('daemon.mjs')], env: daemonEnv({ DAEMON_MODE: mode }) },
        fast,
      );
      expect(out).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
      const daemon = daemonOf(out.stdout);
      // The daemon is in another session: its group is not the agent's.
      expect(await waitFor(() => !isAlive(daemon))).toBe(true);
      expect(await waitFor(() => !liveProcessGroups().includes(out.pid!))).toBe(true);
    },
  );

  it('ends the daemon on timeout', async () => {
    const out = await runProcess(
      {
        command: node,
        args: [fixture('daemon.mjs')],
        env: daemonEnv({ DAEMON_THEN: 'hang' }),
        timeoutMs: 1_000,
      },
      fast,
    );
    expect(out.timedOut).toBe(true);
    expect(await waitFor(() => !isAlive(daemonOf(out.stdout)))).toBe(true);
  });

  it('ends the daemon on abort', async () => {
    const controller = new AbortController();
    const out = await runProcess(
      {
        command: node,
        args: [fixture('daemon.mjs')],
        env: daemonEnv({ DAEMON_THEN: 'hang', DAEMON_MODE: 'double-fork' }),
        signal: controller.signal,
        onOutput: (_stream, chunk) => {
          if (daemonPid(chunk.toString())) controller.abort();
        },
      },
      fast,
    );
    expect(out.aborted).toBe(true);
    expect(await waitFor(() => !isAlive(daemonOf(out.stdout)))).toBe(true);
  });

  it('SIGKILLs a daemon that ignores SIGTERM after the grace period', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'daemon.pid');
    const out = await runProcess(
      {
        command: node,
        args: [fixture('daemon.mjs')],
        env: daemonEnv({ DAEMON_IGNORE_TERM: '1', DAEMON_PID_FILE: pidFile }),
      },
      fast,
    );
    const daemon = daemonOf(out.stdout);
    // The agent exited only once the daemon had written this, after installing its SIGTERM handler.
    expect(Number(await readFile(pidFile, 'utf8'))).toBe(daemon);
    expect(await waitFor(() => !isAlive(daemon))).toBe(true);
  });

  it('leaves a daemon alone when endDetached is off (the marker is what finds it)', async () => {
    const out = await runProcess(
      { command: node, args: [fixture('daemon.mjs')], env: daemonEnv({}) },
      { ...fast, endDetached: false },
    );
    const daemon = daemonOf(out.stdout);
    // Past the point where the run would have ended it: the run is over and its group is forgotten.
    expect(await waitFor(() => !liveProcessGroups().includes(out.pid!))).toBe(true);
    expect(isAlive(daemon)).toBe(true);
  });

  it("does not touch another run's daemon", async () => {
    const controller = new AbortController();
    let other = 0;
    const running = runProcess(
      {
        command: node,
        args: [fixture('daemon.mjs')],
        env: daemonEnv({ DAEMON_THEN: 'hang' }),
        signal: controller.signal,
        onOutput: (_s, chunk) => {
          other ||= daemonPid(chunk.toString()) ?? 0;
        },
      },
      fast,
    );
    try {
      expect(await waitFor(() => other > 0)).toBe(true);
      started.push(other);
      const out = await runProcess(
        { command: node, args: [fixture('daemon.mjs')], env: daemonEnv({}) },
        fast,
      );
      expect(await waitFor(() => !isAlive(daemonOf(out.stdout)))).toBe(true);
      expect(isAlive(other)).toBe(true);
    } finally {
      controller.abort();
      await running;
    }
    expect(await waitFor(() => !isAlive(other))).toBe(true);
  });

  it('kills the daemon of a live run when the parent exits', async () => {
    const { stdout } = await execFileAsync(
      node,
      ['--import', 'tsx', join(import.meta.dirname, 'parent-exit.fixture.ts'), fixture('daemon.mjs')],
      { timeout: 20_000, env: { ...process.env, DAEMON_THEN: 'hang', DAEMON_IGNORE_TERM: '1' } },
    );
    const { leader, daemon } = JSON.parse(stdout) as { leader: number; daemon: number };
    started.push(daemon);
    expect(leader).toBeGreaterThan(0);
    expect(await waitFor(() => !isAlive(leader) && !isAlive(daemon))).toBe(true);
  });
});
