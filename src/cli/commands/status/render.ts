/** `dorch status` as text: a few small tables, readable in an 80-column terminal. */
import { formatDuration } from '../../../task/format.js';
import type { FleetStatus } from './read.js';

/** Lay out rows under a header, each column as wide as its widest cell (the last column is not padded). */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  indent = '  ',
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function ago(iso: string | undefined, now: number): string {
  if (!iso) return '-';
  const ms = now - Date.parse(iso);
  return Number.isFinite(ms) ? formatDuration(Math.max(0, ms)) : '-';
}

function usd(n: number | undefined): string {
  return n === undefined ? '-' : `$${n.toFixed(6)}`;
}

/** The status as lines of text. `requests` is how many Discord requests reading it took. */
export function renderStatus(status: FleetStatus, requests?: number): string[] {
  const now = Date.parse(status.at);
  const { waiting, running } = status.queue;
  const out: string[] = [];
  const cost = requests === undefined ? '' : ` (${requests} Discord request${requests === 1 ? '' : 's'})`;
  out.push(`Fleet status at ${status.at.slice(0, 19).replace('T', ' ')} UTC${cost}`, '');
  out.push(`Queue: ${waiting.length} waiting, ${running.length} running`);
  if (running.length > 0)
    out.push(
      ...table(
        ['RUNNING', 'WORKER', 'MACHINE', 'ELAPSED', 'MODEL'],
        running.map((t) => [
          t.attempt > 1 ? `${t.taskId} (try ${t.attempt})` : t.taskId,
          t.worker ?? '-',
          t.machine ?? '-',
          ago(t.claimedAt, now),
          t.model,
        ]),
      ),
    );
  if (waiting.length > 0)
    out.push(
      ...table(
        ['WAITING', 'FOR', 'MODEL', 'TASK'],
        waiting.map((t) => [
          t.attempt > 1 ? `${t.taskId} (try ${t.attempt})` : t.taskId,
          ago(t.submittedAt, now),
          t.model,
          t.prompt,
        ]),
      ),
    );
  out.push('', `Workers (#worker-pool): ${status.workers.length}`);
  if (status.workers.length > 0)
    out.push(
      ...table(
        ['WORKER', 'MACHINE', 'STATUS', 'SINCE', 'DETAIL'],
        status.workers.map((w) => [w.workerId, w.machine ?? '-', w.status, ago(w.at, now), w.detail]),
      ),
    );
  out.push('', `Recent results: ${status.results.length}`);
  if (status.results.length > 0)
    out.push(
      ...table(
        ['AGO', 'OUTCOME', 'TASK', 'BY', 'MACHINE', 'COST'],
        status.results.map((r) => [
          ago(r.at, now),
          r.outcome,
          r.taskId,
          r.by,
          r.machine ?? '-',
          r.outcome === 'CANCELLED' ? '-' : usd(r.costUsd),
        ]),
      ),
    );
  const t = status.today;
  out.push(
    '',
    `Today (${t.day} UTC): ${t.complete ? '' : 'at least '}${t.results} result(s), ${usd(t.spendUsd)} spent ` +
      `(${t.SUCCESS} SUCCESS, ${t.FAILED} FAILED, ${t.CANCELLED} CANCELLED)`,
  );
  return out;
}
