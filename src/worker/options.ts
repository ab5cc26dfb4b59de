/**
 * Worker options: one documented interface, one defaults constant, validation in the constructor.
 */
import type { AgentRunner } from '../agent/runner.js';
import type { Bus, PushSource } from '../bus/bus.js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_SEC,
  DEFAULT_LEASE_TIMEOUT_SEC,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_IDLE_TIME_SEC,
  DEFAULT_POLL_INTERVAL_SEC,
  DEFAULT_PUSH_POLL_INTERVAL_SEC,
  DEFAULT_RUNTIME_DIR,
  DEFAULT_TASK_TIMEOUT_SEC,
  DEFAULT_WORK_DIR,
} from '../config/defaults.js';
import type { CostSeam } from '../cost/accounting.js';
import type { ModelSettings } from '../task/models.js';
import type { DelegationBrokerOptions } from './delegation/broker.js';

/** Options for {@link Worker}. */
export interface WorkerOptions {
  /** `[A-Za-z0-9_-]{1,32}`. */
  workerId: string;
  bus: Bus;
  runner: AgentRunner;
  models: ModelSettings;
  cost: CostSeam;
  /** Where task folders go. @defaultValue 'workers' */
  workDir?: string;
  /** Where the outbox and ledger go. @defaultValue '.runtime' */
  runtimeDir?: string;
  /**
   * Base poll interval while no push source is live; each wait is drawn between 0.6× and 1.6× of it.
   * @defaultValue 5000
   */
  pollIntervalMs?: number;
  /**
   * New tasks as they are posted (the gateway, or the manager relaying it). While it is live the worker claims
   * pushed tasks at once and polls only every `pushPollIntervalMs` (a safety net); while it is down, every
   * `pollIntervalMs`. @defaultValue none (polling only)
   */
  push?: PushSource;
  /** Base interval of safety polls while `push` is live (jittered like `pollIntervalMs`). @defaultValue 30000 */
  pushPollIntervalMs?: number;
  /** Exit after this long without work; 0 = never. @defaultValue 300000 */
  maxIdleMs?: number;
  /** Kill the agent after this long. @defaultValue 120000 */
  taskTimeoutMs?: number;
  /** Edit the progress message this often. @defaultValue 15000 */
  heartbeatMs?: number;
  /** Stay up after a task instead of exiting for a clean restart. @defaultValue false */
  keepAlive?: boolean;
  /** Exit as soon as a poll finds nothing to claim (scripts, tests). @defaultValue false */
  once?: boolean;
  /** Attempts before a task is reported FAILED instead of requeued. @defaultValue 3 */
  maxAttempts?: number;
  /** Largest prompt accepted, in characters. @defaultValue 4194304 (OpenClaw's --message-file limit) */
  maxPromptChars?: number;
  /**
   * A claim whose holder has not heartbeaten for this long counts as abandoned; any worker hands it back. At least
   * two heartbeats. @defaultValue 90000 (or six heartbeats, if longer)
   */
  leaseMs?: number;
  /**
   * How often this machine looks for abandoned claims, busy or idle (the schedule is shared by the machine's
   * workers and survives restarts). @defaultValue a third of `leaseMs`
   */
  sweepIntervalMs?: number;
  /** Wait between attempts to deliver reports held in the outbox. @defaultValue 5000 */
  outboxRetryMs?: number;
  /** Backoff cap after repeated bus errors. @defaultValue 60000 */
  maxBackoffMs?: number;
  /**
   * The machine this worker runs on, named in its status lines (`… (on build-box)`) and results (`📁 Workspace: …
   * on \`build-box\``), so a fleet on many machines says where each task ran. @defaultValue none (not shown)
   */
  machine?: string;
  /** Injected clock. @defaultValue Date.now */
  now?: () => number;
  /** Injected monotonic clock (the lease margin). @defaultValue performance.now */
  monotonic?: () => number;
  /** Injected randomness (jitter). @defaultValue Math.random */
  random?: () => number;
  /** Injected download seam for attachments. @defaultValue global fetch */
  fetch?: typeof fetch;
  /** Applied to every text of a report (secret values → `[redacted]`). @defaultValue identity */
  redact?: (text: string) => string;
  /**
   * Let a running task's agent submit tasks of its own, through an endpoint this worker serves for the length of the
   * task (see `delegation/broker.ts`): the children record their parent, the depth is bounded by `maxDepth`. The
   * worker's Discord bus follows and cancels children (null: the bus only). @defaultValue off
   */
  delegation?: {
    maxDepth: number;
    discord: DelegationBrokerOptions['discord'];
  };
  /**
   * Words for an error in a warning: the CLI names the config key and the fix for Discord errors a config change
   * fixes (a wrong channel id, a missing permission). @defaultValue the error's message
   */
  describeError?: (error: unknown) => string;
}

