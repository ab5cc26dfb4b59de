/**
 * The manager: keeps N local worker processes alive. Workers report over Node's IPC channel which task they
 * hold, so when one dies mid-task the supervisor recovers the task at once (its waiting report delivered, or the
 * task handed back) instead of waiting for a lease to expire.
 */
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import type { Claim } from '../bus/bus.js';
import type { WorkerStatus } from '../task/report.js';
import { byOwner, killMarked, ownerTag } from '../lib/processes/agent-marker.js';
import { defaultProcessTable } from '../lib/processes/process-table.js';
import { identify } from '../lib/processes/signal.js';
import { DEFAULT_STOP_GRACE_MS } from '../worker/options.js';

/** Messages a worker process sends to its manager (`process.send`). */
export type WorkerMessage =
  | { type: 'status'; status: WorkerStatus; detail: string }
  | { type: 'claimed'; claim: Claim }
  | {
      type: 'finished';
      taskId: string;
      outcome: 'SUCCESS' | 'FAILED';
      costUsd: number;
      durationMs: number;
      /** Tokens the run used (prompt tokens, cached ones included; output tokens), when it ran. */
      tokens?: { input: number; output: number };
    }
  | { type: 'released'; taskId: string; reason: string }
  | { type: 'warning'; message: string }
  /** Idle and waiting for work: the manager may hand it a pushed task (see `push-relay.ts`). */
  | { type: 'waiting' }
  /**
   * Why the worker is about to exit with an error, in words that name the config key and the fix. `permanent`: a
   * restart cannot fix it (a rejected token, a bad config, a missing permission, no agent CLI), so the slot stops.
   */
  | { type: 'fatal'; reason: string; permanent: boolean }
  | { type: 'exit'; reason: string };

/** One worker slot: the slot stays, processes come and go. */
export interface WorkerSlot {
  /** 1-based. */
  index: number;
  workerId: string;
  process: ChildProcess | null;
  /** The task the current process holds, as it last reported. */
  claim: Claim | null;
  /** When the manager heard of that claim (its clock). */
  claimedAt: number | null;
  /**
   * `STOPPED`: the slot's worker failed for a reason a restart cannot fix (see `detail`); it is not restarted.
   */
  status: WorkerStatus | 'STARTING' | 'EXITED' | 'STOPPED';
  detail: string;
  restarts: number;
  /** Consecutive quick crashes, for backoff. */
  crashes: number;
  startedAt: number;
  /** What the slot's workers did so far. */
  totals: SlotTotals;
  /** The last task the slot finished, when there was one. */
  last: { taskId: string; outcome: 'SUCCESS' | 'FAILED'; durationMs: number; costUsd: number } | null;
}

