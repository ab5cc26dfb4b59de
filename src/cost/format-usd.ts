/** Money formatting shared by budgets and cost reports. */

/**
 * Dollars for people: `$5.00`, `$12.35`; amounts under $1 keep up to six decimals (`$0.004002`, `$0.12`) so small
 * task costs do not read as zero.
 */
export function formatUsd(usd: number): string {
  if (usd === 0 || Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  const fixed = usd.toFixed(6).replace(/0+$/, '');
  const decimals = fixed.split('.')[1]?.length ?? 0;
  return `$${decimals < 2 ? usd.toFixed(2) : fixed}`;
}
