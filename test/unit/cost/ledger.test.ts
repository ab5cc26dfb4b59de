import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendLedger,
  ledgerPath,
  parseLedger,
  readLedger,
  spentToday,
  type LedgerRecord,
} from '../../../src/cost/ledger.js';

const run = promisify(execFile);

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

  it('keeps every line whole when several processes append at once', async () => {
    const path = join(dir, 'ledger.jsonl');
    const script = join(dir, 'writer.mts');
    const ledgerModule = resolve('src/cost/ledger.ts');
    await writeFile(
      script,
      `import { appendLedger } from ${JSON.stringify(ledgerModule)};
const [path, worker] = process.argv.slice(2);
const pad = 'p'.repeat(1500); // long lines make interleaving visible if it ever happened
await Promise.all(Array.from({ length: 150 }, (_, i) => appendLedger(path, {
  ts: new Date().toISOString(), taskId: 'discord-' + worker + '-' + i + '-' + pad, workerId: 'worker-' + worker,
  model: 'fake/fake-model', outcome: 'SUCCESS', usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
  costUsd: 0.001, durationMs: 1 })));
`,
    );
    const writers = 4;
    await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        run(process.execPath, ['--import', 'tsx', script, path, String(w)]),
      ),
    );
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(writers * 150);
    const records = await readLedger(path);
    expect(records).toHaveLength(writers * 150);
    expect(new Set(records.map((r) => r.taskId)).size).toBe(writers * 150);
  }, 60_000);

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
