/**
 * `LocalBus`: the fallback task queue, a folder on disk (`<runtimeDir>/queue/`, layout in `store.ts`) shared by
 * every process on one machine. Used when Discord is unreachable, and by itself for offline runs.
 *
 * - a task is a JSON file in `pending/`; ids are `local-<digits>`, snowflake-like, so oldest first = smallest id;
 * - a claim is `rename(pending/X.json, claimed/X.json)`: exactly one process wins, the others get `ENOENT`;
 * - a heartbeat rewrites the lease beside the claimed file; `sweep` requeues claims whose lease ran out;
 * - complete, release, sweep and drain each start by renaming the file that holds the current state, so two
 *   processes never both act on one task, and a process that dies half-way leaves a transition file the sweeper
 *   finishes later (nothing is lost).
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  Bus,
  Claim,
  CompleteOptions,
  Completion,
  HandBack,
  PurgeOptions,
  SubmitOptions,
  Submitted,
  SweptTask,
} from '../bus.js';
import type { ReportFile, TaskReport, WorkerStatus } from '../../task/report.js';
import type { DrainReport, FallbackQueue, MovedTask } from '../fallback-queue.js';
import {
  DEFAULT_LEASE_TIMEOUT_SEC,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RUNTIME_DIR,
} from '../../config/defaults.js';
import { DEFAULT_GIVE_UP_REPORT, type GiveUpReport } from '../give-up.js';
import { lateNote, retargetReport } from '../retarget.js';
import type { Task, TaskAttachment } from '../../task/task.js';
import { formatStatus } from '../../task/format.js';
import { buildTaskText, parseTaskText, type ParsedTaskText, type TaskTextParts } from '../../task/tags.js';
import { LeaseLostError, errorMessage, isBusUnavailable } from '../../lib/errors.js';
import { compareLocalIds, createIdGenerator, isLocalTaskId } from './ids.js';
import {
  RECORD_VERSION,
  parseDoneRecord,
  parseLeaseRecord,
  parseTaskRecord,
  type DoneRecord,
  type LeaseRecord,
  type TaskRecord,
} from './records.js';
import { QueueStore, parseClaimedName, taskIdOfFile } from './store.js';

/** Options for {@link LocalBus}. */
export interface LocalBusOptions {
  /**
   * Folder that holds `queue/`.
   * @defaultValue `'.runtime'`
   */
  runtimeDir?: string;
  /**
   * Current time in ms (ids, leases, timestamps).
   * @defaultValue `Date.now`
   */
  clock?: () => number;
  /**
   * Randomness for the per-process tag inside ids.
   * @defaultValue `Math.random`
   */
  random?: () => number;
  /**
   * `authorId` of tasks submitted here.
   * @defaultValue `'local'`
   */
  authorId?: string;
  /**
   * A claim whose last heartbeat is older than this is abandoned and `sweep` requeues it.
   * @defaultValue 90_000 (`LEASE_TIMEOUT`'s default)
   */
  leaseMs?: number;
  /**
   * `poll` and `drainTo` run `sweep` themselves at most this often; 0 turns that off (call `sweep` yourself).
   * @defaultValue 30_000 (a third of the default lease)
   */
  sweepIntervalMs?: number;
  /**
   * Runs per task: handing back a task on its last attempt reports it FAILED instead of requeueing it.
   * @defaultValue 3
   */
  maxAttempts?: number;
  /**
   * Builds the FAILED report of a task out of attempts.
   * @defaultValue the task's own model tag (see `give-up.ts`)
   */
  giveUp?: GiveUpReport;
  /**
   * Most tasks one `poll` returns (the oldest ones).
   * @defaultValue 100
   */
  pollLimit?: number;
  /**
   * Reads tags from task text.
   * @defaultValue `parseTaskText` from `task/tags.ts`
   */
  parseText?: (text: string) => ParsedTaskText;
  /**
   * Writes task text with tags (for retries).
   * @defaultValue `buildTaskText` from `task/tags.ts`
   */
  buildText?: (parts: TaskTextParts) => string;
}

