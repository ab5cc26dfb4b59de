/**
 * `FallbackBus`: a primary bus (Discord) with a local fallback queue behind it, as one {@link Bus}. Like hono's
 * SmartRouter it is a composite of the same interface: each call tries the primary, and a `BusUnavailableError`
 * (by class/code, never by message) marks the primary down and sends the call to the fallback. While the primary
 * is down, the next call after every `probeIntervalMs` tries it again; the first success marks it up.
 *
 * Decisions that keep "nothing lost, nothing run twice":
 * - **A task belongs to the bus it was queued on**, decided by id (`fallback.owns(id)`: `local-…` ids). A claim,
 *   heartbeat, completion or release goes to that bus only, whatever the primary's state. A local claim is finished
 *   locally even after the primary is back; a primary claim is never finished in the local queue.
 * - **Completing or handing back a primary claim while the primary is down** throws the `BusUnavailableError`:
 *   the report is never written locally as if the task were local. The durable outbox that lets a worker move on
 *   instead of waiting (DESIGN §5) belongs to the caller; this bus only refuses to lose or misfile the report.
 * - **Claiming a primary task while the primary is down** returns null (as if another worker won): the worker
 *   polls again and gets local tasks.
 * - **`poll` with the primary up first drains** the local pending tasks into the primary (each exactly once,
 *   claim-by-rename inside `drainTo`), then returns the primary's tasks. Local tasks the primary refused for a
 *   reason other than unavailability stay local and are returned after the primary's tasks, so they still run.
 * - **`submit`** goes to the primary, or locally on `BusUnavailableError`; `Submitted.via` says which
 *   (`local` means the CLI should warn).
 * - **`findResult`** of a local id looks in the fallback, then follows a drained task to its primary id.
 * - **`sweep`** sweeps both: the primary (while it is up) and the local queue.
 * - A local result the primary refuses to publish (a 4xx) is set aside with a debug line; it never stops `poll`.
 * - `status` lines go to the primary, or to the local `worker-pool.log` while it is down.
 */
import { EventEmitter } from 'node:events';
import type {
  Bus,
  Claim,
  ClaimHold,
  CompleteOptions,
  Completion,
  HandBack,
  PushedTask,
  PurgeOptions,
  Requeued,
  SubmitOptions,
  Submitted,
  SweptTask,
} from './bus.js';
import type { TaskReport, WorkerStatus } from '../task/report.js';
import type { Task } from '../task/task.js';
import { errorMessage, isBusUnavailable, type BusUnavailableError } from '../lib/errors.js';
import { randomBytes } from 'node:crypto';
import type { DrainReport, FallbackQueue } from './fallback-queue.js';

/** Options for {@link FallbackBus}. */
export interface FallbackBusOptions {
  /**
   * While the primary is down, try it again on the first call at least this long after the last try.
   * @defaultValue 30_000
   */
  probeIntervalMs?: number;
  /**
   * The bus that posts drained local tasks to the primary's queue: the identity `submit` first tried, so Discord's
   * nonce check (per author) recognises a post it took while its answer was lost. Closed with this bus.
   * @defaultValue the primary
   */
  drainTarget?: Bus;
  /**
   * Current time in ms.
   * @defaultValue `Date.now`
   */
  clock?: () => number;
}

/** Defaults of {@link FallbackBusOptions}. */
export const DEFAULT_FALLBACK_BUS_OPTIONS = {
  probeIntervalMs: 30_000,
  clock: Date.now,
} as const satisfies Required<Omit<FallbackBusOptions, 'drainTarget'>>;

type ResolvedOptions = Required<Omit<FallbackBusOptions, 'drainTarget'>> &
  Pick<FallbackBusOptions, 'drainTarget'>;

/** Events a FallbackBus emits instead of logging. */
export interface FallbackBusEvents {
  /** The primary answered `BusUnavailableError`; calls go to the fallback until a probe succeeds. */
  'primary-down': [info: { error: BusUnavailableError; at: number }];
  /** A call to the primary succeeded after an outage. */
  'primary-up': [info: { at: number; downForMs: number }];
  /** Local tasks were moved to the primary. */
  drained: [report: DrainReport];
  /** Prefixed diagnostic text. */
  debug: [message: string];
}

