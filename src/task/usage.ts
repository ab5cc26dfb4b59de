/**
 * Tokens one agent run used: what a runner reports, the result message shows and the ledger prices.
 */

/** Tokens one run used. `input` is uncached prompt tokens; cached ones are `cacheRead`. */
export interface AgentUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Zero usage. */
export const EMPTY_USAGE: Readonly<AgentUsage> = Object.freeze({
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
});
