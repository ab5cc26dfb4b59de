/**
 * Resolve after `ms`, or reject with the signal's reason as soon as it aborts. The timer keeps the process alive
 * (a worker's main loop is made of these waits); pass `{ unref: true }` for background waits.
 */
export function sleep(ms: number, signal?: AbortSignal, options: { unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (options.unref) timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A wait drawn uniformly between `low`×base and `high`×base, so pollers do not synchronise. */
export function jitter(baseMs: number, low = 0.6, high = 1.6, random: () => number = Math.random): number {
  return Math.round(baseMs * (low + (high - low) * random()));
}
