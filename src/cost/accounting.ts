/**
 * Cost accounting for one worker: prices, the local ledger and the budget behind the worker's `CostSeam`.
 */
import type { AgentResult } from '../agent/runner.js';
import type { CostSeam, LedgerEntry } from '../worker/options.js';
import { Budget, type BudgetOptions } from './budget.js';
import { formatUsd } from './format-usd.js';
import { appendLedger, spentToday } from './ledger.js';
import { taskCost, type PriceTable } from './pricing.js';

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
