/**
 * The worker loop: poll, claim, run, report, heartbeat. One task at a time; a fresh agent process and session
 * for every task. By default the worker exits after a task (the seed's clean-restart design) and the manager
 * starts a fresh one; `keepAlive` stays up instead.
 */
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentResult } from '../agent/runner.js';
import { failureResult } from '../agent/result.js';
import type { Claim, WorkerStatus } from '../bus/bus.js';
import { BusUnavailableError, LeaseLostError, RateLimitedError, errorMessage } from '../lib/errors.js';
import { jitter, sleep } from '../lib/sleep.js';
import { formatReport } from '../task/format.js';
import { resolveModel, resolveThinking } from '../task/models.js';
import type { Task, ThinkingLevel } from '../task/task.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { Outbox } from './outbox.js';
import { CLAIM_SPREAD, spreadHead } from './claim-order.js';

import { abandonTask } from './abandon.js';
import { attachableFiles, prepareWorkspace, type Workspace } from './workspace.js';
import { cleanResult } from './clean-result.js';

/** Why {@link Worker.run} returned. */
export type WorkerExit = 'restart' | 'idle' | 'stopped' | 'once';

/** Events a worker emits instead of logging. */
export interface WorkerEvents {
  status: [status: WorkerStatus, detail: string];
  claimed: [claim: Claim];
  finished: [info: { claim: Claim; outcome: 'SUCCESS' | 'FAILED'; costUsd: number; durationMs: number }];
  released: [info: { claim: Claim; reason: string }];
  /** An abandoned claim of another worker was handed back by this worker's sweeper. */
  swept: [info: { taskId: string; from: string; action: 'requeued' | 'failed' | 'taken'; reason: string }];
  /** A recoverable problem (bus unreachable, a status post failed). */
  warning: [message: string];
  debug: [message: string];
}

/** One worker. Create it, call {@link run}, call {@link stop} to end it gracefully. */
export class Worker extends EventEmitter<WorkerEvents> {
  readonly #o: ResolvedWorkerOptions;
  readonly #outbox: Outbox;
  readonly #stopController = new AbortController();
  #agentController: AbortController | null = null;
  #current: Claim | null = null;
  #running = false;
  #graceTimer: NodeJS.Timeout | null = null;
  /** A report is waiting in the outbox (Discord was down when it was due). */
  #outboxDirty = true;
  #nextFlushAt = 0;
  #nextSweepAt = 0;
  /** The current claim was handed back by someone else (see heartbeat). */
  #leaseLost = false;
  #graceEnds = Infinity;

  constructor(options: WorkerOptions) {
    super();
    this.#o = resolveWorkerOptions(options);
    this.#outbox = new Outbox(this.#o.runtimeDir, this.#o.workerId);
  }

  /** The claim being worked on, if any. */
  get current(): Claim | null {
    return this.#current;
  }