/** Discord first, the local queue while Discord is unreachable. See the module comment for the rules. */
export class FallbackBus extends EventEmitter<FallbackBusEvents> implements Bus {
  /** Always `fallback`. */
  readonly name = 'fallback';
  readonly primary: Bus;
  readonly fallback: FallbackQueue;
  readonly #options: ResolvedOptions;
  #down = false;
  #downSince = 0;
  #lastProbeAt = 0;
  // Local ids the primary refused (not for unavailability): never offered to it again by this instance.
  readonly #undrainable = new Set<string>();
  // Local results the primary refused to publish (not for unavailability): not offered again by this instance.
  readonly #unpublishable = new Set<string>();
  #closing: Promise<void> | undefined;
  // Set at start and after each local completion: avoids reading the done folder on every poll.
  #mayHaveUnpublished = true;

  constructor(primary: Bus, fallback: FallbackQueue, options: FallbackBusOptions = {}) {
    super();
    const merged = { ...DEFAULT_FALLBACK_BUS_OPTIONS, ...options } as ResolvedOptions;
    const probe = merged.probeIntervalMs;
    if (!Number.isFinite(probe) || probe < 0) {
      throw new TypeError(
        `Expected \`probeIntervalMs\` to be a finite number >= 0, got \`${probe}\` (${typeof probe})`,
      );
    }
    this.primary = primary;
    this.fallback = fallback;
    this.#options = merged;
  }

  /** True while the primary is considered unreachable. */
  get primaryDown(): boolean {
    return this.#down;
  }