/** Defaults of {@link LocalBusOptions}. */
export const DEFAULT_LOCAL_BUS_OPTIONS = {
  runtimeDir: DEFAULT_RUNTIME_DIR,
  clock: Date.now,
  random: Math.random,
  authorId: 'local',
  leaseMs: DEFAULT_LEASE_TIMEOUT_SEC * 1000,
  sweepIntervalMs: (DEFAULT_LEASE_TIMEOUT_SEC * 1000) / 3,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  giveUp: DEFAULT_GIVE_UP_REPORT,
  pollLimit: 100,
  parseText: parseTaskText,
  buildText: buildTaskText,
} as const satisfies Required<LocalBusOptions>;

/** A drain in progress longer than this (or than the lease, if longer) is taken for dead and undone. */
export const DRAIN_TIMEOUT_MS = 10 * 60_000;

/** Events a LocalBus emits instead of logging. */
export interface LocalBusEvents {
  /** A claim was requeued (released, lease expired, or an interrupted change finished by the sweeper). */
  requeued: [info: { from: string; to: string; reason: string }];
  /** Prefixed diagnostic text (unreadable files, recovered transitions). */
  debug: [message: string];
}

/** What {@link LocalBus.sweepQueue} did. */
export interface SweepReport {
  /** Tasks requeued as retries: the old id and the retry's id. */
  requeued: Array<{ from: string; to: string }>;
  /** Abandoned claims handed back (requeued, or FAILED when out of attempts), as {@link Bus.sweep} reports them. */
  swept: SweptTask[];
  /** Interrupted changes (a process died half-way) that this sweep finished. */
  recovered: number;
}

function checkPositive(name: string, value: number, allowZero: boolean): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number ${allowZero ? '>= 0' : '> 0'}, got \`${value}\` (${typeof value})`,
    );
  }
}

/** The local fallback queue. See the module comment for how it stays exactly-once across processes. */
export class LocalBus extends EventEmitter<LocalBusEvents> implements FallbackQueue {
  /** Always `local`. */
  readonly name = 'local';
  /** Paths and file operations (exposed for tools and tests that inspect the folder). */
  readonly store: QueueStore;
  readonly #options: Required<LocalBusOptions>;
  readonly #nextId: () => string;
  // Claimed files seen without a lease: the claimer may have died between the rename and the lease write.
  readonly #leaselessSince = new Map<string, number>();
  #lastSweepAt = Number.NEGATIVE_INFINITY;
  #sweeping: Promise<SweepReport> | undefined;
  #closed = false;

  constructor(options: LocalBusOptions = {}) {
    super();
    const merged = { ...DEFAULT_LOCAL_BUS_OPTIONS, ...options } as Required<LocalBusOptions>;
    checkPositive('leaseMs', merged.leaseMs, false);
    checkPositive('sweepIntervalMs', merged.sweepIntervalMs, true);
    if (!Number.isInteger(merged.maxAttempts) || merged.maxAttempts < 1) {
      throw new TypeError(`Expected \`maxAttempts\` to be an integer >= 1, got \`${merged.maxAttempts}\``);
    }
    if (!Number.isInteger(merged.pollLimit) || merged.pollLimit < 1) {
      throw new TypeError(`Expected \`pollLimit\` to be an integer >= 1, got \`${merged.pollLimit}\``);
    }
    this.#options = merged;
    this.store = new QueueStore(resolve(merged.runtimeDir));
    this.#nextId = createIdGenerator(merged.clock, merged.random);
  }

  /** True for task ids this bus owns (`local-<digits>`); other ids are never turned into paths. */
  owns(taskId: string): boolean {
    return isLocalTaskId(taskId);
  }

  /** Queue a task. Tags in the text are parsed here; malformed tags are left for the worker to report. */
  async submit(text: string, options: SubmitOptions = {}): Promise<Submitted> {
    await this.#ready();
    const digits = this.#nextId();
    const id = `local-${digits}`;
    const parsed = this.#options.parseText(text);
    const attachments = await this.#storeAttachments(id, options.files ?? []);
    const task: Task = {
      id,
      messageId: digits,
      prompt: parsed.prompt,
      rawText: text,
      retry: parsed.retry,
      authorId: this.#options.authorId,
      submittedAt: this.#iso(),
      attachments,
    };
    if (parsed.model !== undefined) task.model = parsed.model;
    if (parsed.thinking !== undefined) task.thinking = parsed.thinking;
    if (parsed.origin !== undefined) task.origin = parsed.origin;
    if (parsed.parent !== undefined) task.parent = parsed.parent;
    if (parsed.depth) task.depth = parsed.depth;
    await this.store.writeJson(this.store.pendingPath(id), {
      ...this.#taskRecord(task),
      ...(options.nonce ? { nonce: options.nonce } : {}),
    });
    return { taskId: id, messageId: digits, via: this.name };
  }

