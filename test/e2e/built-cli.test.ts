/**
 * The shipped artifact: `tsc -p tsconfig.build.json` (what `npm run build` runs), then the built `dorch` (what
 * `npm start` and the installed bin run) starts the offline demo from an empty folder, spawning its workers from
 * that build as well. The one test that runs the whole demo to its end (`dorch start` without a config). It builds
 * into a package folder of its own (package.json, node_modules linked) so the other tests' `dist/` (see
 * test/setup/build-cli.ts) is never rewritten under them.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collect, ROOT, scratch } from '../helpers/fleet.js';

const exec = promisify(execFile);

describe('built CLI', () => {
  it('builds, and the built dorch runs the demo end to end', async () => {
    const pkg = await scratch('dorch-built-');
    await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    await exec(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        join(pkg, 'dist'),
      ],
      { cwd: ROOT },
    );
    const entry = join(pkg, 'dist/cli/index.js');
    const cwd = await scratch();
    const child = spawn(process.execPath, [entry, 'start'], {
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
    const help = await exec(process.execPath, [entry, 'submit', '--help']);
    expect(help.stdout).toContain('--wait');
  }, 180_000);
});
