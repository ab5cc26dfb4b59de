/**
 * Fan-out and gather: submit tasks, wait for all of them in parallel, hand each result over as it comes, stop at an
 * overall timeout or a total cost (cancelling what is left), or when the caller's `AbortSignal` fires.
 */
import type { TaskSpec } from '../task/spec.js';
import { AbortedError, WaitTimeoutError } from './errors.js';
import type { Fleet, Submission } from './fleet.js';
import { noResult, totalCost, type TaskResult } from './result.js';

/** Options of {@link gatherOn} and {@link waitOn}. */
export interface GatherOptions {
  /** Stop waiting when it fires; see `cancelOnAbort`. @defaultValue none */
  signal?: AbortSignal;
  /** Overall time to wait, ms; tasks without a result by then stay queued (not cancelled). @defaultValue 600000 */
  timeoutMs?: number;
  /**
   * Once the finished tasks' total cost (their children's included) reaches this many USD, the remaining tasks are
   * cancelled (their CANCELLED results, or results that came first, are still gathered). @defaultValue no limit
   */
  maxCostUsd?: number;
  /** Called with each result as it comes, once per task. @defaultValue none */
  onResult?: (result: TaskResult) => void;
  /** Called after each look at a task still pending, with where it is. @defaultValue none */
  onProgress?: (taskId: string, detail: string) => void;
  /** Cancel the tasks still pending when `signal` fires. @defaultValue true */
  cancelOnAbort?: boolean;
  /** Time between looks at a pending task, ms. @defaultValue 2000 */
  pollMs?: number;
}

/** Defaults of {@link GatherOptions}. */
export const DEFAULT_GATHER_OPTIONS: Resolved = {
  timeoutMs: 600_000,
  cancelOnAbort: true,
  pollMs: 2000,
};

type Resolved = Required<Pick<GatherOptions, 'timeoutMs' | 'cancelOnAbort' | 'pollMs'>>;

/** What {@link gatherOn} came to. */
export interface GatherReport {
  /** One result per task, in the order given (outcome null: no result in time). */
  results: TaskResult[];
  /** Every task succeeded. */
  ok: boolean;
  /** The finished tasks' cost, their children's included, USD. */
  totalCostUsd: number;
  /** Why waiting ended before every task had a result: the timeout, or the cost limit (then see `cancelled`). */
  stopped?: 'timeout' | 'max-cost';
  /** Tasks cancelled because the cost limit was reached. */
  cancelled: string[];
}

/** Submit the specs (task ids given as strings are only waited for) and gather every result. */
export async function gatherOn(
  fleet: Fleet,
  tasks: readonly (TaskSpec | string)[],
  options: GatherOptions = {},
): Promise<GatherReport> {
  const o = { ...DEFAULT_GATHER_OPTIONS, ...options };
  check(o);
  if (o.signal?.aborted) throw new AbortedError([], { cause: o.signal.reason });
  const ids: string[] = [];
  const posted: Submission[] = [];
  try {
    for (const task of tasks) {
      if (o.signal?.aborted) throw new AbortedError([], { cause: o.signal.reason });
      if (typeof task === 'string') ids.push(task);
      else {
        const s = await fleet.submit(task);
        posted.push(s);
        ids.push(s.taskId);
      }
    }
  } catch (error) {
    // A batch is all or nothing up to here: what was posted before a refusal is taken back.
    const cancelled = await cancelAll(
      fleet,
      posted.map((p) => p.taskId),
    );
    if (error instanceof AbortedError) throw new AbortedError(cancelled, { cause: error.cause });
    throw error;
  }
  return waitAll(fleet, ids, new Set(posted.map((p) => p.taskId)), o);
}