  /** Pending tasks, oldest first (at most `pollLimit`). Runs a due `sweep` first. */
  async poll(): Promise<Task[]> {
    await this.#ready();
    await this.#sweepIfDue();
    const ids = await this.#pendingIds();
    const tasks: Task[] = [];
    for (const id of ids.slice(0, this.#options.pollLimit)) {
      const task = await this.#readTask(this.store.pendingPath(id));
      if (task) tasks.push(task);
    }
    return tasks;
  }

  /**
   * Remove the pending tasks (every one, not only the first `pollLimit` a poll offers); with `all`, claimed ones
   * too, whose holders then lose their lease (a heartbeat throws `LeaseLostError`, a completion is `superseded`).
   * Each is taken by rename, so a task claimed meanwhile is left to its holder unless `all`; its record is kept as
   * `done/<id>.purged.json` for people, its attachments are removed.
   */
  async purge(options: PurgeOptions = {}): Promise<string[]> {
    await this.#ready();
    const purged: string[] = [];
    const take = async (id: string, from: string): Promise<void> => {
      if (!(await this.store.move(from, join(this.store.doneDir, `${id}.purged.json`)))) return;
      await this.store.remove(this.store.attachmentsOf(id));
      purged.push(id);
    };
    for (const id of await this.#pendingIds()) await take(id, this.store.pendingPath(id));
    if (options.all) {
      for (const name of await this.store.list(this.store.claimedDir)) {
        const entry = parseClaimedName(name);
        if (entry?.kind !== 'claim') continue;
        await take(entry.id, this.store.claimedPath(entry.id));
        await this.store.remove(this.store.leasePath(entry.id));
      }
    }
    return purged;
  }

  /** Claim by rename: one caller among all processes gets the Claim, the others null. */
  async claim(task: Task, workerId: string): Promise<Claim | null> {
    await this.#ready();
    this.#assertOwned(task.id);
    const claimedPath = this.store.claimedPath(task.id);
    if (!(await this.store.move(this.store.pendingPath(task.id), claimedPath))) return null;
    const held = await this.#readTask(claimedPath);
    if (!held) {
      // Unreadable after all (edited by hand while pending): park it as done so it never blocks the queue.
      await this.store.move(claimedPath, join(this.store.doneDir, `${task.id}.unreadable.json`));
      return null;
    }
    const now = this.#options.clock();
    const lease: LeaseRecord = {
      version: RECORD_VERSION,
      taskId: task.id,
      workerId,
      token: randomBytes(8).toString('hex'),
      claimedAt: now,
      heartbeatAt: now,
      progress: 'claimed',
    };
    await this.store.writeJson(this.store.leasePath(task.id), lease);
    return { task: held, workerId, handle: lease.token, claimedAt: now };
  }

  /** Renew the lease and record progress. Throws `LeaseLostError` when the claim was swept or finished. */
  async heartbeat(claim: Claim, progress: string): Promise<void> {
    await this.#ready();
    const lease = await this.#holderLease(claim);
    const leasePath = this.store.leasePath(claim.task.id);
    await this.store.writeJson(leasePath, { ...lease, heartbeatAt: this.#options.clock(), progress });
    if (!(await this.store.exists(this.store.claimedPath(claim.task.id)))) {
      // Swept between our check and our write: do not leave a lease without a claim behind.
      await this.store.remove(leasePath);
      throw new LeaseLostError(`Lost the claim on ${claim.task.id} while renewing it`);
    }
  }

  /**
   * Store the report in `done/`, append it to `results.log`, and end the claim. A claim that was swept while it ran
   * is a late completion: if its retry is still pending this run claims the retry and reports as it (with a note);
   * otherwise the report is dropped (`superseded`). Calling it again after it succeeded is a no-op.
   */
  async complete(claim: Claim, report: TaskReport, _options: CompleteOptions = {}): Promise<Completion> {
    await this.#ready();
    const id = claim.task.id;
    if (!(await this.#holds(claim))) return this.#lateCompletion(claim, report);
    const transition = this.store.transitionPath(id, 'complete', this.#options.clock());
    if (!(await this.store.move(this.store.claimedPath(id), transition)))
      return this.#lateCompletion(claim, report);
    await this.#writeCompleted(transition, claim.task, claim.workerId, report);
    return { outcome: 'reported', taskId: id };
  }

  // The claim is gone: done already by this holder (a replay), handed back (claim the retry if it still waits), or
  // finished by someone else.
  async #lateCompletion(claim: Claim, report: TaskReport): Promise<Completion> {
    const id = claim.task.id;
    const done = await this.#readDone(id);
    if (
      done?.state === 'completed' &&
      done.workerId === claim.workerId &&
      done.report?.content === report.content
    )
      return { outcome: 'reported', taskId: id };
    if (done?.state !== 'released' || !done.requeuedAs)
      return { outcome: 'superseded', reason: `${id} was finished or moved elsewhere while it ran here` };
    const retryId = done.requeuedAs;
    const retry = await this.#readTask(this.store.pendingPath(retryId));
    const held = retry ? await this.claim(retry, claim.workerId) : null;
    if (!held)
      return {
        outcome: 'superseded',
        reason: `${id} was handed back as ${retryId} while it ran here, and another run carries it`,
      };
    const note = lateNote(id);
    const retold: TaskReport = {
      ...report,
      content: retargetReport(report.content, id, retryId, note),
      summary: `${report.summary}\n(${note})`,
    };
    const transition = this.store.transitionPath(retryId, 'complete', this.#options.clock());
    if (!(await this.store.move(this.store.claimedPath(retryId), transition)))
      return { outcome: 'superseded', reason: `${retryId} was taken while this run reported` };
    await this.#writeCompleted(transition, held.task, claim.workerId, retold);
    return { outcome: 'reported', taskId: retryId, late: true };
  }

  async #writeCompleted(
    transition: string,
    fallback: Task,
    workerId: string,
    report: TaskReport,
  ): Promise<void> {
    const task = (await this.#readTask(transition)) ?? fallback;
    const id = task.id;
    const files = await this.store.writeFiles(this.store.doneFilesDir(id), report.files);
    const done: DoneRecord = {
      version: RECORD_VERSION,
      task,
      state: 'completed',
      finishedAt: this.#iso(),
      workerId,
      report: { outcome: report.outcome, content: report.content, summary: report.summary, files },
    };
    await this.store.writeJson(this.store.donePath(id), done);
    await this.store.append(this.store.resultsLog, `${report.content.replace(/\n+$/, '')}\n`);
    await this.store.remove(transition);
    await this.store.remove(this.store.leasePath(id));
  }

  /**
   * Give the task back: a new pending task with `retry + 1` and the origin (the old id never comes back), or, on its
   * last attempt, a FAILED report with the reason. A claim that is no longer held: `lost`.
   */
  async handBack(claim: Claim, reason: string): Promise<HandBack> {
    await this.#ready();
    const id = claim.task.id;
    if (!(await this.#holds(claim)))
      return { action: 'lost', reason: `${claim.workerId} no longer holds ${id}` };
    const retryDigits = this.#nextId();
    const transition = this.store.transitionPath(id, `requeue-${retryDigits}`, this.#options.clock());
    if (!(await this.store.move(this.store.claimedPath(id), transition)))
      return { action: 'lost', reason: `${id} was taken while it was being handed back` };
    return this.#finishRequeue(transition, id, retryDigits, reason, claim.workerId, false);
  }

  /** Hand back claims whose lease ran out (see {@link sweepQueue}), as {@link Bus.sweep} reports them. */
  async sweep(): Promise<SweptTask[]> {
    return (await this.sweepQueue()).swept;
  }

  /** Append the seed's status line (`[worker-1] [READY] Online and waiting`) after an ISO time to `worker-pool.log`. */
  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    await this.#ready();
    const line = formatStatus(workerId, status, detail).replace(/\s*[\r\n]+\s*/g, ' ');
    await this.store.append(this.store.workerPoolLog, `${this.#iso()} ${line}\n`);
  }

  /** The report content of a completed task, or null (unknown, not finished, released or drained). */
  async findResult(taskId: string): Promise<string | null> {
    const done = await this.#readDone(taskId);
    return done?.state === 'completed' && done.report ? done.report.content : null;
  }

  /**
   * Reports of tasks finished here that were not yet published elsewhere (their results go to Discord once it is
   * back). Oldest first.
   */
  async unpublishedReports(): Promise<{ taskId: string; report: TaskReport }[]> {
    await this.#ready();
    const out: { taskId: string; report: TaskReport }[] = [];
    for (const name of (await this.store.list(this.store.doneDir)).sort()) {
      const match = /^(local-\d+)\.json$/.exec(name);
      if (!match) continue;
      const taskId = match[1]!;
      if (await this.store.exists(this.#publishedMarker(taskId))) continue;
      const done = await this.#readDone(taskId);
      if (done?.state !== 'completed' || !done.report) continue;
      const files = [];
      for (const file of done.report.files) {
        const path = join(this.store.doneFilesDir(taskId), file);
        const data = await readFile(path).catch((error: unknown) => {
          this.emit(
            'debug',
            `[local-bus] ${taskId}: attachment ${file} is published without its file (${errorMessage(error)})`,
          );
          return null;
        });
        if (data) files.push({ name: file, data });
      }
      const { outcome, content, summary } = done.report;
      out.push({ taskId, report: { outcome, content, summary, files } });
    }
    return out;
  }

  /**
   * Take the right to publish a task's report: true for exactly one caller across processes (an exclusive
   * marker file). A publisher that fails calls {@link releasePublication} so another can try.
   */
  async claimPublication(taskId: string): Promise<boolean> {
    await this.#ready();
    try {
      await writeFile(this.#publishedMarker(taskId), String(this.#options.clock()), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /** Give back a publication claimed with {@link claimPublication} that did not happen. */
  async releasePublication(taskId: string): Promise<void> {
    await this.store.remove(this.#publishedMarker(taskId));
  }

  #publishedMarker(taskId: string): string {
    return join(this.store.doneDir, `${taskId}.published`);
  }

  /** Where {@link drainTo} moved a task, or null if it did not move it. */
  async movedTo(taskId: string): Promise<MovedTask | null> {
    const done = await this.#readDone(taskId);
    return done?.state === 'drained' && done.movedTo ? done.movedTo : null;
  }

  /**
   * Requeue abandoned claims: a lease older than `leaseMs` (or a claimed file that never got a lease within
   * `leaseMs` of this bus first seeing it), and finish changes a dead process left half-done.
   */
  async sweepQueue(options: { leaseMs?: number; now?: number } = {}): Promise<SweepReport> {
    await this.#ready();
    // One sweep at a time per instance; other processes are kept out by the renames.
    const run = (this.#sweeping ??= this.#sweep(
      options.leaseMs ?? this.#options.leaseMs,
      options.now,
    ).finally(() => (this.#sweeping = undefined)));
    return run;
  }

  /**
   * Move every pending task to `target` (oldest first), each exactly once even when several processes drain at
   * the same time: a task is first taken by rename, then submitted, then marked `drained` in `done/`.
   * A `BusUnavailableError` from the target puts the task back and is rethrown (stop: the target is down); any
   * other error puts it back and is listed in `failed` (the task stays here). A process that dies between the
   * submit and the mark leaves a transition file the sweeper turns back into a pending task (after
   * {@link DRAIN_TIMEOUT_MS}), so a task may reach the target twice but is never lost.
   */
  async drainTo(target: Bus, options: { exclude?: ReadonlySet<string> } = {}): Promise<DrainReport> {
    await this.#ready();
    await this.#sweepIfDue();
    const report: DrainReport = { moved: [], failed: [] };
    for (const id of await this.#pendingIds()) {
      if (options.exclude?.has(id)) continue;
      const transition = this.store.transitionPath(id, 'drain', this.#options.clock());
      if (!(await this.store.move(this.store.pendingPath(id), transition))) continue;
      const record = await this.#readRecord(transition);
      const task = record?.task;
      if (!task) {
        await this.store.move(transition, join(this.store.doneDir, `${id}.unreadable.json`));
        continue;
      }
      let submitted: Submitted;
      try {
        const files = await this.#readAttachments(task);
        // The same nonce every time this task is drained (and the one its first try used, if any): a post the
        // target took while its answer was lost is not doubled.
        const nonce = record.nonce ?? `l${task.messageId}`.slice(0, 25);
        submitted = await target.submit(task.rawText, { nonce, ...(files.length > 0 ? { files } : {}) });
      } catch (error) {
        await this.store.move(transition, this.store.pendingPath(id));
        if (isBusUnavailable(error)) throw error;
        report.failed.push({ taskId: id, error });
        continue;
      }
      const done: DoneRecord = {
        version: RECORD_VERSION,
        task,
        state: 'drained',
        finishedAt: this.#iso(),
        movedTo: { bus: target.name, taskId: submitted.taskId },
      };
      await this.store.writeJson(this.store.donePath(id), done);
      await this.store.remove(transition);
      report.moved.push({ from: id, to: submitted });
    }
    return report;
  }

  /** Mark the bus closed. Holds no handles or timers, so nothing else to release. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  async #ready(): Promise<void> {
    if (this.#closed) throw new Error('LocalBus is closed');
    await this.store.ensure();
  }

  #assertOwned(id: string): void {
    if (!this.owns(id)) throw new TypeError(`Expected a local task id (local-<digits>), got \`${id}\``);
  }

  #iso(): string {
    return new Date(this.#options.clock()).toISOString();
  }

  #taskRecord(task: Task): TaskRecord {
    return { version: RECORD_VERSION, task };
  }

  async #pendingIds(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await this.store.list(this.store.pendingDir)) {
      const id = taskIdOfFile(name);
      if (id) ids.push(id);
    }
    return ids.sort(compareLocalIds);
  }

  // The task in a record file; null when the file is gone or not a task record (reported as debug).
  async #readTask(path: string): Promise<Task | null> {
    return (await this.#readRecord(path))?.task ?? null;
  }

  async #readRecord(path: string): Promise<TaskRecord | null> {
    const read = await this.store.readJson(path);
    if (!read) return null;
    const record = 'value' in read ? parseTaskRecord(read.value) : null;
    if (!record) {
      this.emit('debug', `[local-bus] skipping unreadable task file ${path}`);
      return null;
    }
    return record;
  }

  async #readDone(taskId: string): Promise<DoneRecord | null> {
    if (!this.owns(taskId)) return null;
    await this.#ready();
    const read = await this.store.readJson(this.store.donePath(taskId));
    return read && 'value' in read ? parseDoneRecord(read.value) : null;
  }

  // True while the caller still holds the claim.
  async #holds(claim: Claim): Promise<boolean> {
    try {
      await this.#holderLease(claim);
      return true;
    } catch (error) {
      if (error instanceof LeaseLostError) return false;
      throw error;
    }
  }

  // The lease of a claim this caller still holds; LeaseLostError otherwise.
  async #holderLease(claim: Claim): Promise<LeaseRecord> {
    const id = claim.task.id;
    this.#assertOwned(id);
    const read = await this.store.readJson(this.store.leasePath(id));
    const lease = read && 'value' in read ? parseLeaseRecord(read.value) : null;
    if (!lease || lease.token !== claim.handle || !(await this.store.exists(this.store.claimedPath(id)))) {
      throw new LeaseLostError(`${claim.workerId} no longer holds ${id}`);
    }
    return lease;
  }

  async #storeAttachments(id: string, files: ReportFile[]): Promise<TaskAttachment[]> {
    const dir = this.store.attachmentsOf(id);
    const names = await this.store.writeFiles(dir, files);
    return names.map((filename, i) => ({
      filename,
      url: pathToFileURL(join(dir, filename)).href,
      size: files[i]?.data.length ?? 0,
    }));
  }

  async #readAttachments(task: Task): Promise<ReportFile[]> {
    const dir = this.store.attachmentsOf(task.id);
    const files: ReportFile[] = [];
    for (const attachment of task.attachments) {
      // Retries point at the first attempt's folder: read by URL, not by this task's id.
      const url = new URL(attachment.url);
      const path = url.protocol === 'file:' ? url : join(dir, attachment.filename);
      files.push({ name: attachment.filename, data: await readFile(path) });
    }
    return files;
  }

  async #sweepIfDue(): Promise<void> {
    const interval = this.#options.sweepIntervalMs;
    if (interval === 0 || this.#options.clock() - this.#lastSweepAt < interval) return;
    await this.sweepQueue();
  }

  async #sweep(leaseMs: number, nowOption: number | undefined): Promise<SweepReport> {
    const now = nowOption ?? this.#options.clock();
    this.#lastSweepAt = this.#options.clock();
    const report: SweepReport = { requeued: [], swept: [], recovered: 0 };
    const names = await this.store.list(this.store.claimedDir);
    const entries = names.map(parseClaimedName).filter((e) => e !== null);
    const claimed = new Set(entries.filter((e) => e.kind === 'claim').map((e) => e.id));
    const inTransition = new Set(entries.filter((e) => e.kind === 'transition').map((e) => e.id));

    for (const id of [...this.#leaselessSince.keys()]) if (!claimed.has(id)) this.#leaselessSince.delete(id);

    for (const entry of entries) {
      try {
        if (entry.kind === 'claim') {
          const stale = await this.#staleClaim(entry.id, now, leaseMs);
          if (!stale) continue;
          const retryDigits = this.#nextId();
          const transition = this.store.transitionPath(entry.id, `requeue-${retryDigits}`, now);
          if (!(await this.store.move(this.store.claimedPath(entry.id), transition))) continue;
          if ((await this.#staleClaim(entry.id, now, leaseMs)) === null) {
            // Renewed between our read and our rename: give it back to its holder.
            await this.store.move(transition, this.store.claimedPath(entry.id));
            continue;
          }
          this.#leaselessSince.delete(entry.id);
          const from = stale.workerId ?? 'unknown worker';
          const result = await this.#finishRequeue(
            transition,
            entry.id,
            retryDigits,
            stale.reason,
            undefined,
            false,
          );
          if (result.action === 'requeued') report.requeued.push({ from: entry.id, to: result.taskId });
          report.swept.push({ taskId: entry.id, from, reason: stale.reason, result });
        } else if (
          entry.kind === 'transition' &&
          now - entry.stampMs > this.#transitionTimeout(entry.op, leaseMs)
        ) {
          const result = await this.#recoverTransition(entry, now);
          report.recovered += 1;
          if (result?.action === 'requeued') report.requeued.push({ from: entry.id, to: result.taskId });
        } else if (entry.kind === 'lease' && !claimed.has(entry.id) && !inTransition.has(entry.id)) {
          // A lease whose claim is gone (written by a heartbeat that raced a sweep): drop it once stale.
          const read = await this.store.readJson(this.store.leasePath(entry.id));
          const lease = read && 'value' in read ? parseLeaseRecord(read.value) : null;
          if (!lease || now - lease.heartbeatAt > leaseMs)
            await this.store.remove(this.store.leasePath(entry.id));
        }
      } catch (error) {
        // One bad entry must not stop the sweep of the others.
        this.emit('debug', `[local-bus] sweep of ${entry.id} failed: ${errorMessage(error)}`);
      }
    }
    return report;
  }

  // How long a change may look unfinished before the sweeper takes it over. A drain waits on the other bus (rate
  // limits can hold a Discord post for a while), so it gets longer: taking it over too early would post it twice.
  #transitionTimeout(op: string, leaseMs: number): number {
    return op === 'drain' ? Math.max(leaseMs, DRAIN_TIMEOUT_MS) : leaseMs;
  }

  // Why a claim is abandoned (and who held it), or null while it is alive.
  async #staleClaim(
    id: string,
    now: number,
    leaseMs: number,
  ): Promise<{ reason: string; workerId?: string } | null> {
    const read = await this.store.readJson(this.store.leasePath(id));
    const lease = read && 'value' in read ? parseLeaseRecord(read.value) : null;
    if (lease) {
      if (now - lease.heartbeatAt <= leaseMs) return null;
      return {
        reason: `no heartbeat from ${lease.workerId} for ${Math.round((now - lease.heartbeatAt) / 1000)} s (presumed gone)`,
        workerId: lease.workerId,
      };
    }
    const since = this.#leaselessSince.get(id);
    if (since === undefined) {
      this.#leaselessSince.set(id, now);
      return null;
    }
    return now - since > leaseMs ? { reason: 'claimed but never renewed (the claiming process died)' } : null;
  }

  // Finish what a dead process started. Taking a transition over is itself a rename, so two sweepers never both do.
  async #recoverTransition(
    entry: Extract<ReturnType<typeof parseClaimedName>, { kind: 'transition' }>,
    now: number,
  ): Promise<HandBack | null> {
    const { id } = entry;
    const path = this.store.transitionPath(id, entry.op, entry.stampMs);
    this.emit('debug', `[local-bus] finishing an interrupted ${entry.op} of ${id}`);
    const finished = await this.store.exists(this.store.donePath(id));
    if (entry.op === 'drain') {
      if (finished) await this.store.remove(path);
      else await this.store.move(path, this.store.pendingPath(id));
      return null;
    }
    if (entry.op === 'complete' && finished) {
      await this.store.remove(path);
      await this.store.remove(this.store.leasePath(id));
      return null;
    }
    // An unfinished complete becomes a requeue; an unfinished requeue keeps its retry id (idempotent).
    const retryDigits = entry.requeueDigits ?? this.#nextId();
    const takeover = this.store.transitionPath(id, `requeue-${retryDigits}`, now);
    if (!(await this.store.move(path, takeover))) return null;
    const reason =
      entry.op === 'complete'
        ? 'the worker died while completing it'
        : 'requeue interrupted; finished by the sweeper';
    return this.#finishRequeue(takeover, id, retryDigits, reason, undefined, true);
  }

  // Write the retry (unless it already exists) and mark the old task released; or, on the last attempt, write the
  // FAILED report. Then remove the transition and lease.
  async #finishRequeue(
    transition: string,
    id: string,
    retryDigits: string,
    reason: string,
    workerId: string | undefined,
    recovering: boolean,
  ): Promise<HandBack> {
    const retryId = `local-${retryDigits}`;
    const task = await this.#readTask(transition);
    if (!task) throw new Error(`Cannot requeue ${id}: its task file is unreadable (${transition})`);
    const retryNumber = task.retry + 1;
    if (retryNumber >= this.#options.maxAttempts) {
      if (!(await this.store.exists(this.store.donePath(id)))) {
        const actor = workerId ?? 'local-sweeper';
        const report = this.#options.giveUp(task, actor, retryNumber, reason);
        await this.#writeCompleted(transition, task, actor, report);
      } else {
        await this.store.remove(transition);
        await this.store.remove(this.store.leasePath(id));
      }
      return { action: 'failed', taskId: id };
    }
    if (!recovering || !(await this.#knownAnywhere(retryId))) {
      const retry: Task = {
        ...task,
        id: retryId,
        messageId: retryDigits,
        rawText: this.#options.buildText({
          prompt: task.prompt,
          model: task.model,
          thinking: task.thinking,
          retry: retryNumber,
          origin: task.origin ?? task.id,
          parent: task.parent,
          depth: task.depth,
        }),
        retry: retryNumber,
        origin: task.origin ?? task.id,
        submittedAt: this.#iso(),
      };
      await this.store.writeJson(this.store.pendingPath(retryId), this.#taskRecord(retry));
    }
    if (!(await this.store.exists(this.store.donePath(id)))) {
      const done: DoneRecord = {
        version: RECORD_VERSION,
        task,
        state: 'released',
        finishedAt: this.#iso(),
        reason,
        requeuedAs: retryId,
      };
      if (workerId !== undefined) done.workerId = workerId;
      await this.store.writeJson(this.store.donePath(id), done);
    }
    await this.store.remove(transition);
    await this.store.remove(this.store.leasePath(id));
    this.emit('requeued', { from: id, to: retryId, reason });
    return { action: 'requeued', taskId: retryId };
  }

  async #knownAnywhere(id: string): Promise<boolean> {
    if (await this.store.exists(this.store.pendingPath(id))) return true;
    if (await this.store.exists(this.store.donePath(id))) return true;
    const names = await this.store.list(this.store.claimedDir);
    return names.some((name) => parseClaimedName(name)?.id === id);
  }
}