/** Running totals of one slot. */
export interface SlotTotals {
  tasks: number;
  failed: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** Events of a {@link Supervisor}. */
export interface SupervisorEvents {
  'worker-start': [slot: WorkerSlot];
  'worker-message': [slot: WorkerSlot, message: WorkerMessage];
  'worker-exit': [
    slot: WorkerSlot,
    info: {
      code: number | null;
      signal: string | null;
      reason: string;
      restartInMs: number | null;
      /** The worker said a restart cannot fix why it failed: the slot is stopped for good. */
      permanent?: boolean;
    },
  ];
  /** Every slot is stopped for good (each worker failed for a reason a restart cannot fix). */
  'all-stopped': [slots: WorkerSlot[]];
  /** Agent processes a worker left running when it exited were killed (the worker died: SIGKILL, crash). */
  'agents-ended': [slot: WorkerSlot, info: { count: number }];
  /** A task held by a dead worker was recovered (its report delivered, or the task handed back). */
  'task-recovered': [
    slot: WorkerSlot,
    info: { taskId: string; action: string; detail?: string; error?: string },
  ];
  debug: [message: string];
}

/**
 * Ends what a worker process's agents left running after the worker itself is gone. Agents run in their own
 * process groups and sessions, so a worker killed with SIGKILL leaves them running; each carries the worker's
 * identity in its `DORCH_AGENT_OWNER` marker (see lib/processes/agent-marker.ts).
 */
export interface AgentReaper {
  /** Called right after a worker process starts: the owner tag its agents' markers will carry, if known. */
  ownerOf(pid: number): string | undefined;
  /** SIGKILL every process carrying a marker of `owner` (and the groups they lead); returns how many. */
  kill(owner: string): number;
}

/** The {@link AgentReaper} that works through `/proc` (elsewhere it finds nothing: agents' environments are unreadable). */
export const processTableReaper: AgentReaper = {
  ownerOf(pid) {
    const table = defaultProcessTable();
    const id = table ? identify(table, pid) : undefined;
    return id ? ownerTag(id) : undefined;
  },
  kill(owner) {
    const table = defaultProcessTable();
    return table ? killMarked(table, byOwner(owner)) : 0;
  },
};

/** Options for {@link Supervisor}. */
export interface SupervisorOptions {
  workers: number;
  /** Start the worker process for a slot, with an IPC channel (`stdio` including 'ipc'). */
  spawnWorker: (slot: WorkerSlot) => ChildProcess;
  /** Ends the agents a dead worker left running, before its task is handed back. @defaultValue {@link processTableReaper} */
  agentReaper?: AgentReaper;
  /** Recover a task whose worker died: deliver its waiting report, or hand it back. Resolves with what it did. */
  recoverTask: (
    slot: WorkerSlot,
    claim: Claim,
    reason: string,
  ) => Promise<{ action: string; detail?: string }>;
  /** Worker id for slot i. @defaultValue `worker-${i}` */
  workerIdFor?: (index: number) => string;
  /** A process that exits with an error sooner than this after start counts as a crash. @defaultValue 10000 */
  crashWindowMs?: number;
  /** First restart delay after a crash; doubles per consecutive crash. @defaultValue 1000 */
  backoffBaseMs?: number;
  /** @defaultValue 60000 */
  backoffMaxMs?: number;
  /** Delay before restarting a worker that exited idle. @defaultValue 1000 */
  idleRestartMs?: number;
  /** Time a stopping worker gets to finish its task before SIGKILL. @defaultValue 30000 */
  stopGraceMs?: number;
  now?: () => number;
}

/** Keeps N workers running. `start()` once; `stop()` is memoized. */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly slots: WorkerSlot[];
  readonly #o: Required<Omit<SupervisorOptions, 'workerIdFor'>> & Pick<SupervisorOptions, 'workerIdFor'>;
  #state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  #stopping: Promise<void> | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Exit handlers still running (a task recovery may be in flight). */
  readonly #exiting = new Set<Promise<void>>();

  constructor(options: SupervisorOptions) {
    super();
    if (!Number.isInteger(options.workers) || options.workers < 1)
      throw new TypeError(`Expected \`workers\` to be an integer >= 1, got \`${options.workers}\``);
    this.#o = {
      crashWindowMs: 10_000,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      idleRestartMs: 1000,
      stopGraceMs: DEFAULT_STOP_GRACE_MS,
      agentReaper: processTableReaper,
      now: Date.now,
      ...options,
    };
    const idFor = options.workerIdFor ?? ((i: number) => `worker-${i}`);
    this.slots = Array.from({ length: options.workers }, (_, k) => ({
      index: k + 1,
      workerId: idFor(k + 1),
      process: null,
      claim: null,
      claimedAt: null,
      status: 'STARTING' as const,
      detail: '',
      restarts: 0,
      crashes: 0,
      startedAt: 0,
      totals: { tasks: 0, failed: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
      last: null,
    }));
  }

