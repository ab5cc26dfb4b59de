/** The effects a fault can have, and their validation. */

/** Fault settings; all off by default. */
export interface FaultConfig {
  /** Delay added to every `/api` request: before it is carried out, or (timing `after`) before its answer. @defaultValue 0 */
  latencyMs?: number;
  /** Fraction (0–1) of `/api` requests answered with 500 or 502 and a Discord-like body. @defaultValue 0 */
  errorRate?: number;
  /** Fraction (0–1) of `/api` requests whose connection is destroyed without an answer. @defaultValue 0 */
  dropRate?: number;
  /** Every `/api` request has its connection destroyed. @defaultValue false */
  outage?: boolean;
  /**
   * `before` (default): a faulted request has no effect. `after`: the request is carried out, then its answer is
   * replaced by the fault, as when Discord commits a write but the response is lost.
   * @defaultValue 'before'
   */
  timing?: 'before' | 'after';
}

function fraction(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new TypeError(
      `Expected \`${name}\` to be a number between 0 and 1, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}

/** Validate and normalise a fault config (throws `TypeError`). */
export function normaliseFaults(input: FaultConfig): Required<FaultConfig> {
  const latencyMs = input.latencyMs ?? 0;
  if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs) || latencyMs < 0) {
    throw new TypeError(
      `Expected \`latencyMs\` to be a finite number >= 0, got \`${String(latencyMs)}\` (${typeof latencyMs})`,
    );
  }
  const timing = input.timing ?? 'before';
  if (timing !== 'before' && timing !== 'after')
    throw new TypeError(`Expected \`timing\` to be 'before' or 'after', got \`${String(timing)}\``);
  return {
    latencyMs,
    errorRate: fraction(input.errorRate, 'errorRate'),
    dropRate: fraction(input.dropRate, 'dropRate'),
    outage: input.outage === true,
    timing,
  };
}
