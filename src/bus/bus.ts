/**
 * The Bus: what "a task queue" means to a worker, in queue terms. Implementations: `DiscordBus` (Discord REST),
 * `LocalBus` (a folder on disk), `FallbackBus` (Discord first, local when Discord is unreachable).
 *
 * Left out on purpose: how tasks are stored, how claims are made atomic, and how statuses are shown. A worker
 * never sees message ids, threads or reactions; it sees tasks, claims and outcomes.
 */
import type { Task } from '../task/task.js';

/** Worker status lines shown to people (`#worker-pool` on Discord). */
export type WorkerStatus = 'READY' | 'CLAIMED' | 'RESTARTING' | 'IDLE' | 'STOPPING' | 'ERROR' | 'BUDGET';

/** A task this worker holds. Only the worker that won `claim` gets one. */
export interface Claim {
  task: Task;
  workerId: string;
  /** Backend handle for the claim (the thread id on Discord). */
  handle: string;
  claimedAt: number;
}

/** A claim found abandoned by a sweeper. */
export interface AbandonedClaim {
  claim: Claim;
  /** Milliseconds since the holder's last heartbeat. */
  silentForMs: number;
}

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

/** What `submit` returns. */
export interface Submitted {
  taskId: string;
  messageId: string;
  /** Which backend took the task (`discord` or `local`). */
  via: string;
}

/** Options for posting a task. */
export interface SubmitOptions {
  files?: ReportFile[];
}

/** A task queue shared by many workers. Every method may throw `BusUnavailableError` when the backend is down. */
export interface Bus {
  /** `discord`, `local`, `fallback`. */
  readonly name: string;
  /** Queue a task; the text may carry tags (`[model:X]`). */
  submit(text: string, options?: SubmitOptions): Promise<Submitted>;
  /** Tasks that look claimable now, oldest first. Claiming may still lose the race. */
  poll(): Promise<Task[]>;
  /** Try to claim a task. Exactly one concurrent caller among all workers gets a Claim; the others get null. */
  claim(task: Task, workerId: string): Promise<Claim | null>;
  /** Show progress and renew the lease (on Discord: edit the progress message). */
  heartbeat(claim: Claim, progress: string): Promise<void>;
  /** Report the finished task and release the claim for good. */
  complete(claim: Claim, report: TaskReport): Promise<void>;
  /** Give the task back (requeue it as a retry) because this worker cannot finish it. */
  release(claim: Claim, reason: string): Promise<void>;
  /** Post a worker status line. */
  status(workerId: string, status: WorkerStatus, detail: string): Promise<void>;
  /**
   * Post a report for a task this bus never held (a task run from the local queue while Discord was down).
   * `key` identifies the report so a retried publish is not doubled. Optional: only buses with a results
   * channel have it.
   */
  publish?(report: TaskReport, key: string): Promise<void>;
  /**
   * Claims whose holder stopped heartbeating for longer than `leaseMs` (its machine is gone), among the tasks
   * the last `poll` saw. The caller hands each back with `release` (or reports it FAILED when out of attempts).
   * Optional: buses that sweep themselves (the local queue) leave it out.
   */
  findAbandoned?(options: { leaseMs: number; now: number }): Promise<AbandonedClaim[]>;
  /** The result message text for a task id, or null while there is none. */
  findResult(taskId: string): Promise<string | null>;
  /** Release resources. Idempotent. */
  close(): Promise<void>;
}