/** How long a stopping worker lets its running task finish before it kills the agent and hands the task back. */
export const DEFAULT_STOP_GRACE_MS = 30_000;

/** Defaults for every optional field: the fleet's own (`POLL_INTERVAL`…) come from `config/defaults.ts`. */
export const DEFAULT_WORKER_OPTIONS = {
  workDir: DEFAULT_WORK_DIR,
  runtimeDir: DEFAULT_RUNTIME_DIR,
  pollIntervalMs: DEFAULT_POLL_INTERVAL_SEC * 1000,
  pushPollIntervalMs: DEFAULT_PUSH_POLL_INTERVAL_SEC * 1000,
  maxIdleMs: DEFAULT_MAX_IDLE_TIME_SEC * 1000,
  taskTimeoutMs: DEFAULT_TASK_TIMEOUT_SEC * 1000,
  heartbeatMs: DEFAULT_HEARTBEAT_INTERVAL_SEC * 1000,
  keepAlive: false,
  once: false,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  maxPromptChars: 4 * 1024 * 1024,
  maxBackoffMs: 60_000,
  outboxRetryMs: 5000,
  leaseMs: DEFAULT_LEASE_TIMEOUT_SEC * 1000,
} as const satisfies Partial<WorkerOptions>;

type Defaulted = { -readonly [K in keyof typeof DEFAULT_WORKER_OPTIONS]-?: NonNullable<WorkerOptions[K]> };

/** Options after defaults are applied. */
export type ResolvedWorkerOptions = WorkerOptions &
  Defaulted & {
    sweepIntervalMs: number;
    now: () => number;
    monotonic: () => number;
    random: () => number;
    fetch: typeof fetch;
    redact: (text: string) => string;
    describeError: (error: unknown) => string;
  };

/** Apply defaults and check invariants (p-queue style TypeErrors). */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const merged = {
    ...DEFAULT_WORKER_OPTIONS,
    now: Date.now,
    monotonic: () => performance.now(),
    random: Math.random,
    fetch: globalThis.fetch,
    redact: (text: string) => text,
    describeError: (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ...stripUndefined(options),
  } as ResolvedWorkerOptions;
  // The lease must outlast a few heartbeats; without an explicit value, stretch it with a slow heartbeat.
  if (options.leaseMs === undefined)
    merged.leaseMs = Math.max(DEFAULT_WORKER_OPTIONS.leaseMs, merged.heartbeatMs * 6);
  if (options.sweepIntervalMs === undefined) merged.sweepIntervalMs = Math.round(merged.leaseMs / 3);
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(merged.workerId))
    throw new TypeError(`Expected \`workerId\` to match [A-Za-z0-9_-]{1,32}, got \`${merged.workerId}\``);
  for (const key of [
    'pollIntervalMs',
    'pushPollIntervalMs',
    'taskTimeoutMs',
    'heartbeatMs',
    'maxBackoffMs',
    'outboxRetryMs',
    'leaseMs',
    'sweepIntervalMs',
  ] as const) {
    const v = merged[key];
    if (!Number.isFinite(v) || v <= 0)
      throw new TypeError(`Expected \`${key}\` to be a finite number > 0, got \`${v}\``);
  }
  if (!Number.isFinite(merged.maxIdleMs) || merged.maxIdleMs < 0)
    throw new TypeError(`Expected \`maxIdleMs\` to be a finite number >= 0, got \`${merged.maxIdleMs}\``);
  if (merged.leaseMs < merged.heartbeatMs * 2)
    throw new TypeError(
      `Expected \`leaseMs\` to be at least two heartbeats (${merged.heartbeatMs * 2} ms), got \`${merged.leaseMs}\``,
    );
  if (!Number.isInteger(merged.maxAttempts) || merged.maxAttempts < 1)
    throw new TypeError(`Expected \`maxAttempts\` to be an integer >= 1, got \`${merged.maxAttempts}\``);
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
