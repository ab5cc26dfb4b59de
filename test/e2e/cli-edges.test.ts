/**
 * The CLI's rough edges, as a user meets them: real processes, exit codes, stdout and stderr. Exit codes: 0 ok,
 * 1 failed, 2 bad input (usage or config), 3 no result in time (`src/cli/exit-codes.ts`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import { emulatorEnv, ROOT, scratch, spawnCli } from '../helpers/fleet.js';

/** Run the CLI to completion; stdout and stderr apart. */
async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = spawnCli(args, { cwd: options.cwd ?? (await scratch()), env: options.env ?? {} });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

const STACK = /\n\s+at .+\(|node:internal/;

describe('dorch CLI edges', () => {
  const emu = useEmulator({ workers: 1 });

  it('`dorch start | head`: the reader going away ends the demo quietly, exit 0, no EPIPE crash', async () => {
    const child = spawnCli(['start'], { cwd: await scratch(), env: {} });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Like `head -1`: read the first chunk, then close our end of the pipe.
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.stdout!.destroy();
    const code = await exited; // the demo alone takes ~30 s; vitest's timeout below is the bound
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  }, 60_000);

  it('--version prints the version; usage errors exit 2 like config errors', async () => {
    const version = await cli(['--version']);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect([version.code, version.stdout.trim()]).toEqual([0, pkg.version]);
    const usage = await cli(['submit']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'text'");
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    const config = await cli(['submit', 'hello']); // no config at all
    expect(config.code).toBe(2);
    expect(config.stderr).toMatch(/SUBMITTER_TOKEN: missing/);
  });

  it('setup without a terminal and without --non-interactive says what to do (exit 2, no file)', async () => {
    const dir = await scratch();
    const r = await cli(['setup'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdin is not a terminal');
    expect(r.stderr).toContain('--non-interactive');
    expect(existsSync(join(dir, 'discord-config.env'))).toBe(false);
  });

  it('a missing --file is one line naming it (exit 2, nothing posted), not a stack trace', async () => {
    const before = (await emu.admin.messages(emu.world.channels.taskQueue)).length;
    const r = await cli(['submit', 'Summarise it', '--file', 'nope.log'], { env: emulatorEnv(emu.world) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: --file nope.log: no such file; nothing was posted');
    expect(r.stderr).not.toMatch(STACK);
    expect((await emu.admin.messages(emu.world.channels.taskQueue)).length).toBe(before);
  });

  it('an empty task is one error, not two', async () => {
    const r = await cli(['submit', '  [model:coder] '], { env: emulatorEnv(emu.world) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'error: the task is empty: give the task text, e.g. dorch submit "Summarise the attached log" --file server.log',
    ]);
  });

  it('a misspelt or unclosed tag is refused before posting, naming the valid tags', async () => {
    const misspelt = await cli(['submit', '[modle:coder] Write a haiku'], { env: emulatorEnv(emu.world) });
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toContain('Unknown tag [modle:]; did you mean [model:]?');
    const unclosed = await cli(['submit', '[model:coder Write a haiku'], { env: emulatorEnv(emu.world) });
    expect(unclosed.code).toBe(2);
    expect(unclosed.stderr).toContain('The [model: tag is not closed');
  });

  it('a wrong channel id names TASK_QUEUE_CHANNEL, the bot and the fix, not the raw Discord error', async () => {
    const env = { ...emulatorEnv(emu.world), TASK_QUEUE_CHANNEL: '123456789012345678' };
    const r = await cli(['submit', 'hello'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /TASK_QUEUE_CHANNEL: the bot of SUBMITTER_TOKEN finds no channel TASK_QUEUE_CHANNEL \(123456789012345678\).* Fix: Copy the channel's id again/,
    );
    expect(r.stderr).not.toContain('POST /channels/:id/messages failed');
    const token = await cli(['submit', 'hello'], {
      env: {
        ...emulatorEnv(emu.world),
        SUBMITTER_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-xxxxxxxxxxxxxxx',
      },
    });
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/SUBMITTER_TOKEN: Discord rejected SUBMITTER_TOKEN \(401 Unauthorized\)/);
    expect(token.stderr).not.toContain('not-a-real-token');
  });

  it('--json: submit and doctor print one JSON object on stdout, errors included', async () => {
    const env = { ...emulatorEnv(emu.world), AGENT_RUNNER: 'demo' };
    const posted = await cli(['submit', 'hello', '--json'], { env });
    expect(posted.code).toBe(0);
    expect(JSON.parse(posted.stdout)).toEqual({
      ok: true,
      taskId: expect.stringMatching(/^discord-\d+$/),
      via: 'discord',
      warnings: [],
    });
    const bad = await cli(['submit', 'hello', '--json', '--file', 'nope.log'], { env });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      ok: false,
      error: { exitCode: 2, message: '--file nope.log: no such file; nothing was posted' },
    });
    const usage = await cli(['submit', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE', exitCode: 2 } });
    expect(usage.stderr).toBe('');
    const config = await cli(['submit', 'hi', '--json']);
    expect(JSON.parse(config.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'CONFIG',
        exitCode: 2,
        issues: expect.arrayContaining([expect.stringMatching(/^SUBMITTER_TOKEN/)]),
      },
    });

    const doctor = await cli(['doctor', '--json'], { env });
    const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: { status: string }[] };
    expect(report.checks.length).toBeGreaterThan(10);
    expect(doctor.code).toBe(report.ok ? 0 : 1);
  }, 60_000);

  it('submit --wait --json: the outcome and the result in the object', async () => {
    const dir = await scratch();
    const env = { ...emulatorEnv(emu.world), AGENT_RUNNER: 'demo', POLL_INTERVAL: '0.3' };
    // Keep-alive: earlier tests left tasks in the queue; it runs them all, ours among them.
    const worker = spawnCli(['worker', '--id', 'w-json', '--keep-alive'], { cwd: dir, env });
    const workerExit = new Promise<number | null>((resolve) => worker.once('exit', resolve));
    const r = await cli(['submit', 'What is 2+2?', '--wait', '--json', '--timeout', '60'], { cwd: dir, env });
    const out = JSON.parse(r.stdout) as { ok: boolean; outcome: string; result: string };
    expect(out).toMatchObject({ ok: true, outcome: 'SUCCESS' });
    expect(out.result).toMatch(/\[SUCCESS\] discord-\d+ by w-json/);
    expect(r.code).toBe(0);
    worker.kill('SIGTERM');
    expect(await workerExit).toBe(0);
  }, 90_000);
});
