/**
 * In which order a worker tries to claim the tasks of one poll.
 */

/** How many of the oldest claimable tasks a worker picks among at random. */
export const CLAIM_SPREAD = 10;

/**
 * Shuffle the first `k` items, keep the rest in order. Workers that poll the same backlog would otherwise all
 * race for the oldest task, then all for the next: each lost race is a thread-create request (400/160004) that
 * spends the bot's thread-creation budget. Spreading over the oldest few keeps the queue roughly FIFO.
 */
export function spreadHead<T>(items: T[], k: number, random: () => number): T[] {
  const head = items.slice(0, k);
  for (let i = head.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [head[i], head[j]] = [head[j]!, head[i]!];
  }
  return [...head, ...items.slice(k)];
}
