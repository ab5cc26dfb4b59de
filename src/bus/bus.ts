/**
 * The Bus: what "a task queue" means to a worker, in queue terms. Implementations: `DiscordBus` (Discord REST,
 * its protocol in `discord/task-life/`), `LocalBus` (a folder on disk), `FallbackBus` (Discord first, local when
 * Discord is unreachable).
 *
 * Left out on purpose: how tasks are stored, how claims are made atomic, how a hand-back decides which copy of a
 * task is the live one, and how statuses are shown. A worker never sees message ids, threads or reactions; it sees
 * tasks, claims and outcomes.
 */
import type { ReportFile, TaskReport, WorkerStatus } from '../task/report.js';
import type { Task } from '../task/task.js';

/** A task this worker holds. Only the worker that won `claim` gets one. */
export interface Claim {
  task: Task;
  workerId: string;
  /**
   * Backend handle for the claim: the lease token on the local queue, the progress message on Discord. Opaque; it
   * survives a restart (outbox replays carry it).
   */
  handle: string;
  claimedAt: number;
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
  /**
   * Makes a retried submission idempotent where the backend supports it (Discord: `nonce` + `enforce_nonce`, up to
   * 25 characters). Default: a fresh random nonce per call, so the REST client's own retries never double a post.
   */
  nonce?: string;
}

/** Options for {@link Bus.complete}. */
export interface CompleteOptions {
  /**
   * The holder's word on its lease: true when the claim was won or last renewed (a heartbeat that succeeded) less
   * than `leaseMs / 3` ago by its monotonic clock, so no sweeper can have handed it back yet (see the margins in
   * `discord/task-life/`): the bus may then skip its fence; false when it may not. @defaultValue the bus's own record
   * of when this process won or renewed the claim (never for a replay)
   */
  fresh?: boolean;
  /**
   * This is a retry of an earlier `complete` (an outbox replay): the result may be posted already, maybe longer
   * ago than the backend's duplicate window. @defaultValue false
   */
  replay?: boolean;
}

/** What {@link Bus.complete} did with a report. */
export type Completion =
  /**
   * The report is the task's one result. `taskId` is the id it was reported under: the claim's own, or (`late`)
   * the live retry copy's when the claim had been handed back while it ran and this run won that copy.
   */
  | { outcome: 'reported'; taskId: string; late?: boolean }
  /** The claim was handed back and another run carries the task on (or it was cancelled): the report is dropped. */
  | { outcome: 'superseded'; reason: string };

/** What {@link Bus.handBack} (and a sweep) did with a task. */
export type HandBack =
  /** A retry copy `taskId` now carries the task. */
  | { action: 'requeued'; taskId: string }
  /** Out of attempts: the task was reported FAILED (under `taskId`) with the reason. */
  | { action: 'failed'; taskId: string }
  /** The origin author may not submit (any more): the task was refused, nothing was copied. */
  | { action: 'refused'; reason: string }
  /** Someone else finished or handed the task back first: nothing done. */
  | { action: 'lost'; reason: string };

/** One abandoned claim a sweep dealt with. */
export interface SweptTask {
  taskId: string;
  /** The worker that held it. */
  from: string;
  /** Why it was taken for abandoned (`no heartbeat from worker-1 for 95 s`). */
  reason: string;
  /** What happened: handed back (see {@link HandBack}), or `finished` (its result was posted already). */
  result: HandBack | { action: 'finished'; taskId: string };
}

/** Why claiming is paused on a bus that is otherwise working (shown in the status line). */
export interface ClaimHold {
  status: WorkerStatus;
  detail: string;
  /** When claiming may work again (epoch ms), when known. */
  until?: number;
}

/**
 * A task a backend announced the moment it was posted (Discord's gateway), before any poll saw it. Opaque to the
 * worker: it hands it to {@link Bus.offer}, which checks it like a poll would. Serialisable (the manager relays it
 * to a worker process over IPC).
 */
export interface PushedTask {
  taskId: string;
  /** The backend's own record of the task (on Discord: the MESSAGE_CREATE payload, with the author's roles). */
  payload: unknown;
}

/**
 * Where a worker hears about new tasks without polling: the gateway in this process, or the manager relaying its
 * gateway. Pushes only wake workers; claiming stays the bus's atomic decision, and polling stays the fallback.
 */
