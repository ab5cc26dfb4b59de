/**
 * The manager's live view: one compact table of its worker slots (state, task, elapsed, tasks done, tokens, cost),
 * redrawn in place on a terminal, with the latest events under it. A pure function of the supervisor's slot states,
 * so a snapshot pins it down; the terminal driver lives in the CLI.
 */
import { formatDuration } from '../task/format.js';
import type { WorkerSlot } from './supervisor.js';

/** What the view shows besides the slots. */
export interface LiveViewOptions {
  /** The clock the slots' times are on (ms). */
  now: number;
  /** First line: what runs here (`3 workers · openclaw runner · on build-box`). */
  title: string;
  /** Latest event lines, oldest first (shown under the table). */
  events?: readonly string[];
  /** Terminal width: longer lines are cut. @defaultValue 100 */
  width?: number;
  /** Last line (how to stop). */
  footer?: string;
}

/** A slot as the view needs it (a subset of {@link WorkerSlot}). */
export type SlotState = Pick<
  WorkerSlot,
  'workerId' | 'status' | 'detail' | 'claim' | 'claimedAt' | 'totals' | 'last' | 'restarts'
>;

const HEADER = ['WORKER', 'STATE', 'TASK', 'ELAPSED', 'DONE', 'TOKENS IN/OUT', 'COST'] as const;

/** The view as lines (no colours, no cursor moves). */
export function renderLiveView(slots: readonly SlotState[], options: LiveViewOptions): string[] {
  const rows = slots.map((s) => row(s, options.now));
  const total = slots.reduce(
    (t, s) => ({
      tasks: t.tasks + s.totals.tasks,
      failed: t.failed + s.totals.failed,
      tokensIn: t.tokensIn + s.totals.tokensIn,
      tokensOut: t.tokensOut + s.totals.tokensOut,
      costUsd: t.costUsd + s.totals.costUsd,
    }),
    { tasks: 0, failed: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
  );
  const busy = slots.filter((s) => s.claim).length;
  const foot = [
    'TOTAL',
    `${busy} busy`,
    '',
    '',
    done(total),
    `${compact(total.tokensIn)}/${compact(total.tokensOut)}`,
    usd(total.costUsd),
  ];
  const cells = [[...HEADER], ...rows.map((r) => r.cells), foot];
  const widths = HEADER.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  // Numbers right-aligned, words left.
  const right = new Set([3, 4, 5, 6]);
  const layout = (c: readonly string[]) =>
    c
      .map((text, i) => (right.has(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const width = options.width ?? 100;
  const lines = [options.title, layout(HEADER)];
  for (const r of rows) {
    lines.push(layout(r.cells));
    // A stopped or crashing slot's reason gets its own line: it is what the user must act on.
    if (r.note) lines.push(`  ↳ ${r.note}`);
  }
  lines.push(layout(foot));
  if (options.events?.length) lines.push('', ...options.events);
  if (options.footer) lines.push('', options.footer);
  return lines.map((l) => cut(l, width));
}

function row(s: SlotState, now: number): { cells: string[]; note?: string } {
  const task = s.claim?.task.id ?? (s.last ? `${s.last.taskId} (${s.last.outcome})` : '-');
  const elapsed = s.claim && s.claimedAt !== null ? formatDuration(Math.max(0, now - s.claimedAt)) : '-';
  const cells = [
    s.workerId,
    s.status,
    task,
    elapsed,
    done(s.totals),
    `${compact(s.totals.tokensIn)}/${compact(s.totals.tokensOut)}`,
    usd(s.totals.costUsd),
  ];
  const trouble =
    s.status === 'STOPPED' || s.status === 'EXITED' || s.status === 'ERROR' || s.status === 'BUDGET';
  const hold = s.status === 'THROTTLED';
  return trouble || hold ? { cells, note: s.detail || undefined } : { cells };
}

function done(t: { tasks: number; failed: number }): string {
  return t.failed > 0 ? `${t.tasks} (${t.failed} failed)` : String(t.tasks);
}

/** 1234 → `1.2k`, 1234567 → `1.2M`. */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

function usd(n: number): string {
  return `$${n.toFixed(6)}`;
}

function cut(line: string, width: number): string {
  return line.length > width ? `${line.slice(0, Math.max(1, width - 1))}…` : line;
}
