import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendLedger,
  ledgerPath,
  parseLedger,
  readLedger,
  spentToday,
  type LedgerRecord,
} from '../../../src/cost/ledger.js';

function rec(over: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    ts: '2026-03-01T10:00:00.000Z',
    taskId: 'discord-1',
    workerId: 'worker-1',
    model: 'fake/fake-model',
    outcome: 'SUCCESS',
    usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
    costUsd: 0.004002,
    durationMs: 1500,
    ...over,
  };
}

describe('ledger', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dorch-ledger-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lives at <runtimeDir>/ledger.jsonl, .runtime by default', () => {
    expect(ledgerPath()).toBe(join('.runtime', 'ledger.jsonl'));
    expect(ledgerPath('/var/x')).toBe('/var/x/ledger.jsonl');
  });

  it('appends one JSON line per record, creating the folder, and reads them back', async () => {
    const path = join(dir, 'nested', 'ledger.jsonl');
    await appendLedger(path, rec({ taskId: 'discord-1' }));
    await appendLedger(path, rec({ taskId: 'discord-2' }));
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    expect((await readLedger(path)).map((r) => r.taskId)).toEqual(['discord-1', 'discord-2']);
  });

  it('reads a missing ledger as empty', async () => {
    expect(await readLedger(join(dir, 'none.jsonl'))).toEqual([]);
  });

  it('skips a torn last line and foreign lines', async () => {
    const path = join(dir, 'ledger.jsonl');
    await appendLedger(path, rec({ taskId: 'discord-1' }));
    await appendFile(path, 'not json\n{"ts":"x"}\n');
    await appendLedger(path, rec({ taskId: 'discord-2' }));
    await appendFile(path, JSON.stringify(rec({ taskId: 'discord-3' })).slice(0, 40));
    expect((await readLedger(path)).map((r) => r.taskId)).toEqual(['discord-1', 'discord-2']);
    expect(parseLedger('')).toEqual([]);
  });

  it('refuses invalid and oversize records', async () => {
    const path = join(dir, 'ledger.jsonl');
    await expect(appendLedger(path, rec({ costUsd: -1 }))).rejects.toThrow(TypeError);
    await expect(appendLedger(path, rec({ taskId: 'x'.repeat(5000) }))).rejects.toThrow(/4096 bytes/);
  });

  it('keeps every line whole when many appends race in one process', async () => {
    const path = join(dir, 'ledger.jsonl');
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => appendLedger(path, rec({ taskId: `discord-${i}` }))),
    );
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(300);
    expect(new Set((await readLedger(path)).map((r) => r.taskId)).size).toBe(300);
  });

  // Why that is safe across processes (one O_APPEND write of a whole line) is the kernel's promise, stated in the
  // module comment; what is ours is to make exactly one append of one complete line per record, never a
  // read-modify-write.
  it('writes each record as one append of one complete line, and never reads the file to do it', async () => {
    const calls: Array<{ path: string; data: string }> = [];
    const fs = {
      appendFile: async (path: string, data: string) => {
        calls.push({ path, data });
      },
      mkdir: async () => undefined,
      readFile: async (): Promise<string> => {
        throw new Error('appendLedger must not read the ledger');
      },
    };
    const path = join(dir, 'ledger.jsonl');
    await appendLedger(path, rec({ taskId: 'discord-1' }), fs);
    await appendLedger(path, rec({ taskId: 'discord-2', model: 'line\nbreak/model' }), fs);
    expect(calls.map((c) => c.path)).toEqual([path, path]);
    for (const { data } of calls) {
      expect(data.endsWith('\n')).toBe(true);
      expect(data.indexOf('\n')).toBe(data.length - 1);
    }
    expect(parseLedger(calls.map((c) => c.data).join('')).map((r) => r.model)).toEqual([
      'fake/fake-model',
      'line\nbreak/model',
    ]);
  });

  it("sums today's spend (UTC), reading backwards across blocks", async () => {
    const path = join(dir, 'ledger.jsonl');
    const lines: string[] = [];
    // Many old records (more than one 64 KiB block), then today's.
    for (let i = 0; i < 1000; i += 1)
      lines.push(JSON.stringify(rec({ ts: '2026-02-27T12:00:00.000Z', costUsd: 1 })));
    lines.push(JSON.stringify(rec({ ts: '2026-02-28T23:59:59.000Z', costUsd: 10 })));
    for (let i = 0; i < 300; i += 1)
      lines.push(JSON.stringify(rec({ ts: '2026-03-01T00:00:01.000Z', costUsd: 0.1 })));
    lines.push(JSON.stringify(rec({ ts: '2026-03-01T23:00:00.000Z', costUsd: 0.2 })));
    await writeFile(path, `${lines.join('\n')}\n{"torn":`);
    expect(await spentToday(path, new Date('2026-03-01T23:30:00Z'))).toBe(30.2);
    expect(await spentToday(path, new Date('2026-02-28T05:00:00Z'))).toBe(10);
    expect(await spentToday(join(dir, 'none.jsonl'), new Date())).toBe(0);
  });
});