export interface PushSource {
  /** True while pushes arrive: the worker then polls only now and then (safety polls). */
  readonly live: boolean;
  /**
   * Changes whenever pushes may have been missed (a new session after a gap that could not be resumed): a worker
   * polls once when it sees a new value.
   */
  readonly epoch: number;
  /** The oldest pushed task nobody took yet (and, as far as this source knows, nobody claimed), or null. */
  take(): PushedTask | null;
  /** Call `listener` on every change (a task pushed, `live` changed). Returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
  /** The worker is idle and waiting for work (a relay passes this on, so it is handed the next task). */
  waiting?(): void;
}

/** Options for {@link Bus.purge}. */
export interface PurgeOptions {
  /** Remove every task, claimed and finished ones too (on Discord: every message of the queue). @defaultValue false */
  all?: boolean;
}

/** What {@link Bus.requeue} did. */
export interface Requeued {
  taskId: string;
  /** The retry copy that now carries the task. */
  copyId: string;
}

/**
 * A task queue shared by many workers. Every method may throw `BusUnavailableError` when the backend is down.
 *
 * The life of a task, in queue terms: `submit` → `poll` offers it → one `claim` wins → `heartbeat`s renew the lease
 * → `complete` reports it once. A holder that cannot finish calls `handBack` (a retry copy, or FAILED when out of
 * attempts); `sweep` does the same for claims whose holder went silent for longer than the lease. A holder that was
 * only slow may still `complete`: the bus then decides whether its report or the retry's counts (never both).
 */
export interface Bus {
  /** `discord`, `local`, `fallback`. */
  readonly name: string;
  /** Queue a task; the text may carry tags (`[model:X]`). */
  submit(text: string, options?: SubmitOptions): Promise<Submitted>;
  /** Tasks that look claimable now, oldest first. Claiming may still lose the race. */
  poll(): Promise<Task[]>;
  /**
   * A pushed task, checked as a poll checks it (not claimed yet, its author allowed, readable; a retry copy only
   * while live): the task to claim, or null. Optional: only buses with a push source have it.
   */
  offer?(pushed: PushedTask): Promise<Task | null>;
  /** Try to claim a task. Exactly one concurrent caller among all workers gets a Claim; the others get null. */
  claim(task: Task, workerId: string): Promise<Claim | null>;
  /**
   * Show progress and renew the lease. Throws `LeaseLostError` when the claim was handed back (or cancelled). A bus
   * may create its progress record on the first call and set `claim.handle` then (Discord posts the progress
   * message only once a task outlives its first heartbeat).
   */
  heartbeat(claim: Claim, progress: string): Promise<void>;
  /**
   * Report the finished task and end the claim. Safe to call again after a failure (an outbox replay). If the claim
   * was handed back while it ran, either this report becomes the task's result (under the live copy's id) or it is
   * dropped (`superseded`); exactly one report per task either way.
   */
  complete(claim: Claim, report: TaskReport, options?: CompleteOptions): Promise<Completion>;
  /**
   * Give the task back because this holder cannot finish it: a retry copy while attempts remain, otherwise a FAILED
   * report with `reason`. Also how a manager hands back the claim of a worker that died.
   */
  handBack(claim: Claim, reason: string): Promise<HandBack>;
  /** Post a worker status line. */
  status(workerId: string, status: WorkerStatus, detail: string): Promise<void>;
  /**
   * Post a report for a task this bus never held (a task run from the local queue while Discord was down).
   * `key` identifies the report so a retried publish is not doubled. Optional: only buses with a results
   * channel have it.
   */
  publish?(report: TaskReport, key: string): Promise<void>;
  /**
   * Hand back claims whose holder has been silent for longer than the lease (its machine is gone). Safe to run
   * from many workers at once: each abandoned claim is handed back once.
   */
  sweep(): Promise<SweptTask[]>;
  /** Why claiming is paused (a long rate limit on claims, a full active-claim cap), or null. Optional. */
  claimHold?(): ClaimHold | null;
  /**
   * The operator's second chance for a task that was refused (its author was not allowed then) or failed: a fresh
   * copy with fresh attempts, if the origin author is allowed now. Throws `TaskInvalidError` with the reason
   * otherwise. Optional: only buses that refuse tasks have it.
   */
  requeue?(taskId: string): Promise<Requeued>;
  /**
   * The operator's clear: remove the tasks that are waiting, by the same rule `poll` uses to offer them (never a
   * claimed, refused, finished or handed-back one); `all` removes every task, whatever its state. Returns the ids
   * removed. Optional: only buses an operator clears have it.
   */
  purge?(options?: PurgeOptions): Promise<string[]>;
  /** The result message text for a task id, or null while there is none. */
  findResult(taskId: string): Promise<string | null>;
  /** Release resources. Idempotent; later calls of other methods reject. */
  close(): Promise<void>;
}
