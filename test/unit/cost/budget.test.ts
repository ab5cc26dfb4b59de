import { describe, expect, it } from 'vitest';
import { Budget } from '../../../src/cost/budget.js';
import { formatUsd } from '../../../src/cost/format-usd.js';

describe('Budget', () => {
  it('allows claims until the daily budget is reached, then says why', () => {
    const budget = new Budget({ dailyBudgetUsd: 5 });
    expect(budget.canClaim(4.99)).toEqual({ ok: true });
    expect(budget.canClaim(5.12)).toEqual({
      ok: false,
      reason: 'daily budget $5.00 reached ($5.12 spent today)',
    });
    expect(budget.canClaim(5).ok).toBe(false);
  });

  it('never blocks without limits', () => {
    const budget = new Budget();
    expect(budget.canClaim(1e9)).toEqual({ ok: true });
    expect(budget.overTaskLimit(1e9)).toBe(false);
  });

  it('flags a task over the per-task limit', () => {
    const budget = new Budget({ maxTaskCostUsd: 0.5 });
    expect(budget.overTaskLimit(0.5)).toBe(false);
    expect(budget.overTaskLimit(0.5001)).toBe(true);
  });

  it('rejects invalid limits with a TypeError naming the option', () => {
    expect(() => new Budget({ dailyBudgetUsd: -1 })).toThrow(/dailyBudgetUsd/);
    expect(() => new Budget({ maxTaskCostUsd: Number.NaN })).toThrow(TypeError);
  });
});

describe('formatUsd', () => {
  it('keeps small amounts readable', () => {
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(5)).toBe('$5.00');
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.004002)).toBe('$0.004002');
    expect(formatUsd(0.000218)).toBe('$0.000218');
  });
});
