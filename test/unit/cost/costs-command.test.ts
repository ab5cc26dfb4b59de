import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { costs } from '../../../src/cli/commands/costs/index.js';
import { appendLedger, type LedgerRecord } from '../../../src/cost/ledger.js';

function rec(over: Partial<LedgerRecord>): LedgerRecord {
  return {
    ts: '2026-03-01T10:00:00.000Z',
    taskId: 'discord-1',
    workerId: 'worker-1',
    model: 'fake/fake-model',
    outcome: 'SUCCESS',
    usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
    costUsd: 0.004002,
    durationMs: 1000,
    ...over,
  };
}

describe('dorch costs', () => {
  let dir: string;
  let ledger: string;
  let out: string[];
  const print = (line: string) => out.push(line);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dorch-costs-'));
    ledger = join(dir, 'ledger.jsonl');
    out = [];
    await appendLedger(ledger, rec({ taskId: 'discord-1', costUsd: 0.1 }));
    await appendLedger(ledger, rec({ taskId: 'discord-2', workerId: 'worker-2', costUsd: 0.2 }));
    await appendLedger(
      ledger,
      rec({ taskId: 'discord-3', ts: '2026-03-02T10:00:00Z', model: 'o/x', costUsd: 0.004002 }),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints exact JSON totals', async () => {
    await costs({ json: true, ledger }, { print });
    const json = JSON.parse(out.join('\n'));
    expect(json.source).toBe(ledger);
    expect(json.total).toMatchObject({
      tasks: 3,
      input: 3102,
      output: 168,
      cacheRead: 600,
      costUsd: 0.304002,
    });
    expect(json.byWorker.map((g: { key: string }) => g.key)).toEqual(['worker-1', 'worker-2']);
    expect(json.byDay.map((g: { key: string; costUsd: number }) => [g.key, g.costUsd])).toEqual([
      ['2026-03-01', 0.3],
      ['2026-03-02', 0.004002],
    ]);
  });

  it('prints tables with the totals', async () => {
    await costs({ ledger }, { print });
    const text = out.join('\n');
    expect(text).toContain('2026-03-01');
    expect(text).toContain('worker-2');
    expect(text).toContain('o/x');
    expect(text).toContain('Total: 3 tasks, 3,102 in / 600 cached / 168 out tokens, $0.304002');
  });

  it('prints no token a record holds as its model (a ledger from before redaction), nor control characters', async () => {
    const token = ['MTA0NzY1MjUxMzQ1MjM4MjI4OQ', 'GabcdE', 'h'.repeat(30)].join('.');
    const config = join(dir, 'discord-config.env');
    await writeFile(config, `WORKER1_TOKEN=${token}\n`, { mode: 0o600 });
    await appendLedger(ledger, rec({ taskId: 'discord-4', model: `${token}\u0000\u001b[2J` }));
    await costs({ ledger, config }, { print });
    await costs({ ledger, config, json: true }, { print });
    const text = out.join('\n');
    expect(text).not.toContain(token);
    expect(text).toContain('[redacted][2J');
    expect(text).not.toContain('\u0000');
  });

  it('says so, friendly, for an empty ledger', async () => {
    await costs({ ledger: join(dir, 'empty.jsonl') }, { print });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/No tasks recorded yet/);
  });

  it('summarises the fleet from #results through the injected source', async () => {
    async function* messages() {
      yield { content: 'r2', timestamp: '2026-03-02T00:00:00Z' };
      yield { content: 'r1', timestamp: '2026-03-01T00:00:00Z' };
    }
    await costs(
      { json: true, fleet: true },
      {
        print,
        fleetSource: async () => ({
          messages: messages(),
          parse: (c) => ({
            outcome: 'SUCCESS',
            taskId: c,
            workerId: 'w',
            model: 'm',
            tokensIn: 10,
            cached: 4,
            tokensOut: 2,
            costUsd: 0.25,
          }),
        }),
      },
    );
    const json = JSON.parse(out.join('\n'));
    expect(json.source).toBe('#results');
    expect(json.total).toMatchObject({ tasks: 2, input: 12, cacheRead: 8, output: 4, costUsd: 0.5 });
  });
});