  /** Start every slot. */
  start(): void {
    if (this.#state !== 'new') throw new Error('Supervisor.start() can only be called once');
    this.#state = 'running';
    for (const slot of this.slots) this.#launch(slot);
  }

  /** Stop all workers: SIGTERM (they finish or release their task), SIGKILL after the grace period. */
  stop(options: { force?: boolean } = {}): Promise<void> {
    this.#stopping ??= this.#stop(options.force ?? false);
    return this.#stopping;
  }

  async #stop(force: boolean): Promise<void> {
    this.#state = 'stopping';
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const alive = this.slots.filter(
      (s) => s.process && s.process.exitCode === null && s.process.signalCode === null,
    );
    const exits = alive.map((s) => new Promise<void>((resolve) => s.process!.once('exit', () => resolve())));
    for (const s of alive) s.process!.kill(force ? 'SIGKILL' : 'SIGTERM');
    if (!force) {
      const killer = setTimeout(() => {
        for (const s of alive) if (s.process && s.process.exitCode === null) s.process.kill('SIGKILL');
      }, this.#o.stopGraceMs + 5000);
      killer.unref();
      await Promise.all(exits);
      clearTimeout(killer);
    } else {
      await Promise.all(exits);
    }
    // A worker killed while holding a task is being recovered; the caller closes the bus once stop() resolves.
    await Promise.all(this.#exiting);
    this.#state = 'stopped';
  }

  #launch(slot: WorkerSlot): void {
    if (this.#state !== 'running') return;
    const child = this.#o.spawnWorker(slot);
    // Read now, while the process surely exists: after its exit its start time is gone with it.
    const agentOwner = child.pid === undefined ? undefined : this.#o.agentReaper.ownerOf(child.pid);
    slot.process = child;
    slot.claim = null;
    slot.claimedAt = null;
    slot.status = 'STARTING';
    slot.detail = '';
    slot.startedAt = this.#o.now();
    let exitReason = '';
    let fatal: { reason: string; permanent: boolean } | null = null;
    child.on('message', (raw) => {
      const message = raw as WorkerMessage;
      if (!message || typeof message !== 'object' || !('type' in message)) return;
      if (message.type === 'claimed') {
        slot.claim = message.claim;
        slot.claimedAt = this.#o.now();
      }
      if (message.type === 'finished') count(slot, message);
      if (message.type === 'finished' || message.type === 'released') {
        slot.claim = null;
        slot.claimedAt = null;
      }
      if (message.type === 'status') {
        slot.status = message.status;
        slot.detail = message.detail;
      }
      if (message.type === 'fatal') fatal = { reason: message.reason, permanent: message.permanent === true };
      if (message.type === 'exit') exitReason = message.reason;
      this.emit('worker-message', slot, message);
    });
    child.on('error', (error) =>
      this.emit('debug', `[supervisor] ${slot.workerId} process error: ${error.message}`),
    );
    child.once('exit', (code, signal) => {
      const handling = this.#onExit(slot, code, signal, exitReason, agentOwner, fatal).finally(() =>
        this.#exiting.delete(handling),
      );
      this.#exiting.add(handling);
    });
    this.emit('worker-start', slot);
  }

  async #onExit(
    slot: WorkerSlot,
    code: number | null,
    signal: string | null,
    reason: string,
    agentOwner: string | undefined,
    fatal: { reason: string; permanent: boolean } | null,
  ): Promise<void> {
    slot.process = null;
    slot.status = 'EXITED';
    slot.claimedAt = null;
    // Exited with an error it explained: show that reason, not just the exit code.
    const failed = fatal !== null && code !== 0;
    if (failed) slot.detail = fatal.reason;
    // First end what the worker's agents left running, so a retry never runs beside the old run.
    const ended = agentOwner ? this.#o.agentReaper.kill(agentOwner) : 0;
    if (ended > 0) this.emit('agents-ended', slot, { count: ended });
    const held = slot.claim;
    slot.claim = null;
    if (held) {
      // The worker died holding a task: hand it back now rather than after a lease expiry.
      const why = `${slot.workerId} exited (${signal ?? `code ${code}`}) while running it`;
      try {
        const done = await this.#o.recoverTask(slot, held, why);
        this.emit('task-recovered', slot, { taskId: held.task.id, ...done });
      } catch (error) {
        this.emit('task-recovered', slot, {
          taskId: held.task.id,
          action: 'error',
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    let restartInMs: number | null = null;
    const permanent = failed && fatal.permanent;
    if (permanent) slot.status = 'STOPPED';
    if (this.#state === 'running' && !permanent) {
      const clean = code === 0 && (reason === 'restart' || reason === 'idle' || reason === 'once');
      const quick = this.#o.now() - slot.startedAt < this.#o.crashWindowMs;
      if (clean) {
        slot.crashes = 0;
        restartInMs = reason === 'restart' ? 0 : this.#o.idleRestartMs;
      } else {
        slot.crashes = quick ? slot.crashes + 1 : 1;
        restartInMs = Math.min(this.#o.backoffMaxMs, this.#o.backoffBaseMs * 2 ** (slot.crashes - 1));
      }
      slot.restarts++;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#launch(slot);
      }, restartInMs);
      this.#timers.add(timer);
    }
    this.emit('worker-exit', slot, {
      code,
      signal,
      reason: failed ? fatal.reason : reason || (signal ? `killed by ${signal}` : `exit code ${code}`),
      restartInMs,
      ...(permanent ? { permanent: true } : {}),
    });
    if (permanent && this.slots.every((s) => s.status === 'STOPPED')) this.emit('all-stopped', this.slots);
  }
}

// Add a finished task to its slot's totals.
function count(slot: WorkerSlot, m: Extract<WorkerMessage, { type: 'finished' }>): void {
  const t = slot.totals;
  t.tasks++;
  if (m.outcome !== 'SUCCESS') t.failed++;
  t.tokensIn += m.tokens?.input ?? 0;
  t.tokensOut += m.tokens?.output ?? 0;
  if (Number.isFinite(m.costUsd)) t.costUsd += m.costUsd;
  slot.last = { taskId: m.taskId, outcome: m.outcome, durationMs: m.durationMs, costUsd: m.costUsd };
}
