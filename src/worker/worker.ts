/**
 * The worker loop: poll, claim, run, report. One task at a time; a fresh agent process and session for every task.
 * By default the worker exits after a task (the seed's clean-restart design) and the manager starts a fresh one;
 * `keepAlive` stays up instead. The lease on a running task is kept by a {@link LeaseManager}; what a claim's life
 * means on the backend (hand-backs, late reports, sweeps) is the bus's business.
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentResult } from '../agent/runner.js';
import type { AgentUsage } from '../task/usage.js';
import { failureResult } from '../agent/result.js';
import type { Claim, ClaimHold, CompleteOptions, HandBack, SweptTask } from '../bus/bus.js';
import type { TaskReport, WorkerStatus } from '../task/report.js';
import { AppError, DiscordApiError, errorMessage } from '../lib/errors.js';
import { jitter, sleep } from '../lib/sleep.js';
import { formatReport, type ChildrenCost } from '../task/format.js';
import { DELEGATE_FILE_NAME } from '../task/delegation.js';
import { DelegationBroker } from './delegation/broker.js';
import { resolveModel, resolveThinking } from '../task/models.js';
import type { Task, ThinkingLevel } from '../task/task.js';
import {
  DEFAULT_STOP_GRACE_MS,
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerOptions,
} from './options.js';
import { Outbox } from './outbox.js';
import { CLAIM_SPREAD, spreadHead } from './claim-order.js';
import { LeaseManager } from './lease-manager.js';
import { SweepSchedule } from './sweep-schedule.js';
import { attachableFiles, prepareWorkspace, type Workspace } from './workspace.js';
import { cleanResult } from './clean-result.js';

/** The READY line's detail; the same text every time, so a status message that shows it needs no edit. */
const READY_DETAIL = 'Online and waiting';

/** Why {@link Worker.run} returned. */
export type WorkerExit = 'restart' | 'idle' | 'stopped' | 'once';

/** Events a worker emits instead of logging. */
export interface WorkerEvents {
  status: [status: WorkerStatus, detail: string];
  claimed: [claim: Claim];
  finished: [
    info: {
      claim: Claim;
      outcome: 'SUCCESS' | 'FAILED';
      costUsd: number;
      durationMs: number;
      /** What the run used, when an agent ran. */
      usage?: AgentUsage;
    },
  ];
  /** The worker no longer holds the claim and did not report it (handed back, lost, superseded). */
  released: [info: { claim: Claim; reason: string }];
  /** An abandoned claim of another worker was dealt with by this worker's sweep. */
  swept: [info: SweptTask];
  /** A recoverable problem (bus unreachable, a status post failed). */
  warning: [message: string];
  debug: [message: string];
}

/** One task's run, ready to report: what ran (or why nothing ran) and its result. */
export interface TaskRun {
  task: Task;
  prompt: string;
  requestedModel: string;
  thinking: ThinkingLevel;
  result: AgentResult;
  ws: Workspace | null;
  /** What the tasks it delegated cost, when it delegated any. */
  children?: ChildrenCost;
}

/** What {@link Worker}'s execution of a claim came to. */
export type Execution =
  /** Report it: the agent ran (successfully or not), or the task could never run (bad tags, no workspace). */
  | { kind: 'report'; run: TaskRun }
  /** The worker is stopping before the task finished: hand it back. */
  | { kind: 'hand-back'; reason: string }
  /** Another party handed the claim back (or closed it) while it ran: report nothing. */
  | { kind: 'lease-lost'; reason: string };

