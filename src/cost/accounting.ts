/**
 * Cost accounting for one worker: prices, the local ledger and the budget behind the worker's `CostSeam`.
 */
import type { AgentResult } from '../agent/runner.js';
import { Budget, type BudgetOptions } from './budget.js';
import { formatUsd } from './format-usd.js';
import { appendLedger, spentToday } from './ledger.js';
import { taskCost, type PriceTable } from './pricing.js';
import type { AgentUsage } from '../task/usage.js';

/** One finished task, as the worker records it for cost reports. */
export interface LedgerEntry {
  ts: string;
  taskId: string;
  workerId: string;
  model: string;
  outcome: 'SUCCESS' | 'FAILED';
  usage: AgentUsage;
  costUsd: number;
  durationMs: number;
}

/** What the worker needs from cost accounting: the seam it is given, implemented by {@link createAccounting}. */
export interface CostSeam {
  /** The task's cost in USD: the runner's own figure, else tokens × price. `known` false when no price exists. */
  costOf(result: AgentResult): { costUsd: number; known: boolean };
  /** Record a finished task. */
  record(entry: LedgerEntry): Promise<void>;
  /** null when the worker may claim; otherwise why not (daily budget reached). */
  claimBlocker(): Promise<string | null>;
  /** A note for the result when one task's cost went past the per-task limit, else null. */
  overTaskLimit(costUsd: number): string | null;
}

/** Options for {@link createAccounting}. */
export interface AccountingOptions {
  prices: PriceTable;
  ledgerPath: string;
  budget: BudgetOptions;
  now?: () => Date;
}

/** The worker's cost seam over the real price table, ledger file and budget. */
export function createAccounting(options: AccountingOptions): CostSeam {
  const budget = new Budget(options.budget);
  const now = options.now ?? (() => new Date());
  const sources = new Map<string, string>();
  return {
    costOf(result: AgentResult) {
      const cost = taskCost(result, options.prices);
      sources.set(result.model, cost.source);
      return { costUsd: cost.costUsd, known: cost.source !== 'unknown' || !result.ok };
    },
    async record(entry: LedgerEntry) {
      const source = sources.get(entry.model) as 'runner' | 'computed' | 'unknown' | undefined;
      await appendLedger(options.ledgerPath, { ...entry, ...(source ? { costSource: source } : {}) });
    },
    async claimBlocker() {
      if (budget.dailyBudgetUsd === undefined) return null;
      const decision = budget.canClaim(await spentToday(options.ledgerPath, now()));
      return decision.ok ? null : decision.reason;
    },
    overTaskLimit(costUsd: number) {
      if (!budget.overTaskLimit(costUsd)) return null;
      return `⚠️ cost ${formatUsd(costUsd)} is over the per-task limit MAX_TASK_COST_USD=${formatUsd(budget.maxTaskCostUsd!)}`;
    },
  };
}