  /**
   * Queue on the primary; on `BusUnavailableError` queue locally (`via: 'local'`). Both get the same nonce: when
   * the primary took the post but its answer was lost, draining the local copy later reposts under that nonce and
   * the primary answers with the first post instead of a second one.
   */
  submit(text: string, options: SubmitOptions = {}): Promise<Submitted> {
    const withNonce = { ...options, nonce: options.nonce ?? randomNonce() };
    return this.#either(
      () => this.primary.submit(text, withNonce),
      () => this.fallback.submit(text, withNonce),
    );
  }

  /**
   * Primary up: drain local pending tasks into it, then return its tasks (plus local tasks it refused).
   * Primary down: the fallback's tasks.
   */
  async poll(): Promise<Task[]> {
    if (this.#primaryDue()) {
      try {
        const drained = await this.fallback.drainTo(this.#options.drainTarget ?? this.primary, {
          exclude: this.#undrainable,
        });
        this.#reportDrain(drained);
        await this.#publishLocalResults();
        const tasks = await this.primary.poll();
        this.#markUp();
        if (this.#undrainable.size === 0) return tasks;
        const stuck = (await this.fallback.poll()).filter((t) => this.#undrainable.has(t.id));
        return [...tasks, ...stuck];
      } catch (error) {
        if (!isBusUnavailable(error)) throw error;
        this.#markDown(error);
      }
    }
    return this.fallback.poll();
  }

  /**
   * Results of tasks run from the local queue during an outage go to the primary's results channel once it is
   * reachable, each exactly once across processes (publication claim + Discord nonce).
   */
  async #publishLocalResults(): Promise<void> {
    const fallback = this.fallback;
    const publish = this.primary.publish?.bind(this.primary);
    if (
      !publish ||
      !fallback.unpublishedReports ||
      !fallback.claimPublication ||
      !fallback.releasePublication
    )
      return;
    if (!this.#mayHaveUnpublished) return;
    const pending = await fallback.unpublishedReports();
    for (const { taskId, report } of pending) {
      if (this.#unpublishable.has(taskId)) continue;
      if (!(await fallback.claimPublication(taskId))) continue;
      try {
        await publish(report, taskId);
        this.emit('debug', `[fallback-bus] published local result of ${taskId}`);
      } catch (error) {
        await fallback.releasePublication(taskId);
        if (isBusUnavailable(error)) throw error;
        // Refused for good (a 4xx): one bad result must not stop every poll. It stays in the local results log.
        this.#unpublishable.add(taskId);
        this.emit(
          'debug',
          `[fallback-bus] ${this.primary.name} refused the local result of ${taskId}; it stays in the local results log: ${errorMessage(error)}`,
        );
      }
    }
    this.#mayHaveUnpublished = false;
  }

  /** Sweep the primary (while it is up; an outage is recorded) and the local queue. */
  async sweep(): Promise<SweptTask[]> {
    let swept: SweptTask[] = [];
    if (!this.#down) {
      try {
        swept = await this.primary.sweep();
      } catch (error) {
        if (!isBusUnavailable(error)) throw error;
        this.#markDown(error);
      }
    }
    return [...swept, ...(await this.fallback.sweep())];
  }

  /** The primary's claim pause, while it is up. */
  claimHold(): ClaimHold | null {
    return this.#down ? null : (this.primary.claimHold?.() ?? null);
  }

  /** The operator's requeue, on the primary (the local queue refuses nothing). */
  requeue(taskId: string): Promise<Requeued> {
    const requeue = this.primary.requeue?.bind(this.primary);
    if (!requeue) return Promise.reject(new TypeError(`${this.primary.name} has no requeue`));
    return this.#primaryOnly(() => requeue(taskId));
  }

  /** Claim on the task's own bus. A primary task while the primary is unavailable: null (try local tasks). */
  async claim(task: Task, workerId: string): Promise<Claim | null> {
    if (this.fallback.owns(task.id)) return this.fallback.claim(task, workerId);
    try {
      const claim = await this.primary.claim(task, workerId);
      this.#markUp();
      return claim;
    } catch (error) {
      if (!isBusUnavailable(error)) throw error;
      this.#markDown(error);
      return null;
    }
  }

  /** Renew on the claim's own bus; a primary outage is recorded and rethrown (the lease cannot be renewed). */
  async heartbeat(claim: Claim, progress: string): Promise<void> {
    if (this.fallback.owns(claim.task.id)) return this.fallback.heartbeat(claim, progress);
    try {
      await this.primary.heartbeat(claim, progress);
      this.#markUp();
    } catch (error) {
      if (isBusUnavailable(error)) this.#markDown(error);
      throw error;
    }
  }

  /**
   * Report on the claim's own bus. For a primary claim one try: an outage is recorded and rethrown, and the
   * worker's outbox keeps the report and delivers it later as a replay, so an outage never stalls a worker that
   * could be running local tasks.
   */
  complete(claim: Claim, report: TaskReport, options?: CompleteOptions): Promise<Completion> {
    if (this.fallback.owns(claim.task.id)) {
      this.#mayHaveUnpublished = true;
      return this.fallback.complete(claim, report, options);
    }
    return this.#primaryOnly(() => this.primary.complete(claim, report, options));
  }

  /** Hand back on the claim's own bus; for a primary claim one try, an outage recorded and rethrown. */
  handBack(claim: Claim, reason: string): Promise<HandBack> {
    if (this.fallback.owns(claim.task.id)) return this.fallback.handBack(claim, reason);
    return this.#primaryOnly(() => this.primary.handBack(claim, reason));
  }

  /**
   * Purge both queues: the primary (while it is up; an outage is recorded, so `primary-down` tells the caller it
   * was left as it was), then the local one (tasks queued there during an outage wait to be posted to the
   * primary, so they are waiting too).
   */
  async purge(options?: PurgeOptions): Promise<string[]> {
    const purge = this.primary.purge?.bind(this.primary);
    const primary = purge
      ? await this.#either(
          () => purge(options),
          async () => [],
        )
      : [];
    const local = (await this.fallback.purge?.(options)) ?? [];
    return [...primary, ...local];
  }

  /**
   * Status to the primary, or to the local log while it is down. A status is no probe: the primary's status may be
   * written in the background (Discord's status message is), so its success says nothing about the primary.
   */
  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    if (this.#down) return this.fallback.status(workerId, status, detail);
    try {
      await this.primary.status(workerId, status, detail);
    } catch (error) {
      if (!isBusUnavailable(error)) throw error;
      this.#markDown(error);
      await this.fallback.status(workerId, status, detail);
    }
  }

  /** A pushed task, checked by the primary (pushes come from it); null while the primary is down. */
  async offer(pushed: PushedTask): Promise<Task | null> {
    const offer = this.primary.offer?.bind(this.primary);
    if (!offer || this.#down) return null;
    try {
      const task = await offer(pushed);
      this.#markUp();
      return task;
    } catch (error) {
      if (!isBusUnavailable(error)) throw error;
      this.#markDown(error);
      return null;
    }
  }

  /**
   * A local id: the local result, else (if it was drained) the primary's result for its new id. Other ids: the
   * primary's answer; a primary outage is recorded and rethrown.
   */
  async findResult(taskId: string): Promise<string | null> {
    if (this.fallback.owns(taskId)) {
      const local = await this.fallback.findResult(taskId);
      if (local !== null) return local;
      const moved = await this.fallback.movedTo(taskId);
      if (!moved) return null;
      return this.#primaryOnly(() => this.primary.findResult(moved.taskId));
    }
    return this.#primaryOnly(() => this.primary.findResult(taskId));
  }

  /** Close both buses (each step catches its own error, reported as `debug`). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const drainer = this.#options.drainTarget;
      for (const bus of [
        this.primary,
        this.fallback,
        ...(drainer && drainer !== this.primary ? [drainer] : []),
      ]) {
        try {
          await bus.close();
        } catch (error) {
          this.emit('debug', `[fallback-bus] closing ${bus.name} failed: ${errorMessage(error)}`);
        }
      }
    })();
    return this.#closing;
  }

  // Whether this call should go to the primary: always while up; while down, once per probe interval.
  #primaryDue(): boolean {
    if (!this.#down) return true;
    const now = this.#options.clock();
    if (now - this.#lastProbeAt < this.#options.probeIntervalMs) return false;
    // Set before awaiting, so concurrent calls do not all probe.
    this.#lastProbeAt = now;
    this.emit('debug', '[fallback-bus] probing the primary');
    return true;
  }

  #markDown(error: BusUnavailableError): void {
    const now = this.#options.clock();
    this.#lastProbeAt = now;
    if (this.#down) return;
    this.#down = true;
    this.#downSince = now;
    this.emit('primary-down', { error, at: now });
  }

  #markUp(): void {
    if (!this.#down) return;
    const now = this.#options.clock();
    this.#down = false;
    this.emit('primary-up', { at: now, downForMs: now - this.#downSince });
  }

  #reportDrain(report: DrainReport): void {
    for (const failure of report.failed) {
      this.#undrainable.add(failure.taskId);
      this.emit(
        'debug',
        `[fallback-bus] ${this.primary.name} refused local task ${failure.taskId}; it stays local: ${errorMessage(failure.error)}`,
      );
    }
    if (report.moved.length > 0 || report.failed.length > 0) this.emit('drained', report);
  }

  async #either<T>(onPrimary: () => Promise<T>, onFallback: () => Promise<T>): Promise<T> {
    if (this.#primaryDue()) {
      try {
        const result = await onPrimary();
        this.#markUp();
        return result;
      } catch (error) {
        if (!isBusUnavailable(error)) throw error;
        this.#markDown(error);
      }
    }
    return onFallback();
  }

  async #primaryOnly<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.#markUp();
      return result;
    } catch (error) {
      if (isBusUnavailable(error)) this.#markDown(error);
      throw error;
    }
  }
}

// Discord allows nonces of up to 25 characters.
function randomNonce(): string {
  return `s${randomBytes(12).toString('hex')}`;
}