/** One worker. Create it, call {@link run}, call {@link stop} or {@link close} to end it. */
export class Worker extends EventEmitter<WorkerEvents> {
  readonly #o: ResolvedWorkerOptions;
  readonly #outbox: Outbox;
  readonly #sweeps: SweepSchedule;
  readonly #stopController = new AbortController();
  #agentController: AbortController | null = null;
  #current: Claim | null = null;
  #running: Promise<WorkerExit> | null = null;
  #closing: Promise<void> | null = null;
  #graceTimer: NodeJS.Timeout | null = null;
  /** A report is waiting in the outbox (Discord was down when it was due). */
  #outboxDirty = true;
  #nextFlushAt = 0;
  #sweeping: Promise<void> | null = null;
  #graceEnds = Infinity;
  /** Why this worker stopped claiming for good (a report Discord refuses), or null. */
  #blocked: string | null = null;
  #shownHold: string | null = null;
  #lastPollAt = Number.NEGATIVE_INFINITY;
  #pollJitter = 1;
  #seenEpoch = 0;
  #sawLive = false;
  /** The last poll offered more tasks than the one claimed. */
  #backlog = false;

  constructor(options: WorkerOptions) {
    super();
    this.#o = resolveWorkerOptions(options);
    this.#outbox = new Outbox(this.#o.runtimeDir, this.#o.workerId);
    this.#sweeps = new SweepSchedule({
      runtimeDir: this.#o.runtimeDir,
      intervalMs: this.#o.sweepIntervalMs,
      now: this.#o.now,
      random: this.#o.random,
    });
  }

  /** The claim being worked on, if any. */
  get current(): Claim | null {
    return this.#current;
  }

  /** Run until idle, stopped, or (without keepAlive) one task is done. Guarded: a second call throws. */
  run(): Promise<WorkerExit> {
    if (this.#running) return Promise.reject(new Error('Worker.run() is already running'));
    this.#running = (async () => {
      try {
        return await this.#loop();
      } finally {
        // One last try, so a report held through an outage is not left behind when Discord is back by now.
        if (this.#outboxDirty) await this.#flushOutbox();
        await this.#sweeping;
      }
    })();
    return this.#running;
  }

  /**
   * Stop and wait until the worker is done: graceful (a running task may finish within `graceMs`, else it is
   * handed back) or `force` (hand it back at once). Memoized: every call gets the same promise; a later `force`
   * still cuts a graceful close short.
   */
  close(force = false, graceMs = 30_000): Promise<void> {
    this.stop(force ? 0 : graceMs);
    this.#closing ??= (async () => {
      // Only waits for the loop to end: how it ended (an error included) is for whoever called run().
      await this.#running?.catch(() => undefined);
    })();
    return this.#closing;
  }

  async #loop(): Promise<WorkerExit> {
    const o = this.#o;
    const stop = this.#stopController.signal;
    await this.#flushOutbox();
    await this.#status('READY', READY_DETAIL);
    let lastWork = o.now();
    let failures = 0;
    let noted: string | null = null;
    while (!stop.aborted) {
      if (this.#outboxDirty && o.now() >= this.#nextFlushAt) await this.#flushOutbox();
      const blocker = this.#blocked ?? (await o.cost.claimBlocker());
      if (blocker) {
        if (noted !== blocker)
          await this.#status(this.#blocked ? 'ERROR' : 'BUDGET', `Not claiming: ${blocker}`);
        noted = blocker;
        // `once` means one pass: a blocked worker has nothing to do, and with maxIdleMs 0 would wait forever.
        if (o.once) return 'once';
      } else {
        noted = null;
        let claim: { claim: Claim; sentAt: number } | null;
        try {
          claim = await this.#claimNext();
          failures = 0;
        } catch (error) {
          failures++;
          // The next try polls again (after the backoff), whatever the interval says.
          this.#lastPollAt = Number.NEGATIVE_INFINITY;
          const wait = Math.min(o.maxBackoffMs, o.pollIntervalMs * 2 ** Math.min(failures, 6));
          this.emit(
            'warning',
            `poll/claim failed ${failures} time(s) in a row (${this.#o.describeError(error)}); retrying in ~${Math.round(wait / 1000)} s`,
          );
          // A known failure (Discord refusing, the bus down, a bad file) is waited out, never a crash loop; only
          // what is not ours (a bug) ends the worker after a few tries. A rejected token fails every request the
          // same way until the config changes: end now, saying so.
          if (!(error instanceof AppError) && failures >= 5) throw error;
          if (error instanceof DiscordApiError && error.status === 401) throw error;
          await sleep(jitter(wait, 0.8, 1.2, o.random), stop).catch(() => undefined);
          continue;
        }
        await this.#showHold();
        if (claim) {
          await this.#work(claim.claim, claim.sentAt);
          lastWork = o.now();
          // A stop during the task ends the worker as 'stopped', not as a clean 'restart' the manager would relaunch.
          if (stop.aborted) break;
          // Tasks shorter than a heartbeat never tick the lease timer: a fleet busy with them still sweeps here.
          await this.#sweepIfDue();
          if (!o.keepAlive) {
            await this.#status('RESTARTING', 'Task done; restarting for a clean context');
            return 'restart';
          }
          await this.#status('READY', READY_DETAIL);
          continue;
        }
        await this.#sweepIfDue();
        if (o.once) return 'once';
      }
      if (o.maxIdleMs > 0 && o.now() - lastWork >= o.maxIdleMs) {
        await this.#status('IDLE', `No task for ${Math.round(o.maxIdleMs / 1000)} s; exiting`);
        return 'idle';
      }
      await this.#waitForWork(stop, o.maxIdleMs > 0 ? lastWork + o.maxIdleMs : Infinity);
    }
    await this.#status('STOPPING', 'Stopped');
    return 'stopped';
  }

  /**
   * Stop claiming. A running task may finish within `graceMs`; after that its agent is killed and the task is
   * handed back. `graceMs` 0 hands it back at once (emergency stop).
   */
  stop(graceMs = DEFAULT_STOP_GRACE_MS): void {
    if (!this.#stopController.signal.aborted) this.#stopController.abort(new Error('worker stopping'));
    // A later, shorter stop (the emergency stop after a graceful one) must still cut the grace period short.
    const ends = this.#o.now() + graceMs;
    if (ends < this.#graceEnds) {
      this.#graceEnds = ends;
      this.#armGrace();
    }
  }

  // Kill the running agent when the grace period ends. Also called when a task starts: a stop can land while the
  // claim request is in flight, before there is an agent to kill.
  #armGrace(): void {
    const controller = this.#agentController;
    if (!controller || this.#graceEnds === Infinity) return;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    const wait = Math.max(0, this.#graceEnds - this.#o.now());
    this.#graceTimer = setTimeout(() => controller.abort(new Error('shutdown grace period over')), wait);
    this.#graceTimer.unref();
  }

  /**
   * About every `sweepIntervalMs` per machine (the schedule survives restarts), busy or idle: hand back claims whose
   * holder went silent for longer than the lease (its machine is gone, so no manager will). Errors only delay it.
   */
  #sweepIfDue(): Promise<void> {
    this.#sweeping ??= (async () => {
      try {
        if (!(await this.#sweeps.take())) return;
        for (const swept of await this.#o.bus.sweep()) this.emit('swept', swept);
      } catch (error) {
        this.emit('warning', `sweep failed: ${this.#o.describeError(error)}`);
      }
    })().finally(() => (this.#sweeping = null));
    return this.#sweeping;
  }

  // The claim won, and when its request was sent (monotonic): the claim is at most that old. Pushed tasks first
  // (claiming them needs no poll), then a poll when one is due.
  async #claimNext(): Promise<{ claim: Claim; sentAt: number } | null> {
    const { bus, push } = this.#o;
    if (push && bus.offer) {
      for (let pushed = push.take(); pushed; pushed = push.take()) {
        if (this.#stopController.signal.aborted || bus.claimHold?.()) return null;
        const task = await bus.offer(pushed);
        if (!task) continue;
        const sentAt = this.#o.monotonic();
        const claim = await bus.claim(task, this.#o.workerId);
        if (claim) return { claim, sentAt };
      }
    }
    if (!this.#pollDue()) return null;
    this.#lastPollAt = this.#o.now();
    // Each wait is drawn between 0.6× and 1.6× of the interval, as in the seed, so workers do not synchronise.
    this.#pollJitter = 0.6 + this.#o.random();
    this.#seenEpoch = push?.epoch ?? 0;
    this.#sawLive = push?.live ?? false;
    const tasks = spreadHead(await bus.poll(), CLAIM_SPREAD, this.#o.random);
    this.#backlog = false;
    for (const [i, task] of tasks.entries()) {
      if (this.#stopController.signal.aborted) return null;
      if (this.#o.bus.claimHold?.()) break;
      const sentAt = this.#o.monotonic();
      const claim = await this.#o.bus.claim(task, this.#o.workerId);
      // More were waiting: poll again as soon as this one is done (a backlog is never pushed again).
      if (claim) {
        this.#backlog = i < tasks.length - 1;
        return { claim, sentAt };
      }
    }
    return null;
  }

  // A poll is due: always for `once`, at start, and while the last poll left a backlog; when the push source came
  // (back) up or may have missed pushes (a new session); else once the current interval (slow while pushes arrive,
  // POLL_INTERVAL otherwise) has passed.
  #pollDue(): boolean {
    const push = this.#o.push;
    if (this.#o.once || this.#backlog || this.#lastPollAt === Number.NEGATIVE_INFINITY) return true;
    if (push?.live && (!this.#sawLive || push.epoch !== this.#seenEpoch)) return true;
    return this.#o.now() - this.#lastPollAt >= this.#pollWaitMs();
  }

  #pollWaitMs(): number {
    const o = this.#o;
    return this.#pollJitter * (o.push?.live ? o.pushPollIntervalMs : o.pollIntervalMs);
  }

  // Sleep until the next poll is due, a push arrives (or the source goes up or down), the worker stops, or `until`.
  async #waitForWork(stop: AbortSignal, until: number): Promise<void> {
    const o = this.#o;
    const wait = Math.max(0, Math.min(this.#lastPollAt + this.#pollWaitMs(), until) - o.now());
    const push = o.push;
    if (!push) {
      await sleep(wait, stop).catch(() => undefined);
      return;
    }
    push.waiting?.();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        stop.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, wait);
      const off = push.onChange(done);
      stop.addEventListener('abort', done, { once: true });
      if (stop.aborted) done();
    });
  }

  // Say in the status line when the bus pauses claims (a long rate limit, the thread cap), and when that ends.
  async #showHold(): Promise<void> {
    const hold: ClaimHold | null = this.#o.bus.claimHold?.() ?? null;
    const key = hold ? `${hold.status}:${hold.detail}:${hold.until ?? ''}` : null;
    if (key === this.#shownHold) return;
    const was = this.#shownHold;
    this.#shownHold = key;
    if (hold) {
      const until = hold.until ? ` until ${new Date(hold.until).toISOString()}` : '';
      await this.#status(hold.status, `Not claiming${until}: ${hold.detail}`);
    } else if (was) await this.#status('READY', 'Claiming again');
  }

  async #work(claim: Claim, wonAt: number): Promise<void> {
    const o = this.#o;
    this.#current = claim;
    this.emit('claimed', claim);
    await this.#status('CLAIMED', `Working on ${claim.task.id}`);
    const started = o.now();
    const agentController = new AbortController();
    this.#agentController = agentController;
    this.#armGrace();
    const lease = new LeaseManager({
      bus: o.bus,
      claim,
      intervalMs: o.heartbeatMs,
      leaseMs: o.leaseMs,
      wonAt,
      monotonic: o.monotonic,
      progress: () =>
        `⏳ Running on **${o.workerId}** · ${Math.round((o.now() - started) / 1000)} s elapsed · runner ${o.runner.name}`,
    });
    lease.on('lost', (error) => {
      // Cancelled, or handed back by another worker (it thought this worker was gone): stop, report nothing.
      agentController.abort(error);
      this.emit('warning', `stopping the agent: ${errorMessage(error)}`);
    });
    lease.on('failed', (error) => this.emit('warning', `heartbeat failed: ${this.#o.describeError(error)}`));
    // Busy workers sweep too: an abandoned claim is handed back about one lease after it went silent.
    lease.on('tick', () => void this.#sweepIfDue());
    lease.start();
    try {
      const execution = await this.#execute(claim, agentController.signal, lease);
      await lease.stop();
      if (execution.kind === 'report') await this.#deliver(claim, execution.run, { fresh: lease.fresh() });
      else if (execution.kind === 'hand-back') await this.#handBack(claim, execution.reason);
      else {
        this.emit('warning', `${execution.reason}; this run's result is dropped`);
        this.emit('released', { claim, reason: execution.reason });
      }
    } catch (error) {
      await lease.stop();
      // A bug or an unexpected I/O failure after the claim: hand the task back rather than strand it.
      this.emit('warning', `task ${claim.task.id} failed inside the worker: ${errorMessage(error)}`);
      await this.#handBack(claim, `worker error: ${errorMessage(error)}`);
    } finally {
      if (this.#graceTimer) clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
      this.#agentController = null;
      this.#current = null;
    }
  }

  /** Validate, prepare, run. Every "never ran" result is built by {@link #neverRan}. */
  async #execute(claim: Claim, signal: AbortSignal, lease: LeaseManager): Promise<Execution> {
    const o = this.#o;
    const task = claim.task;
    const thinking = resolveThinking(task.thinking, o.models.defaultThinking);
    const level: ThinkingLevel = thinking.ok ? thinking.level : o.models.defaultThinking;
    const requestedModel = task.model ?? o.models.defaultModel;
    let prompt: string;
    try {
      prompt = await this.#promptOf(task);
    } catch (error) {
      return this.#neverRan(
        task,
        task.prompt,
        requestedModel,
        level,
        `could not read the task: ${errorMessage(error)}`,
      );
    }
    const model = resolveModel(task.model, o.models);
    const problems = [
      ...(task.tagErrors ?? []),
      ...(model.ok ? [] : [model.error]),
      ...(thinking.ok ? [] : [thinking.error]),
      ...(prompt.length > o.maxPromptChars
        ? [`task is ${prompt.length} characters; the limit is ${o.maxPromptChars}`]
        : []),
      ...(prompt.trim() === '' ? ['task is empty'] : []),
    ];
    if (problems.length > 0 || !model.ok)
      return this.#neverRan(task, prompt, requestedModel, level, problems.join('; '));
    let ws: Workspace;
    try {
      ws = await prepareWorkspace({ workDir: o.workDir, workerId: o.workerId, task, prompt, fetch: o.fetch });
    } catch (error) {
      return this.#neverRan(
        task,
        prompt,
        model.model,
        level,
        `could not prepare workspace: ${errorMessage(error)}`,
      );
    }
    const broker = o.delegation
      ? new DelegationBroker({
          parent: task,
          maxDepth: o.delegation.maxDepth,
          models: o.models,
          bus: o.bus,
          discord: o.delegation.discord,
          workerId: o.workerId,
        })
      : null;
    let result: AgentResult;
    let children: ChildrenCost | undefined;
    try {
      const url = await broker?.start();
      const delegation = o.delegation
        ? { depth: task.depth ?? 0, maxDepth: o.delegation.maxDepth, ...(url ? { url } : {}) }
        : undefined;
      // Also as a file: an agent whose tools do not get the task's environment (OpenClaw's Gateway) finds it there.
      if (delegation)
        await writeFile(
          join(ws.dir, DELEGATE_FILE_NAME),
          JSON.stringify({ taskId: task.id, ...delegation }),
          { mode: 0o600 },
        );
      result = await o.runner.run(
        {
          taskId: task.id,
          prompt,
          model: model.model,
          thinking: level,
          workspace: ws.dir,
          timeoutMs: o.taskTimeoutMs,
          sessionId: `${o.workerId}-${task.id}`,
          workerId: o.workerId,
          ...(delegation ? { delegation } : {}),
        },
        signal,
      );
      children = await broker?.childrenCost().catch((error: unknown) => {
        this.emit('warning', `could not read ${task.id}'s children's results: ${errorMessage(error)}`);
        return undefined;
      });
    } finally {
      await broker?.close();
    }
    if (lease.lost) return { kind: 'lease-lost', reason: errorMessage(lease.signal.reason) };
    if (signal.aborted && this.#stopController.signal.aborted)
      return { kind: 'hand-back', reason: 'worker stopped before the task finished' };
    // The copy on disk is for people; the report carries the result either way, so a failed write only warns.
    await writeFile(join(ws.dir, 'RESULT.txt'), result.text).catch((error: unknown) =>
      this.emit('warning', `could not write RESULT.txt for ${task.id}: ${errorMessage(error)}`),
    );
    return {
      kind: 'report',
      run: {
        task,
        prompt,
        requestedModel: model.model,
        thinking: level,
        result,
        ws,
        ...(children ? { children } : {}),
      },
    };
  }

  /** A FAILED run for a task that never ran: the one place such results are built. */
  #neverRan(
    task: Task,
    prompt: string,
    requestedModel: string,
    thinking: ThinkingLevel,
    error: string,
  ): Execution {
    const result = failureResult(error, { model: requestedModel });
    return { kind: 'report', run: { task, prompt, requestedModel, thinking, result, ws: null } };
  }

  async #deliver(claim: Claim, run: TaskRun, options: CompleteOptions): Promise<void> {
    const o = this.#o;
    const { ws } = run;
    // Everything from the agent is redacted once, here: the report, the ledger and the events all use this copy.
    const result = cleanResult(run.result, o.redact);
    const cost = o.cost.costOf(result);
    const notes = [...result.notes];
    if (!cost.known && result.ok) notes.push(`no price known for ${result.model}; cost shown as $0`);
    const over = o.cost.overTaskLimit(cost.costUsd);
    if (over) notes.push(over);
    const attached = ws ? await attachableFiles(ws, o.redact) : { files: [], notes: [] };
    const files = attached.files;
    notes.push(...attached.notes);
    const outcome = result.ok ? 'SUCCESS' : 'FAILED';
    const report = formatReport({
      outcome,
      taskId: run.task.id,
      workerId: o.workerId,
      model: result.model,
      requestedModel: run.requestedModel,
      thinking: run.thinking,
      usage: result.usage,
      costUsd: cost.costUsd,
      prompt: run.prompt,
      text: result.text,
      error: result.error,
      notes,
      durationMs: result.durationMs,
      workspace: ws?.display ?? '(not created)',
      ...(o.machine ? { machine: o.machine } : {}),
      files,
      redact: o.redact,
      ...(run.task.parent ? { parent: run.task.parent } : {}),
      ...(run.children ? { children: run.children } : {}),
    });
    await o.cost
      .record({
        ts: new Date(o.now()).toISOString(),
        taskId: run.task.id,
        workerId: o.workerId,
        model: result.model,
        outcome,
        usage: result.usage,
        costUsd: cost.costUsd,
        durationMs: result.durationMs,
      })
      .catch((e: unknown) => this.emit('warning', `ledger write failed: ${errorMessage(e)}`));
    await this.#sendReport(claim, report, options, {
      outcome,
      costUsd: cost.costUsd,
      durationMs: result.durationMs,
      usage: result.usage,
    });
  }

  /**
   * Deliver through the outbox: persisted first, sent once now. Transport trouble keeps it for a retry between
   * polls (the worker keeps running local tasks meanwhile); a refusal sets it aside, and a 403 stops claiming: every
   * later report would be refused the same way.
   */
  async #sendReport(
    claim: Claim,
    report: TaskReport,
    options: CompleteOptions,
    info: { outcome: 'SUCCESS' | 'FAILED'; costUsd: number; durationMs: number; usage?: AgentUsage },
  ): Promise<void> {
    const delivery = await this.#outbox.send(this.#o.bus, claim, report, options);
    if (delivery.status === 'delivered') {
      const done = delivery.completion;
      if (done.outcome === 'superseded') {
        this.emit('warning', `report for ${claim.task.id} dropped: ${done.reason}`);
        this.emit('released', { claim, reason: done.reason });
        return;
      }
      if (done.late)
        this.emit('warning', `${claim.task.id} was handed back while running; reported as ${done.taskId}`);
      this.emit('finished', { claim, ...info });
      return;
    }
    const transient = delivery.status === 'kept';
    this.emit(
      'warning',
      `report for ${claim.task.id} ${transient ? 'kept in the outbox, will retry' : 'set aside in the outbox (not retried)'}: ${this.#o.describeError(delivery.error)}`,
    );
    if (transient) {
      this.#outboxDirty = true;
      this.#nextFlushAt = this.#o.now() + this.#o.outboxRetryMs;
    } else this.#noteRefusal(delivery.error);
    // The report is the outbox's now; the claim is no longer this run's to hand back.
    this.emit('finished', { claim, ...info });
  }

  // A 403 on a report: the bot lacks a permission. Every later report would fail the same way: stop claiming.
  #noteRefusal(error: unknown): void {
    if (error instanceof DiscordApiError && error.status === 403 && !this.#blocked)
      this.#blocked =
        `Discord refused a report (403: ${error.message}); the bot lacks a permission in #results or #task-queue. ` +
        'Fix it (dorch doctor lists what is missing) and restart the worker';
  }

  async #flushOutbox(): Promise<void> {
    try {
      const flushed = await this.#outbox.flush(this.#o.bus);
      this.#outboxDirty = false;
      for (const { taskId, completion } of flushed.delivered)
        this.emit(
          'debug',
          `[worker] outbox: ${taskId} ${completion.outcome === 'reported' ? `reported as ${completion.taskId}` : `dropped (${completion.reason})`}`,
        );
      for (const { taskId, error } of flushed.setAside) {
        this.emit(
          'warning',
          `outbox: the report for ${taskId} was set aside (not retried): ${this.#o.describeError(error)}`,
        );
        this.#noteRefusal(error);
      }
    } catch (error) {
      this.#nextFlushAt = this.#o.now() + this.#o.outboxRetryMs;
      this.emit('warning', `outbox not delivered yet: ${this.#o.describeError(error)}`);
    }
  }

  async #handBack(claim: Claim, reason: string): Promise<void> {
    let result: HandBack;
    try {
      result = await this.#o.bus.handBack(claim, reason);
    } catch (error) {
      this.emit('warning', `could not hand back ${claim.task.id}: ${this.#o.describeError(error)}`);
      return;
    }
    // Out of attempts, the bus reported it FAILED: say so, or the manager still thinks the claim is held and
    // recovers (reports) the task a second time when this process exits.
    if (result.action === 'failed')
      this.emit('finished', { claim, outcome: 'FAILED', costUsd: 0, durationMs: 0 });
    else
      this.emit('released', {
        claim,
        reason:
          result.action === 'requeued'
            ? `${reason} (requeued as ${result.taskId})`
            : `${reason}; ${result.reason}`,
      });
  }

  /**
   * A task too long for one Discord message arrives as a `TASK.txt` attachment, which then is the whole prompt
   * (the message text is only a preview with the tags).
   */
  async #promptOf(task: Task): Promise<string> {
    const file = task.attachments.find((a) => a.filename === 'TASK.txt');
    if (!file) return task.prompt;
    const response = await this.#o.fetch(file.url);
    if (!response.ok) throw new Error(`could not download TASK.txt: HTTP ${response.status}`);
    return response.text();
  }

  async #status(status: WorkerStatus, detail: string): Promise<void> {
    this.emit('status', status, detail);
    const machine = this.#o.machine;
    try {
      await this.#o.bus.status(this.#o.workerId, status, machine ? `${detail} (on ${machine})` : detail);
    } catch (error) {
      this.emit('warning', `status ${status} not posted: ${this.#o.describeError(error)}`);
    }
  }
}
