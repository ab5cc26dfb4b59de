/**
 * `dorch start` without a config: the offline demo, run to its end from an empty folder by the CLI as `node` runs it
 * (dist/, from the tests' global setup), spawning its workers from there as well. The one test that runs the whole
 * demo. The `tsc` build itself is what `npm start` runs first (its `prestart`); CI runs `npm start` on its clean
 * clone (.ci/run), so the shipped build is checked as a user meets it.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_ENTRY, collect, scratch } from '../helpers/fleet.js';

const exec = promisify(execFile);

describe('offline demo', () => {
  it('dorch start without a config runs the demo end to end: every task one result', async () => {
    const cwd = await scratch();
    const child = spawn(process.execPath, [CLI_ENTRY, 'start'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = collect(child);
    expect(await run.exited, run.output()).toBe(0);
    expect(run.output()).toContain('running the offline demo');
    expect(run.output()).toContain('[SUCCESS]');
    expect(run.output()).toContain('unknown model "gpt-imaginary"');
    expect(run.output()).toContain('Demo done: 5 tasks, 5 results: exactly one per task.');
    const help = await exec(process.execPath, [CLI_ENTRY, 'submit', '--help']);
    expect(help.stdout).toContain('--wait');
  }, 180_000);
});
