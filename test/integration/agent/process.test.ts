import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  describeSpawnError,
  liveProcessGroups,
  runProcess,
  type SpawnFunction,
} from '../../../src/agent/process.js';
import { fixture, grandchildPid, isAlive, tempDir, waitFor } from '../../helpers/agent.js';

const execFileAsync = promisify(execFile);
const node = process.execPath;
const fast = { killGraceMs: 200, drainMs: 500 };

describe('runProcess: normal exits', () => {
  it('captures stdout of a successful run and feeds stdin', async () => {
    // In a temp dir: the fixture writes USAGE.json into its working directory.
    const cwd = await tempDir();
    const out = await runProcess(
      { command: node, args: [fixture('ok.mjs')], stdin: 'hello there', cwd },
      fast,
    );
    expect(out).toMatchObject({
      exitCode: 0,
      signal: null,
      timedOut: false,
      aborted: false,
      failedToStart: false,
    });
    expect(out.stdout).toContain('hello there');
    expect(out.pid).toBeGreaterThan(0);
    expect(out.durationMs).toBeGreaterThan(0);
  });

  it('gives the child /dev/null as stdin when no stdin is given', async () => {
    const out = await runProcess(
      { command: node, args: ['-e', 'process.stdin.on("data",()=>{}).on("end",()=>console.log("eof"))'] },
      fast,
    );
    expect(out.stdout).toBe('eof\n');
  });

  it('reports a non-zero exit code and the stderr', async () => {
    const out = await runProcess({ command: node, args: [fixture('fail.mjs')] }, fast);
    expect(out.exitCode).toBe(3);
    expect(out.signal).toBeNull();
    expect(out.stdout).toBe('partial output\n');
    expect(out.stderr).toContain('failed on purpose');
  });

  it.each(['SIGSEGV', 'SIGKILL'])('reports death by %s', async (sig) => {
    const out = await runProcess(
      { command: node, args: [fixture('crash.mjs')], env: { ...process.env, CRASH_SIGNAL: sig } },
      fast,
    );
    expect(out.exitCode).toBeNull();
    expect(out.signal).toBe(sig);
    expect(out.timedOut).toBe(false);
  });

  it('passes cwd and env exactly, plus the run marker', async () => {
    const dir = await tempDir();
    const out = await runProcess(
      {
        command: node,
        args: [fixture('echo-env.mjs')],
        cwd: dir,
        env: { PATH: process.env.PATH, DORCH_X: '1' },
      },
      fast,
    );
    const seen = JSON.parse(out.stdout);
    expect(seen.cwd).toBe(dir);
    expect(seen.dorch).toEqual({
      DORCH_X: '1',
      DORCH_AGENT_OWNER: expect.stringMatching(new RegExp(`^[0-9a-f]{12}/${process.pid}\\.\\d+/\\d+$`)),
    });
  });

  it('uses the injected clock for durationMs', async () => {
    const now = vi.fn().mockReturnValueOnce(1_000).mockReturnValue(1_750);
    const out = await runProcess({ command: node, args: ['-e', ''] }, { ...fast, now });
    expect(out.durationMs).toBe(750);
  });
});

describe('runProcess: timeout and abort kill the whole group', () => {
  it('on timeout sends SIGTERM to the group, grandchild included', async () => {
    const out = await runProcess({ command: node, args: [fixture('hang.mjs')], timeoutMs: 1_000 }, fast);
    expect(out.timedOut).toBe(true);
    expect(out.signal).toBe('SIGTERM');
    expect(out.forceKilled).toBe(false);
    const gc = grandchildPid(out.stdout);
    expect(gc).toBeDefined();
    expect(await waitFor(() => !isAlive(gc!))).toBe(true);
    expect(await waitFor(() => !liveProcessGroups().includes(out.pid!))).toBe(true);
  });

  it('sends SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const out = await runProcess(
      {
        command: node,
        args: [fixture('hang.mjs')],
        timeoutMs: 1_000,
        env: { ...process.env, HANG_IGNORE_TERM: '1' },
      },
      fast,
    );
    expect(out.timedOut).toBe(true);
    expect(out.forceKilled).toBe(true);
    expect(out.signal).toBe('SIGKILL');
    expect(out.stdout).toContain('ignoring SIGTERM');
    const gc = grandchildPid(out.stdout);
    expect(gc).toBeDefined();
    expect(await waitFor(() => !isAlive(gc!))).toBe(true);
  });

  it('abort terminates the group and reports aborted, not timed out', async () => {
    const controller = new AbortController();
    let seen = '';
    const out = await runProcess(
      {
        command: node,
        args: [fixture('hang.mjs')],
        signal: controller.signal,
        onOutput: (stream, chunk) => {
          seen += chunk.toString();
          if (stream === 'stdout' && grandchildPid(seen)) controller.abort();
        },
      },
      fast,
    );
    expect(out).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGTERM' });
    const gc = grandchildPid(out.stdout)!;
    expect(await waitFor(() => !isAlive(gc))).toBe(true);
  });

  it('does not spawn when already aborted', async () => {
    const spawn = vi.fn();
    const out = await runProcess(
      { command: node, signal: AbortSignal.abort() },
      { spawn: spawn as unknown as SpawnFunction },
    );
    expect(out.aborted).toBe(true);
    expect(out.pid).toBeUndefined();
    expect(spawn).not.toHaveBeenCalled();
  });

  it('terminates descendants the leader left behind after a normal exit', async () => {
    const script =
      "const c=require('child_process').spawn(process.execPath,['-e','setInterval(()=>{},1e9)'],{stdio:'ignore'});" +
      'c.unref();console.log(c.pid)';
    const out = await runProcess({ command: node, args: ['-e', script], timeoutMs: 10_000 }, fast);
    expect(out.exitCode).toBe(0);
    expect(out.timedOut).toBe(false);
    const leftover = Number(out.stdout.trim());
    expect(leftover).toBeGreaterThan(0);
    expect(await waitFor(() => !isAlive(leftover))).toBe(true);
  });
});

