/**
 * What a finished task is reported as, and the status lines workers show: built by `format.ts`, delivered by the
 * bus, held by the worker's outbox. Declared here, under both, so the bus never reaches into the format and the
 * format never reaches into the bus.
 */

/** Worker status lines shown to people (`#worker-pool` on Discord). */
export type WorkerStatus =
  'READY' | 'CLAIMED' | 'RESTARTING' | 'IDLE' | 'STOPPING' | 'ERROR' | 'BUDGET' | 'THROTTLED';

/** A file to attach to a report. */
export interface ReportFile {
  name: string;
  data: Buffer;
}

/** The finished task as it is reported. Built by `task/format.ts`; the bus only delivers it. */
export interface TaskReport {
  outcome: 'SUCCESS' | 'FAILED';
  /** The full result message (≤ 2000 characters) for the results channel. */
  content: string;
  /** Attachments (whole RESULT.txt when truncated, files the agent made). */
  files: ReportFile[];
  /** A short form for the claim thread (≤ 2000 characters). */
  summary: string;
}
