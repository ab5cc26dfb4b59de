/**
 * One check's outcome, as `dorch doctor` and `dorch setup` report it: one line, ✓ or ✗, and for a ✗ what to do.
 */

/** `ok` ✓, `warn` ! (works, but look), `fail` ✗ (broken), `skip` - (not checked: something it needs failed). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The outcome of one check. Never holds a secret. */
export interface Check {
  status: CheckStatus;
  /** The config key the check is about (`WORKER2_TOKEN`, `TASK_QUEUE_CHANNEL`), or a topic (`config`, `runner`). */
  key: string;
  /** When the check is about one bot in one place: the other key (`TASK_QUEUE_CHANNEL` for a bot's rights there). */
  scope?: string;
  /** What was found. */
  message: string;
  /** What to do (set for `fail`, often for `warn`). */
  fix?: string;
}

const ICON: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** `✗ WORKER2_TOKEN · TASK_QUEUE_CHANNEL: … Fix: …` */
export function renderCheck(check: Check): string {
  const where = check.scope ? `${check.key} · ${check.scope}` : check.key;
  return `${ICON[check.status]} ${where}: ${check.message}${check.fix ? ` Fix: ${check.fix}` : ''}`;
}

/** Counts by status. */
export function tally(checks: readonly Check[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}
