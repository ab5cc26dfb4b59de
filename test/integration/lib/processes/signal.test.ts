import { existsSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { procTable, type ProcessTable } from '../../../../src/lib/processes/process-table.js';
import { identify, isRunning, signalIfSame } from '../../../../src/lib/processes/signal.js';
import { exited, spawnTracked } from './helpers.js';

describe.skipIf(!existsSync('/proc/self/stat'))('signalIfSame', () => {
  it('does not signal a live process whose start time is not the recorded one (a reused pid)', async () => {
    const table = procTable();
    const child = spawnTracked('sleep', ['30']);
    const stale = { pid: child.pid!, startTime: '1' };
    const kill = vi.fn();
    expect(signalIfSame(table, stale, 'SIGTERM', kill)).toBe(false);
    expect(kill).not.toHaveBeenCalled();

    const id = identify(table, child.pid!)!;
    expect(isRunning(table, id)).toBe(true);
    expect(signalIfSame(table, id, 'SIGTERM')).toBe(true);
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
    expect(isRunning(table, id)).toBe(false);
    expect(signalIfSame(table, id, 'SIGTERM', kill)).toBe(false);
    expect(kill).not.toHaveBeenCalled();
  });
});

describe('isRunning', () => {
  it('counts a zombie as dead', () => {
    const entry = { pid: 5, ppid: 1, pgid: 5, uid: 0, startTime: '9', state: 'Z' };
    const table = { get: () => entry } as unknown as ProcessTable;
    expect(isRunning(table, { pid: 5, startTime: '9' })).toBe(false);
    expect(isRunning({ get: () => ({ ...entry, state: 'S' }) } as unknown as ProcessTable, entry)).toBe(true);
  });
});
