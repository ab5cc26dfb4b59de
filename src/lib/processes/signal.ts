/**
 * Signalling processes that are still the ones we mean: a pid alone is not an identity (pids are reused), a pid plus
 * its start time is.
 */
import type { ProcessEntry, ProcessTable } from './process-table.js';

/** Sends a signal to a pid (negative: a process group); `process.kill` by default. */
export type KillFunction = (pid: number, signal: NodeJS.Signals | 0) => void;

/** `process.kill`. */
export const defaultKill: KillFunction = (pid, signal) => void process.kill(pid, signal);

/** A process identity that survives pid reuse. */
export interface ProcessIdentity {
  pid: number;
  /** {@link ProcessEntry.startTime} when it was found. */
  startTime: string;
}

/** The identity of `pid` now, or undefined when there is no such process. */
export function identify(table: ProcessTable, pid: number): ProcessIdentity | undefined {
  const entry = table.get(pid);
  return entry ? { pid, startTime: entry.startTime } : undefined;
}

/** Whether `id` still names the same process, and it has not died (a zombie waiting to be reaped counts as dead). */
export function isRunning(table: ProcessTable, id: ProcessIdentity): boolean {
  const entry: ProcessEntry | undefined = table.get(id.pid);
  return entry !== undefined && entry.startTime === id.startTime && entry.state !== 'Z';
}

/**
 * Send `signal` to `id.pid` only if it is still the same process (checked just before sending). Returns whether
 * the signal was sent; a process that is gone, or a pid now used by another process, is left alone.
 */
export function signalIfSame(
  table: ProcessTable,
  id: ProcessIdentity,
  signal: NodeJS.Signals,
  kill: KillFunction = defaultKill,
): boolean {
  if (!isRunning(table, id)) return false;
  try {
    kill(id.pid, signal);
    return true;
  } catch {
    // ESRCH: it ended between the check and the signal. EPERM: not ours to signal.
    return false;
  }
}
