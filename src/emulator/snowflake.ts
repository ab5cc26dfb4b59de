/** Discord snowflakes: 42 bits of milliseconds since the Discord epoch, then worker, process and increment bits. */

/** 2015-01-01T00:00:00Z, the origin of Discord's snowflake timestamps. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/** The millisecond timestamp encoded in a snowflake. */
export function snowflakeTime(id: string | bigint): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** True when `value` is a decimal snowflake (or `0`), as Discord accepts in ids and cursors. */
export function isSnowflake(value: string): boolean {
  return /^\d{1,20}$/.test(value) && BigInt(value) < 1n << 64n;
}

/**
 * Makes unique, increasing snowflakes from the current time. Within one millisecond the 12-bit increment grows;
 * when it overflows the generator borrows the next millisecond, so ids never repeat.
 */
export class SnowflakeGenerator {
  #lastMs = 0n;
  #increment = 0n;
  readonly #workerId: bigint;
  readonly #processId: bigint;
  readonly #now: () => number;

  constructor(options: { workerId?: number; processId?: number; now?: () => number } = {}) {
    this.#workerId = BigInt((options.workerId ?? 1) & 0x1f);
    this.#processId = BigInt((options.processId ?? 0) & 0x1f);
    this.#now = options.now ?? Date.now;
  }

  /** The next id, as the decimal string Discord sends. */
  next(): string {
    let ms = BigInt(this.#now()) - DISCORD_EPOCH;
    if (ms <= this.#lastMs) {
      ms = this.#lastMs;
      this.#increment += 1n;
      if (this.#increment > 0xfffn) {
        ms += 1n;
        this.#increment = 0n;
      }
    } else {
      this.#increment = 0n;
    }
    this.#lastMs = ms;
    return ((ms << 22n) | (this.#workerId << 17n) | (this.#processId << 12n) | this.#increment).toString();
  }
}
