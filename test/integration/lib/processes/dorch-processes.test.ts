import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDorchProcesses } from '../../../../src/lib/processes/dorch-processes.js';
import { procTable } from '../../../../src/lib/processes/process-table.js';
import { spawnTracked, tempDir } from './helpers.js';

/** A package folder with a stand-in CLI entry that just waits. */
async function fakePackage(root: string, name: string): Promise<string> {
  await mkdir(join(root, 'dist', 'cli'), { recursive: true });
  await writeFile(join(root, 'package.json'), JSON.stringify({ name }));
  const entry = join(root, 'dist', 'cli', 'index.js');
  await writeFile(entry, 'setInterval(() => {}, 1 << 30);\n');
  return entry;
}

describe.skipIf(!existsSync('/proc/self/environ'))('findDorchProcesses', () => {
  it("finds this user's workers and managers wherever they were started, and nothing else", async () => {
    const base = await tempDir();
    const entry = await fakePackage(join(base, 'dorch'), 'discord-orchestration');
    const otherEntry = await fakePackage(join(base, 'other'), 'some-other-tool');
    await mkdir(join(base, 'bin'));
    await symlink(entry, join(base, 'bin', 'dorch'));
    const home = join(base, 'home');
    const env = { PATH: process.env.PATH, HOME: home };
    const node = process.execPath;
    const run = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
      spawnTracked(node, args, { cwd: options.cwd ?? base, env: options.env ?? env }).pid!;

    const worker = run([entry, '--config', 'x.env', 'worker', '--id', 'w-7', '--keep-alive']);
    const manager = run([entry, 'manager', '--workers', '2']);
    const relative = run(['dist/cli/index.js', 'worker'], {
      cwd: join(base, 'dorch'),
      env: { ...env, WORKER_ID: 'w-env' },
    });
    const viaSymlink = run([join(base, 'bin', 'dorch'), 'start']);
    // Not ours: another package's CLI, another HOME, a command that is not a worker or manager.
    const foreign = run([otherEntry, 'worker']);
    const otherHome = run([entry, 'worker'], { env: { ...env, HOME: join(base, 'elsewhere') } });
    const submit = run([entry, 'submit', 'worker']);

    const found = findDorchProcesses({ table: procTable(), home });
    const byPid = new Map(found.map((p) => [p.pid, p]));
    expect([...byPid.keys()].sort()).toEqual([worker, manager, relative, viaSymlink].sort());
    expect(byPid.get(worker)).toMatchObject({
      role: 'worker',
      command: 'worker',
      workerId: 'w-7',
      cwd: base,
    });
    expect(byPid.get(manager)).toMatchObject({ role: 'manager', command: 'manager' });
    expect(byPid.get(relative)).toMatchObject({ role: 'worker', workerId: 'w-env' });
    expect(byPid.get(viaSymlink)).toMatchObject({ role: 'manager', command: 'start' });
    expect(byPid.get(worker)!.startTime).toMatch(/^\d+$/);
    for (const pid of [foreign, otherHome, submit]) expect(byPid.has(pid)).toBe(false);
  });
});
