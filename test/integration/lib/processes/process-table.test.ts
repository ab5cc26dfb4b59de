import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { procTable, psTable } from '../../../../src/lib/processes/process-table.js';
import { exited, spawnTracked, tempDir } from './helpers.js';

const hasProc = existsSync('/proc/self/stat');

describe('procTable on a fake /proc', () => {
  it('parses stat past a command name holding spaces and parentheses, and reads argv and environment', async () => {
    const root = await tempDir();
    await mkdir(join(root, '123'));
    await mkdir(join(root, 'self'));
    // Fields 3..22: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
    // cstime priority nice threads itrealvalue starttime.
    await writeFile(
      join(root, '123', 'stat'),
      '123 (a b) c)) S 7 120 120 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 4242 1000 10',
    );
    await writeFile(join(root, '123', 'cmdline'), 'node\0/x/dist/cli/index.js\0worker\0');
    await writeFile(join(root, '123', 'environ'), 'HOME=/h\0EQ=a=b\0junk\0');
    const table = procTable(root);
    expect(table.get(123)).toMatchObject({ pid: 123, state: 'S', ppid: 7, pgid: 120, startTime: '4242' });
    expect(table.list().map((e) => e.pid)).toEqual([123]);
    expect(table.cmdline(123)).toEqual(['node', '/x/dist/cli/index.js', 'worker']);
    expect(table.environ(123)).toEqual(
      new Map([
        ['HOME', '/h'],
        ['EQ', 'a=b'],
      ]),
    );
    expect(table.getenv(123, 'HOME')).toBe('/h');
    expect(table.getenv(123, 'EQ')).toBe('a=b');
    expect(table.getenv(123, 'Q')).toBeUndefined(); // EQ ends in Q: only whole names match
    expect(table.getenv(123, 'junk')).toBeUndefined();
    expect(table.get(999)).toBeUndefined();
    expect(table.environ(999)).toBeUndefined();
    expect(table.getenv(999, 'HOME')).toBeNull();
  });
});

describe.skipIf(!hasProc)('procTable on this machine', () => {
  it('sees a child with its parent, owner and a stable start time, and forgets it once reaped', async () => {
    const table = procTable();
    const child = spawnTracked('sleep', ['30']);
    const entry = table.get(child.pid!);
    expect(entry).toMatchObject({ pid: child.pid, ppid: process.pid, uid: process.geteuid!() });
    expect(entry!.startTime).toMatch(/^\d+$/);
    expect(table.get(child.pid!)!.startTime).toBe(entry!.startTime);
    expect(table.cmdline(child.pid!)).toEqual(['sleep', '30']);
    expect(table.list().some((e) => e.pid === child.pid)).toBe(true);
    child.kill('SIGKILL');
    await exited(child);
    expect(table.get(child.pid!)).toBeUndefined();
  });
});

describe('psTable', () => {
  it('parses ps output with a five-word start time and arguments holding spaces', () => {
    const table = psTable(() =>
      [
        '  501     1   501   501 Ss   Sun Nov 29 09:33:41 2026 /usr/bin/node /opt/dorch/dist/cli/index.js worker',
        '  777   501   777   501 S+   Mon Dec  1 10:00:00 2026 sleep 30',
        'garbage',
      ].join('\n'),
    );
    expect(table.list()).toEqual([
      { pid: 501, ppid: 1, pgid: 501, uid: 501, state: 'S', startTime: 'Sun Nov 29 09:33:41 2026' },
      { pid: 777, ppid: 501, pgid: 777, uid: 501, state: 'S', startTime: 'Mon Dec 1 10:00:00 2026' },
    ]);
    expect(table.cmdline(501)).toEqual(['/usr/bin/node', '/opt/dorch/dist/cli/index.js', 'worker']);
    expect(table.environ(501)).toBeUndefined();
    expect(table.hasEnvironments).toBe(false);
  });

  it('reads this machine through the real ps', async () => {
    const table = psTable();
    const child = spawnTracked('sleep', ['31']);
    const entry = table.get(child.pid!);
    expect(entry).toMatchObject({ pid: child.pid, ppid: process.pid, uid: process.geteuid!() });
    expect(table.get(child.pid!)!.startTime).toBe(entry!.startTime);
    expect(table.cmdline(child.pid!)).toEqual(['sleep', '31']);
    expect(table.list().some((e) => e.pid === child.pid)).toBe(true);
    child.kill('SIGKILL');
    await exited(child);
    expect(table.get(child.pid!)).toBeUndefined();
  });
});