describe('runProcess: parent exit', () => {
  it('kills live agent groups when the parent exits', async () => {
    const { stdout } = await execFileAsync(
      node,
      ['--import', 'tsx', join(import.meta.dirname, 'parent-exit.fixture.ts'), fixture('hang.mjs')],
      { timeout: 20_000 },
    );
    const { leader, grandchild } = JSON.parse(stdout) as { leader: number; grandchild: number };
    expect(leader).toBeGreaterThan(0);
    expect(await waitFor(() => !isAlive(leader) && !isAlive(grandchild))).toBe(true);
  });
});

describe('runProcess: start failures are data', () => {
  it('a command missing from PATH', async () => {
    const out = await runProcess({ command: 'dorch-no-such-agent-xyz' });
    expect(out).toMatchObject({ failedToStart: true, errorCode: 'ENOENT', exitCode: null });
    expect(out.error).toBe('`dorch-no-such-agent-xyz` not found on PATH');
  });

  it('a path that does not exist', async () => {
    const out = await runProcess({ command: '/nonexistent/agent' });
    expect(out.error).toBe('`/nonexistent/agent` does not exist');
  });

  it('a file that is not executable', async () => {
    const dir = await tempDir();
    const file = join(dir, 'agent.sh');
    await writeFile(file, '#!/bin/sh\necho hi\n');
    await chmod(file, 0o644);
    const out = await runProcess({ command: file });
    expect(out).toMatchObject({ failedToStart: true, errorCode: 'EACCES' });
    expect(out.error).toContain('is not executable');
  });

  it('a missing working directory is named as such', async () => {
    const out = await runProcess({ command: node, cwd: '/nonexistent/workspace' });
    expect(out.failedToStart).toBe(true);
    expect(out.error).toBe('working directory /nonexistent/workspace does not exist');
  });

  it('a spawn function that throws synchronously', async () => {
    const spawn: SpawnFunction = () => {
      throw Object.assign(new Error('spawn EPERM'), { code: 'EPERM' });
    };
    const out = await runProcess({ command: 'x' }, { spawn });
    expect(out).toMatchObject({ failedToStart: true, errorCode: 'EPERM' });
    expect(out.error).toContain('failed to start');
  });

  it('describes other errors with their message', () => {
    expect(describeSpawnError('a', Object.assign(new Error('boom'), { code: 'E2BIG' }))).toBe(
      '`a` failed to start: boom',
    );
  });
});

describe('runProcess: bounded capture and the log file', () => {
  it('keeps the head of stdout in memory and all of it in the log', async () => {
    const dir = await tempDir();
    const logFile = join(dir, 'agent-output.log');
    const out = await runProcess(
      {
        command: node,
        args: [fixture('huge-output.mjs')],
        env: { ...process.env, HUGE_BYTES: '1000000' },
        logFile,
      },
      { ...fast, maxStdoutBytes: 10_000 },
    );
    expect(out.exitCode).toBe(0);
    expect(out.stdout.length).toBe(10_000);
    expect(out.stdoutTruncated).toBe(true);
    expect((await readFile(logFile)).length).toBe(1_000_000);
  });

  it('keeps the tail of stderr', async () => {
    const out = await runProcess(
      { command: node, args: [fixture('stderr-spam.mjs')], env: { ...process.env, SPAM_BYTES: '200000' } },
      { ...fast, maxStderrBytes: 1_000 },
    );
    expect(out.stderr.length).toBe(1_000);
    expect(out.stderr.endsWith('last log line\n')).toBe(true);
    expect(out.stderrTruncated).toBe(true);
    expect(out.stdout).toBe('small answer\n');
    expect(out.stdoutTruncated).toBe(false);
  });

  it('cuts the log file at maxLogBytes with a marker', async () => {
    const dir = await tempDir();
    const logFile = join(dir, 'out.log');
    await runProcess(
      {
        command: node,
        args: [fixture('huge-output.mjs')],
        env: { ...process.env, HUGE_BYTES: '50000' },
        logFile,
      },
      { ...fast, maxLogBytes: 1_000 },
    );
    const log = await readFile(logFile, 'utf8');
    expect(log.length).toBeLessThan(1_200);
    expect(log).toContain('[log cut at 1000 bytes');
  });

  it('reports an unwritable log file but still captures output', async () => {
    const out = await runProcess(
      { command: node, args: ['-e', 'console.log("x")'], logFile: '/nonexistent/dir/out.log' },
      fast,
    );
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toBe('x\n');
    expect(out.logError).toContain('/nonexistent/dir/out.log');
  });

  it('notes a timeout in the log file', async () => {
    const dir = await tempDir();
    const logFile = join(dir, 'out.log');
    await runProcess({ command: node, args: [fixture('hang.mjs')], timeoutMs: 500, logFile }, fast);
    expect(await readFile(logFile, 'utf8')).toContain('[timed out after 500 ms');
  });
});

describe('runProcess: validation', () => {
  it('rejects invalid limits with a TypeError', async () => {
    await expect(runProcess({ command: node }, { killGraceMs: -1 })).rejects.toThrow(
      'Expected `killGraceMs` to be a finite number >= 0, got `-1`',
    );
    await expect(runProcess({ command: node, timeoutMs: Number.NaN })).rejects.toThrow(TypeError);
  });
});
