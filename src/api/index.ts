/**
 * The library API: delegate work to the fleet from a program, or from an agent inside a running task.
 *
 * ```ts
 * import { connect } from 'discord-orchestration';
 * const fleet = await connect();                         // discord-config.env here, or the running task's worker
 * const report = await fleet.gather(
 *   [{ prompt: 'Summarise a.log', model: 'cheap' }, { prompt: 'Fix the failing test', model: 'coder' }],
 *   { timeoutMs: 300_000, maxCostUsd: 0.5, onResult: (r) => console.log(r.taskId, r.outcome, r.costUsd) },
 * );
 * await fleet.close();
 * ```
 *
 * Inside a task a worker runs, {@link connect} finds `DORCH_DELEGATE_URL` and submits through that worker: the child
 * records its parent, the depth is bounded (`MAX_TASK_DEPTH`), and no Discord token is needed.
 */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DELEGATE_FILE_NAME, DELEGATE_URL_ENV } from '../task/delegation.js';
import type { TaskSpec } from '../task/spec.js';
import { DelegateFleet } from './delegate-fleet.js';
import { DiscordFleet, type Fleet, type Look, type Submission } from './fleet.js';
import { gatherOn, waitOn, type GatherOptions, type GatherReport } from './gather.js';
import type { TaskResult } from './result.js';

export type { TaskSpec } from '../task/spec.js';
export type { Fleet, Look, Submission } from './fleet.js';
export type { GatherOptions, GatherReport } from './gather.js';
export type { Outcome, ResultAttachment, TaskResult } from './result.js';
export { DEFAULT_GATHER_OPTIONS } from './gather.js';
export { AbortedError, DelegationRefusedError, WaitTimeoutError } from './errors.js';
export {
  AppError,
  BusUnavailableError,
  ConfigError,
  DiscordApiError,
  RateLimitedError,
  TaskInvalidError,
} from '../lib/errors.js';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** The config file. @defaultValue `discord-config.env` in the working folder */
  config?: string;
  /** A config already loaded (instead of `config`). */
  loaded?: Config;
  /** The environment. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  /** Who cancels, as CANCELLED results name it. @defaultValue `operator` */
  by?: string;
  /** Ignore `DORCH_DELEGATE_URL` and use the config. @defaultValue false */
  direct?: boolean;
  /** Where to look for the task's `.dorch-delegate.json` when the variable is not set. @defaultValue process.cwd() */
  cwd?: string;
}

/**
 * The delegation URL of the running task this process belongs to: `DORCH_DELEGATE_URL`, else the `url` of a
 * `.dorch-delegate.json` in `cwd` (the worker writes it into the task's workspace too). Undefined outside a task.
 */
export function delegateUrl(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): string | undefined {
  const fromEnv = env[DELEGATE_URL_ENV];
  if (fromEnv) return fromEnv;
  try {
    const file = JSON.parse(readFileSync(join(cwd, DELEGATE_FILE_NAME), 'utf8')) as { url?: unknown };
    return typeof file.url === 'string' ? file.url : undefined;
  } catch {
    return undefined;
  }
}

/** A connected fleet with the API's operations. Close it when done. */
export class FleetClient {
  readonly fleet: Fleet;
  constructor(fleet: Fleet) {
    this.fleet = fleet;
  }
  /** `discord` or `delegate` (through the running task's worker). */
  get kind(): Fleet['kind'] {
    return this.fleet.kind;
  }
  /** Post one task. */
  submit(spec: TaskSpec): Promise<Submission> {
    return this.fleet.submit(spec);
  }
  /** Wait for one task's result; throws `WaitTimeoutError` when none comes in time, `AbortedError` on abort. */
  wait(taskId: string, options?: GatherOptions): Promise<TaskResult> {
    return waitOn(this.fleet, taskId, options);
  }
  /** Submit (specs) and wait for (ids) several tasks in parallel. */
  gather(tasks: readonly (TaskSpec | string)[], options?: GatherOptions): Promise<GatherReport> {
    return gatherOn(this.fleet, tasks, options);
  }
  /** A task's result now, or null while it has none (refused tasks give outcome `REFUSED`). */
  async result(taskId: string): Promise<TaskResult | null> {
    const look: Look = await this.fleet.look(taskId);
    if (look.state === 'result') return look.result;
    if (look.state === 'refused')
      return {
        taskId,
        resultTaskId: look.taskId,
        ok: false,
        outcome: 'REFUSED',
        text: '',
        error: `${look.taskId} was refused: its author may not submit`,
        costUsd: 0,
        attachments: [],
      };
    return null;
  }
  /** Cancel a task; false when there was nothing to cancel. */
  cancel(taskId: string): Promise<boolean> {
    return this.fleet.cancel(taskId);
  }
  close(): Promise<void> {
    return this.fleet.close();
  }
}

/**
 * Connect to the fleet: through the running task's worker when `DORCH_DELEGATE_URL` is set (an agent delegating),
 * else with the config (`SUBMITTER_TOKEN`). Throws `ConfigError` for a bad config.
 */
export async function connect(options: ConnectOptions = {}): Promise<FleetClient> {
  const env = options.env ?? process.env;
  const url = delegateUrl(env, options.cwd);
  if (url && !options.direct) return new FleetClient(new DelegateFleet(url));
  const config = options.loaded ?? loadConfig({ file: options.config, env }).config;
  return new FleetClient(await DiscordFleet.open(config, options.by ? { by: options.by } : {}));
}

/** Submit one task and return its id (connects and closes). */
export async function submit(spec: TaskSpec, options: ConnectOptions = {}): Promise<Submission> {
  const client = await connect(options);
  try {
    return await client.submit(spec);
  } finally {
    await client.close();
  }
}

/** Wait for one task's result (connects and closes). */
export async function wait(
  taskId: string,
  options: ConnectOptions & GatherOptions = {},
): Promise<TaskResult> {
  const client = await connect(options);
  try {
    return await client.wait(taskId, options);
  } finally {
    await client.close();
  }
}

/** Submit and gather several tasks (connects and closes). */
export async function gather(
  tasks: readonly (TaskSpec | string)[],
  options: ConnectOptions & GatherOptions = {},
): Promise<GatherReport> {
  const client = await connect(options);
  try {
    return await client.gather(tasks, options);
  } finally {
    await client.close();
  }
}

/** A task's result now, or null (connects and closes). */
export async function result(taskId: string, options: ConnectOptions = {}): Promise<TaskResult | null> {
  const client = await connect(options);
  try {
    return await client.result(taskId);
  } finally {
    await client.close();
  }
}