  /** Run until idle, stopped, or (without keepAlive) one task is done. Guarded: a second call throws. */
  async run(): Promise<WorkerExit> {
    if (this.#running) throw new Error('Worker.run() is already running');
    this.#running = true;
    try {
      return await this.#loop();
    } finally {
      // One last try, so a report held through an outage is not left behind when Discord is back by now.
      if (this.#outboxDirty) await this.#flushOutbox();
    }
  }

  async #loop(): Promise<WorkerExit> {
    const o = this.#o;
    const stop = this.#stopController.signal;
    await this.#flushOutbox();
    await this.#status('READY', 'Online and waiting');
    // Sweeping is for workers that stay idle: the first sweep comes one interval after start.
    this.#nextSweepAt = o.now() + jitter(o.sweepIntervalMs, 0.8, 1.2, o.random);
    let lastWork = o.now();
    let failures = 0;
    let budgetNoted = false;
    while (!stop.aborted) {
      if (this.#outboxDirty && o.now() >= this.#nextFlushAt) await this.#flushOutbox();
      const blocker = await o.cost.claimBlocker();
      if (blocker) {
        if (!budgetNoted) await this.#status('BUDGET', `Not claiming: ${blocker}`);
        budgetNoted = true;
        // `once` means one pass: a blocked worker has nothing to do, and with maxIdleMs 0 would wait forever.
        if (o.once) return 'once';
      } else {
        budgetNoted = false;
        let claim: Claim | null;
        try {
          claim = await this.#claimNext();
          failures = 0;
        } catch (error) {
          failures++;
          const wait = Math.min(o.maxBackoffMs, o.pollIntervalMs * 2 ** Math.min(failures, 6));
          this.emit(
            'warning',
            `poll/claim failed (${errorMessage(error)}); retrying in ~${Math.round(wait / 1000)} s`,
          );
          if (!(error instanceof BusUnavailableError || error instanceof RateLimitedError) && failures >= 5)
            throw error;
          await sleep(jitter(wait, 0.8, 1.2, o.random), stop).catch(() => undefined);
          continue;
        }
        if (claim) {
          await this.#work(claim);
          lastWork = o.now();
          // A stop during the task ends the worker as 'stopped', not as a clean 'restart' the manager would relaunch.
          if (stop.aborted) break;
          if (!o.keepAlive) {
            await this.#status('RESTARTING', 'Task done; restarting for a clean context');
            return 'restart';
          }
          continue;
        }
        await this.#sweepIfDue();
        if (o.once) return 'once';
      }
      if (o.maxIdleMs > 0 && o.now() - lastWork >= o.maxIdleMs) {
        await this.#status('IDLE', `No task for ${Math.round(o.maxIdleMs / 1000)} s; exiting`);
        return 'idle';
      }
      await sleep(jitter(o.pollIntervalMs, 0.6, 1.6, o.random), stop).catch(() => undefined);
    }
    await this.#status('STOPPING', 'Stopped');
    return 'stopped';
  }

  /**
   * Stop claiming. A running task may finish within `graceMs`; after that its agent is killed and the task is
   * released (requeued). `graceMs` 0 releases at once (emergency stop).
   */
  stop(graceMs = 30_000): void {
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
   * While idle, at most every `sweepIntervalMs`: hand back tasks whose holder stopped heartbeating for longer
   * than the lease (its whole machine is gone, so no manager will). Errors only delay the next sweep.
   */
  async #sweepIfDue(): Promise<void> {
    const o = this.#o;
    if (!o.bus.findAbandoned || o.now() < this.#nextSweepAt) return;
    this.#nextSweepAt = o.now() + jitter(o.sweepIntervalMs, 0.8, 1.2, o.random);
    try {
      for (const { claim, silentForMs } of await o.bus.findAbandoned({ leaseMs: o.leaseMs, now: o.now() })) {
        const reason = `no heartbeat from ${claim.workerId} for ${Math.round(silentForMs / 1000)} s (presumed gone)`;
        const done = await abandonTask(o.bus, claim, reason, {
          maxAttempts: o.maxAttempts,
          defaultModel: o.models.defaultModel,
          defaultThinking: o.models.defaultThinking,
          aliases: o.models.aliases,
        }).catch((e: unknown) => (e instanceof LeaseLostError ? 'taken' : Promise.reject(e)));
        this.emit('swept', { taskId: claim.task.id, from: claim.workerId, action: done, reason });
      }
    } catch (error) {
      this.emit('warning', `sweep failed: ${errorMessage(error)}`);
    }
  }

  async #claimNext(): Promise<Claim | null> {
    const tasks = spreadHead(await this.#o.bus.poll(), CLAIM_SPREAD, this.#o.random);
    for (const task of tasks) {
      if (this.#stopController.signal.aborted) return null;
      const claim = await this.#o.bus.claim(task, this.#o.workerId);
      if (claim) return claim;
    }
    return null;
  }

  async #work(claim: Claim): Promise<void> {
    const o = this.#o;
    this.#current = claim;
    this.#leaseLost = false;
    this.emit('claimed', claim);
    await this.#status('CLAIMED', `Working on ${claim.task.id}`);
    const started = o.now();
    const agentController = new AbortController();
    this.#agentController = agentController;
    this.#armGrace();
    const heartbeat = setInterval(() => {
      const secs = Math.round((o.now() - started) / 1000);
      o.bus
        .heartbeat(claim, `⏳ Running on **${o.workerId}** · ${secs} s elapsed · runner ${o.runner.name}`)
        .catch((e: unknown) => {
          if (e instanceof LeaseLostError) {
            // Another worker handed this task back (it thought this worker was gone): stop, report nothing.
            this.#leaseLost = true;
            agentController.abort(e);
          }
          this.emit('warning', `heartbeat failed: ${errorMessage(e)}`);
        });
    }, o.heartbeatMs);
    heartbeat.unref();
    try {
      const outcome = await this.#execute(claim, agentController.signal);
      if (outcome === 'released') return;
      await this.#deliver(claim, outcome);
    } catch (error) {
      // A bug or an unexpected I/O failure after the claim: hand the task back rather than strand it.
      this.emit('warning', `task ${claim.task.id} failed inside the worker: ${errorMessage(error)}`);
      await this.#release(claim, `worker error: ${errorMessage(error)}`);
    } finally {
      clearInterval(heartbeat);
      if (this.#graceTimer) clearTimeout(this.#graceTimer);
      this.#graceTimer = null;
      this.#agentController = null;
      this.#current = null;
    }
  }

  /** Validate, prepare, run, and build the report. Returns 'released' when the task was handed back. */
  async #execute(claim: Claim, signal: AbortSignal) {
    const o = this.#o;
    const task = claim.task;
    let prompt: string;
    try {
      prompt = await this.#promptOf(task);
    } catch (error) {
      const result = neverRan(
        `could not read the task: ${errorMessage(error)}`,
        task.model ?? o.models.defaultModel,
      );
      return {
        task,
        prompt: task.prompt,
        requestedModel: result.model,
        thinking: o.models.defaultThinking,
        result,
        ws: null,
      };
    }
    const model = resolveModel(task.model, o.models);
    const thinking = resolveThinking(task.thinking, o.models.defaultThinking);
    const problems = [
      ...(task.tagErrors ?? []),
      ...(model.ok ? [] : [model.error]),
      ...(thinking.ok ? [] : [thinking.error]),
      ...(prompt.length > o.maxPromptChars
        ? [`task is ${prompt.length} characters; the limit is ${o.maxPromptChars}`]
        : []),
      ...(prompt.trim() === '' ? ['task is empty'] : []),
    ];
    const requestedModel = task.model ?? o.models.defaultModel;
    const level: ThinkingLevel = thinking.ok ? thinking.level : o.models.defaultThinking;
    if (problems.length > 0 || !model.ok) {
      return {
        task,
        prompt,
        requestedModel,
        thinking: level,
        result: neverRan(problems.join('; '), requestedModel),
        ws: null,
      };
    }
    let ws: Workspace;
    try {
      ws = await prepareWorkspace({ workDir: o.workDir, workerId: o.workerId, task, prompt, fetch: o.fetch });
    } catch (error) {
      return {
        task,
        prompt,
        requestedModel,
        thinking: level,
        result: neverRan(`could not prepare workspace: ${errorMessage(error)}`, model.model),
        ws: null,
      };
    }
    const result = await o.runner.run(
      {
        taskId: task.id,
        prompt,
        model: model.model,
        thinking: level,
        workspace: ws.dir,
        timeoutMs: o.taskTimeoutMs,
        sessionId: `${o.workerId}-${task.id}`,
        workerId: o.workerId,
      },
      signal,
    );
    if (this.#leaseLost) {
      this.emit(
        'warning',
        `${task.id} was requeued by another worker while running here; this run's result is dropped`,
      );
      return 'released' as const;
    }
    if (signal.aborted && this.#stopController.signal.aborted) {
      await this.#release(claim, 'worker stopped before the task finished');
      return 'released' as const;
    }
    await writeFile(join(ws.dir, 'RESULT.txt'), result.text).catch(() => undefined);
    return { task, prompt, requestedModel: model.model, thinking: level, result, ws };
  }

  async #deliver(
    claim: Claim,
    run: {
      task: Task;
      prompt: string;
      requestedModel: string;
      thinking: ThinkingLevel;
      result: AgentResult;
      ws: Workspace | null;
    },
  ): Promise<void> {
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
      files,
      redact: o.redact,
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
    await this.#sendReport(claim, report);
    this.emit('finished', { claim, outcome, costUsd: cost.costUsd, durationMs: result.durationMs });
  }

  /**
   * Deliver through the outbox: persisted first, sent once now. When Discord is unreachable the report stays in
   * the outbox and the loop retries it between polls, so the worker keeps running local tasks meanwhile.
   */
  async #sendReport(claim: Claim, report: Parameters<Outbox['send']>[2]): Promise<void> {
    await this.#outbox.put(claim, report);
    try {
      await this.#o.bus.complete(claim, report);
      await this.#outbox.remove(claim.task.id);
    } catch (error) {
      // Transport trouble passes: retry between polls. Anything else (a 4xx) will not change by retrying now; the
      // report stays in the outbox for the next start, after a person fixed the cause.
      const transient = error instanceof BusUnavailableError || error instanceof RateLimitedError;
      this.emit(
        'warning',
        `report for ${claim.task.id} kept in the outbox${transient ? ', will retry' : ''}: ${errorMessage(error)}`,
      );
      if (transient) {
        this.#outboxDirty = true;
        this.#nextFlushAt = this.#o.now() + this.#o.outboxRetryMs;
      }
    }
  }

  async #flushOutbox(): Promise<void> {
    try {
      const n = await this.#outbox.flush(this.#o.bus);
      this.#outboxDirty = false;
      if (n > 0) this.emit('debug', `[worker] delivered ${n} report(s) left in the outbox`);
    } catch (error) {
      this.#nextFlushAt = this.#o.now() + this.#o.outboxRetryMs;
      this.emit('warning', `outbox not delivered yet: ${errorMessage(error)}`);
    }
  }

  async #release(claim: Claim, reason: string): Promise<void> {
    const o = this.#o;
    try {
      const done = await abandonTask(o.bus, claim, reason, {
        maxAttempts: o.maxAttempts,
        defaultModel: o.models.defaultModel,
        defaultThinking: o.models.defaultThinking,
        aliases: o.models.aliases,
      });
      if (done === 'requeued') this.emit('released', { claim, reason });
      // Out of attempts, abandonTask reported it FAILED: say so, or the manager still thinks the claim is held and
      // recovers (reports) the task a second time when this process exits.
      else this.emit('finished', { claim, outcome: 'FAILED', costUsd: 0, durationMs: 0 });
    } catch (error) {
      this.emit('warning', `could not release ${claim.task.id}: ${errorMessage(error)}`);
    }
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
    try {
      await this.#o.bus.status(this.#o.workerId, status, detail);
    } catch (error) {
      this.emit('warning', `status ${status} not posted: ${errorMessage(error)}`);
    }
  }
}

/** A FAILED result for a task that never ran. */
function neverRan(error: string, model: string): AgentResult {
  return failureResult(error, { model });
}