/** Wait for one task's result; throws {@link WaitTimeoutError} when none comes in time. */
export async function waitOn(fleet: Fleet, taskId: string, options: GatherOptions = {}): Promise<TaskResult> {
  const report = await gatherOn(fleet, [taskId], { cancelOnAbort: false, ...options });
  const result = report.results[0]!;
  if (result.outcome === null) throw new WaitTimeoutError([taskId], options.timeoutMs ?? 600_000);
  return result;
}

async function waitAll(
  fleet: Fleet,
  ids: string[],
  ours: Set<string>,
  o: GatherOptions & Resolved,
): Promise<GatherReport> {
  const deadline = Date.now() + o.timeoutMs;
  const results = new Map<string, TaskResult>();
  const details = new Map<string, string>();
  const cancelled: string[] = [];
  let total = 0;
  let stopped: GatherReport['stopped'];
  const pending = () => [...new Set(ids)].filter((id) => !results.has(id));
  const settle = (id: string, result: TaskResult) => {
    if (results.has(id)) return;
    results.set(id, result);
    total += totalCost(result);
    o.onResult?.(result);
  };
  while (pending().length > 0) {
    if (o.signal?.aborted) {
      const left = pending().filter((id) => ours.has(id) || !o.cancelOnAbort);
      const done = o.cancelOnAbort ? await cancelAll(fleet, left) : [];
      throw new AbortedError(done, { cause: o.signal.reason });
    }
    if (Date.now() >= deadline) {
      stopped ??= 'timeout';
      break;
    }
    await eachLimited(pending(), 4, async (id) => {
      const look = await fleet.look(id);
      if (look.state === 'result') settle(id, look.result);
      else if (look.state === 'refused')
        settle(id, noResult(id, 'REFUSED', `${look.taskId} was refused: its author may not submit`));
      else {
        details.set(id, look.detail);
        o.onProgress?.(id, look.detail);
      }
    });
    if (o.maxCostUsd !== undefined && total >= o.maxCostUsd && stopped !== 'max-cost') {
      const left = pending();
      if (left.length > 0) {
        stopped = 'max-cost';
        cancelled.push(...(await cancelAll(fleet, left)));
        // Cancelled tasks still report (CANCELLED, or their own result if it came first): keep gathering them.
        continue;
      }
    }
    if (pending().length > 0) await pause(Math.min(o.pollMs, Math.max(0, deadline - Date.now())), o.signal);
  }
  for (const id of pending()) {
    const why = cancelled.includes(id)
      ? `cancelled (the cost limit $${o.maxCostUsd} was reached); its result had not come yet`
      : `no result after ${Math.round(o.timeoutMs / 1000)} s; it is still ${details.get(id) ?? 'queued'} (not cancelled)`;
    settle(id, noResult(id, null, why));
  }
  const ordered = ids.map((id) => results.get(id)!);
  return {
    results: ordered,
    ok: ordered.every((r) => r.ok),
    totalCostUsd: Number(total.toFixed(6)),
    ...(stopped && (stopped === 'max-cost' || ordered.some((r) => r.outcome === null)) ? { stopped } : {}),
    cancelled,
  };
}

async function cancelAll(fleet: Fleet, ids: string[]): Promise<string[]> {
  const done: string[] = [];
  await eachLimited(ids, 4, async (id) => {
    if (await fleet.cancel(id).catch(() => false)) done.push(id);
  });
  return ids.filter((id) => done.includes(id));
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function check(o: GatherOptions & Resolved): void {
  if (!Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0)
    throw new TypeError(`Expected \`timeoutMs\` to be a finite number > 0, got \`${o.timeoutMs}\``);
  if (!Number.isFinite(o.pollMs) || o.pollMs < 0)
    throw new TypeError(`Expected \`pollMs\` to be a finite number >= 0, got \`${o.pollMs}\``);
  if (o.maxCostUsd !== undefined && (!Number.isFinite(o.maxCostUsd) || o.maxCostUsd < 0))
    throw new TypeError(`Expected \`maxCostUsd\` to be a finite number >= 0, got \`${o.maxCostUsd}\``);
}
