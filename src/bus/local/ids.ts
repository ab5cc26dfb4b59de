/**
 * Task ids for the local queue: snowflake-like numbers (time, a per-process tag, a counter), digits only, so they
 * are path-safe, roughly time-ordered across processes and ordered exactly within one process.
 */

/** Discord's epoch (2015-01-01): local ids and Discord message ids then sort on one time line. */
export const SNOWFLAKE_EPOCH_MS = 1_420_070_400_000;

const TAG_BITS = 12n;
const COUNTER_BITS = 10n;
const MAX_COUNTER = (1 << Number(COUNTER_BITS)) - 1;

/** `local-<digits>`, the only id form the local queue accepts (and so the only one it turns into a path). */
export const LOCAL_TASK_ID = /^local-(\d{1,20})$/;

/** True for a local queue task id. */
export function isLocalTaskId(id: string): boolean {
  return LOCAL_TASK_ID.test(id);
}

/** The digits of a local task id as a bigint, for ordering. Throws `TypeError` on anything else. */
export function localIdNumber(id: string): bigint {
  const match = LOCAL_TASK_ID.exec(id);
  if (!match?.[1]) throw new TypeError(`Expected a local task id (local-<digits>), got \`${id}\``);
  return BigInt(match[1]);
}

/** Compare two local task ids, oldest first. */
export function compareLocalIds(a: string, b: string): number {
  const x = localIdNumber(a);
  const y = localIdNumber(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The time (ms since the Unix epoch) encoded in snowflake-like digits. */
export function snowflakeTime(digits: string): number {
  return Number(BigInt(digits) >> (TAG_BITS + COUNTER_BITS)) + SNOWFLAKE_EPOCH_MS;
}

/**
 * Make an id generator: each call returns fresh digits, strictly increasing within this generator.
 * @param clock - current time in ms.
 * @param random - source for the per-process tag, so two processes in the same millisecond differ.
 */
export function createIdGenerator(clock: () => number, random: () => number = Math.random): () => string {
  const tag = BigInt(Math.floor(random() * (1 << Number(TAG_BITS))) & ((1 << Number(TAG_BITS)) - 1));
  let lastMs = 0;
  let counter = 0;
  return () => {
    const now = Math.max(0, Math.floor(clock()) - SNOWFLAKE_EPOCH_MS);
    if (now > lastMs) {
      lastMs = now;
      counter = 0;
    } else if (counter < MAX_COUNTER) {
      counter += 1;
    } else {
      // Counter exhausted within one millisecond (or the clock went back): borrow the next millisecond.
      lastMs += 1;
      counter = 0;
    }
    return (
      (BigInt(lastMs) << (TAG_BITS + COUNTER_BITS)) |
      (tag << COUNTER_BITS) |
      BigInt(counter)
    ).toString();
  };
}
