import { describe, expect, it } from 'vitest';
import type { LedgerRecord } from '../../../src/cost/ledger.js';
import { dayOf, summarise } from '../../../src/cost/summary.js';

function rec(over: Partial<LedgerRecord>): LedgerRecord {
  return {
    ts: '2026-03-01T10:00:00.000Z',
    taskId: 'discord-1',
    workerId: 'worker-1',
    model: 'm/a',
    outcome: 'SUCCESS',
    usage: { input: 10, output: 5, cacheRead: 2, cacheWrite: 1 },
    costUsd: 0.1,
    durationMs: 1,
    ...over,
  };
}

describe('summarise', () => {
  const records = [
    rec({ ts: '2026-03-02T01:00:00Z', workerId: 'worker-10', model: 'm/b', costUsd: 0.2 }),
    rec({ ts: '2026-03-01T23:59:59Z', workerId: 'worker-2', costUsd: 0.1 }),
    rec({
      ts: '2026-03-01T00:00:00Z',
      workerId: 'worker-2',
      outcome: 'FAILED',
      costUsd: 0,
      costSource: 'unknown',
    }),
  ];

  it('totals exactly (no float noise): 0.1 + 0.2 = 0.3', () => {
    const s = summarise(records);
    expect(s.total).toEqual({
      tasks: 3,
      failed: 1,
      input: 30,
      output: 15,
      cacheRead: 6,
      cacheWrite: 3,
      costUsd: 0.3,
      unknownCost: 1,
    });
  });

  it('groups by UTC day (oldest first), by model (costliest first) and by worker (natural order)', () => {
    const s = summarise(records);
    expect(s.byDay.map((g) => [g.key, g.tasks, g.costUsd])).toEqual([
      ['2026-03-01', 2, 0.1],
      ['2026-03-02', 1, 0.2],
    ]);
    expect(s.byModel.map((g) => [g.key, g.tasks])).toEqual([
      ['m/b', 1],
      ['m/a', 2],
    ]);
    expect(s.byWorker.map((g) => g.key)).toEqual(['worker-2', 'worker-10']);
  });

  it('puts records without a usable time under unknown, last', () => {
    const s = summarise([rec({ ts: '' }), rec({ ts: '2026-01-01T00:00:00Z' })]);
    expect(s.byDay.map((g) => g.key)).toEqual(['2026-01-01', 'unknown']);
    expect(dayOf('garbage')).toBe('unknown');
  });

  it('summarises nothing as zeros', () => {
    const s = summarise([]);
    expect(s.total.tasks).toBe(0);
    expect(s.total.costUsd).toBe(0);
    expect(s.byDay).toEqual([]);
  });
});
