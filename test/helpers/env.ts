/**
 * `process.env` for code under test that reads it (`submit`, `costs`, the agents a worker spawns). Integration
 * files share a thread and so one environment: what a test sets there, it puts back (see `test/setup/no-leaks.ts`).
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

/** A copy of the current environment, for {@link restoreEnv}. */
export function saveEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/** Put `process.env` back to `saved`, in place: keys added since are deleted, changed ones restored. */
export function restoreEnv(saved: NodeJS.ProcessEnv): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
}

/** The keys whose values differ between `saved` and the current environment, sorted. */
export function changedEnv(saved: NodeJS.ProcessEnv): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(process.env)]);
  return [...keys].filter((k) => saved[k] !== process.env[k]).sort();
}

/**
 * Let the tests of the calling suite change `process.env`: it is put back after each test (`'each'`), or after
 * the suite's last test (`'all'`, for an environment set in `beforeAll`).
 * @defaultValue `when`: `'each'`
 */
export function useEnv(when: 'each' | 'all' = 'each'): void {
  let saved: NodeJS.ProcessEnv = {};
  (when === 'each' ? beforeEach : beforeAll)(() => {
    saved = saveEnv();
  });
  (when === 'each' ? afterEach : afterAll)(() => restoreEnv(saved));
}
