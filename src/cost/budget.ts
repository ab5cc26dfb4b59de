/**
 * Spending limits: a per-task cap and a daily cap (UTC days). A worker asks {@link Budget.canClaim} before each
 * claim and stops claiming, saying why, once the day's spend has reached the cap.
 */
import { formatUsd } from './format-usd.js';

/** Limits in USD; an unset limit never blocks. */
export interface BudgetOptions {
  /** Largest acceptable cost of one task. @defaultValue undefined (no limit) */
  maxTaskCostUsd?: number;
  /** Largest total spend per UTC day on this machine (from the local ledger). @defaultValue undefined (no limit) */
  dailyBudgetUsd?: number;
}

/** Whether a worker may claim another task. */
export type ClaimDecision = { ok: true } | { ok: false; reason: string };

/** Checks spend against {@link BudgetOptions}. */
export class Budget {
  readonly maxTaskCostUsd: number | undefined;
  readonly dailyBudgetUsd: number | undefined;

  constructor(options: BudgetOptions = {}) {
    this.maxTaskCostUsd = checkLimit('maxTaskCostUsd', options.maxTaskCostUsd);
    this.dailyBudgetUsd = checkLimit('dailyBudgetUsd', options.dailyBudgetUsd);
  }

  /** True when one task's cost went over the per-task limit. */
  overTaskLimit(costUsd: number): boolean {
    return this.maxTaskCostUsd !== undefined && costUsd > this.maxTaskCostUsd;
  }

  /**
   * Whether another task may be claimed given today's spend. Refused once spend has reached the daily budget:
   * `daily budget $5.00 reached ($5.12 spent today)`.
   */
  canClaim(spentTodayUsd: number): ClaimDecision {
    if (this.dailyBudgetUsd === undefined || spentTodayUsd < this.dailyBudgetUsd) return { ok: true };
    return {
      ok: false,
      reason: `daily budget ${formatUsd(this.dailyBudgetUsd)} reached (${formatUsd(spentTodayUsd)} spent today)`,
    };
  }
}

function checkLimit(name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number >= 0, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}
