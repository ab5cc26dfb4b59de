/**
 * The shipped artifact: `npm run build`, then the built `dorch` (what `npm start` and the installed bin run)
 * starts the offline demo from an empty folder, spawning its workers from `dist/` as well. The one test that runs
 * the whole demo to its end (`dorch start` without a config).
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collect, ROOT, scratch } from '../helpers/fleet.js';

const exec = promisify(execFile);

describe('built CLI', () => {
  it('builds, and the built dorch runs the demo end to end', async () => {
    await exec(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
      },
    );
    const cwd = await scratch();
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/index.js'), 'start'], {
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
    const help = await exec(process.execPath, [join(ROOT, 'dist/cli/index.js'), 'submit', '--help']);
    expect(help.stdout).toContain('--wait');
  }, 180_000);
});
