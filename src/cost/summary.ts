/**
 * Totals over ledger records (or records rebuilt from `#results`): by UTC day, by model, by worker, overall.
 * Money is summed in whole nano-dollars so totals are exact to the reported precision (no 0.30000000000000004).
 */
import type { LedgerRecord } from './ledger.js';

/** Totals over a group of tasks. */
export interface CostTotals {
  tasks: number;
  /** Tasks whose outcome was not `SUCCESS`. */
  failed: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  costUsd: number;
  /** Tasks whose cost was unknown (counted as 0 in `costUsd`). */
  unknownCost: number;
}

/** Totals for one key (a day `YYYY-MM-DD`, a model id, a worker id). */
export interface CostGroup extends CostTotals {
  key: string;
}

/** Everything `dorch costs` shows. */
export interface CostSummary {
  total: CostTotals;
  /** Oldest day first; records without a usable time go under `unknown`. */
  byDay: CostGroup[];
  /** Most expensive first. */
  byModel: CostGroup[];
  /** By worker id, alphabetically (natural order: worker-2 before worker-10). */
  byWorker: CostGroup[];
}

interface Acc {
  tasks: number;
  failed: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  nano: number;
  unknownCost: number;
}

/** Sum the records. */
export function summarise(records: Iterable<LedgerRecord>): CostSummary {
  const total = emptyAcc();
  const days = new Map<string, Acc>();
  const models = new Map<string, Acc>();
  const workers = new Map<string, Acc>();
  for (const r of records) {
    add(total, r);
    add(group(days, dayOf(r.ts)), r);
    add(group(models, r.model || 'unknown'), r);
    add(group(workers, r.workerId || 'unknown'), r);
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return {
    total: finish(total),
    byDay: groups(days).sort((a, b) =>
      a.key === 'unknown' ? 1 : b.key === 'unknown' ? -1 : a.key.localeCompare(b.key),
    ),
    byModel: groups(models).sort((a, b) => b.costUsd - a.costUsd || collator.compare(a.key, b.key)),
    byWorker: groups(workers).sort((a, b) => collator.compare(a.key, b.key)),
  };
}

/** The UTC date (`YYYY-MM-DD`) of an ISO time, or `unknown`. */
export function dayOf(ts: string): string {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? 'unknown' : new Date(t).toISOString().slice(0, 10);
}

function emptyAcc(): Acc {
  return { tasks: 0, failed: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, nano: 0, unknownCost: 0 };
}

function group(map: Map<string, Acc>, key: string): Acc {
  let acc = map.get(key);
  if (!acc) {
    acc = emptyAcc();
    map.set(key, acc);
  }
  return acc;
}

function add(acc: Acc, r: LedgerRecord): void {
  acc.tasks += 1;
  if (r.outcome !== 'SUCCESS') acc.failed += 1;
  acc.input += r.usage.input;
  acc.output += r.usage.output;
  acc.cacheRead += r.usage.cacheRead;
  acc.cacheWrite += r.usage.cacheWrite;
  acc.nano += Math.round(r.costUsd * 1e9);
  if (r.costSource === 'unknown') acc.unknownCost += 1;
}

function finish(acc: Acc): CostTotals {
  const { nano, ...rest } = acc;
  return { ...rest, costUsd: nano / 1e9 };
}

function groups(map: Map<string, Acc>): CostGroup[] {
  return [...map.entries()].map(([key, acc]) => ({ key, ...finish(acc) }));
}
