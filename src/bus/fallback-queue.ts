/**
 * The fallback side of a {@link FallbackBus}: what a local queue offers beyond {@link Bus} so that tasks queued
 * there while the primary was down can move to the primary later. `LocalBus` implements it.
 */
import type { Bus, Submitted } from './bus.js';
import type { TaskReport } from '../task/report.js';

/** What {@link FallbackQueue.drainTo} did. */
export interface DrainReport {
  /** Tasks now queued on the other bus: the local id and what the other bus returned. */
  moved: Array<{ from: string; to: Submitted }>;
  /** Tasks the other bus refused with an error other than `BusUnavailableError`; they stay pending here. */
  failed: Array<{ taskId: string; error: unknown }>;
}

/** Where a drained task went. */
export interface MovedTask {
  bus: string;
  taskId: string;
}

/** What the fallback side must offer beyond {@link Bus}: `LocalBus` implements it. */
export interface FallbackQueue extends Bus {
  /** True for task ids that live in this queue. */
  owns(taskId: string): boolean;
  /** Move pending tasks to `target`, each exactly once; rethrows `BusUnavailableError` from the target. */
  drainTo(target: Bus, options?: { exclude?: ReadonlySet<string> }): Promise<DrainReport>;
  /** Where a drained task went, or null. */
  movedTo(taskId: string): Promise<MovedTask | null>;
  /** Reports finished here and not yet published to the primary. */
  unpublishedReports?(): Promise<{ taskId: string; report: TaskReport }[]>;
  /** Exactly one caller (across processes) gets true and publishes. */
  claimPublication?(taskId: string): Promise<boolean>;
  /** Undo a claimed publication that failed. */
  releasePublication?(taskId: string): Promise<void>;
}
