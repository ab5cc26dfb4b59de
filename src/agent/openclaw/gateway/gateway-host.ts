/**
 * A worker's own warm OpenClaw Gateway, and one task run through it. Each step was measured with openclaw 2026.9.6
 * (README, "Cold or warm"; bench/openclaw.ts; test/openclaw/runner-gateway.test.ts).
 *
 * Start (`start()`): a fresh state dir (`<stateDir>/gateway`, emptied first, so a Gateway never "recovers" the
 * interrupted turn of a task that was already reported: OpenClaw resumes interrupted turns after a restart), a
 * free loopback port, the config of gateway/overlay.ts, `openclaw gateway run`, `/readyz`; then a warm-up turn on a
 * model that does not exist, which loads the agent runtime (about 15 s of CPU on two cores, otherwise paid by the
 * first task) and fails before any provider is called.
 *
 * A task (`runTask()`): its own WebSocket connection; `sessions.create` with a fresh key and `cwd` = the task folder
 * (the session's workspace: AGENTS.md is read there, relative paths resolve there); `agent` with the prompt, model,
 * thinking level and OpenClaw's own turn deadline; then the leftovers of the task's commands are ended, and when
 * the Gateway still reports background work (a sub-agent the task spawned), the Gateway is stopped: nothing of a
 * task may run, or call a model, after the task has ended. The session is not deleted: `sessions.delete` costs as
 * much CPU as a turn (measured 0.7-4 s), and the sessions tools only see a task's own session tree (overlay.ts).
 * On our deadline or an abort, `chat.abort` stops the turn; when the Gateway does not confirm within the abort
 * grace, the Gateway itself is stopped (the next task starts a new one). When the Gateway dies mid-task, the task
 * ends at once with that reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ThinkingLevel } from '../../../task/task.js';
import { defaultProcessTable, type ProcessTable } from '../../../lib/processes/process-table.js';
import { defaultKill, type KillFunction } from '../../../lib/processes/signal.js';
import type { ProcessOptions } from '../../process.js';
import {
  GatewayClient,
  GatewayClosedError,
  type GatewayConnectOptions,
  type GatewayResponse,
} from './client.js';
import { GatewayProcess, GatewayStartError } from './gateway-process.js';
import { findLeftovers, type GatewayIdentity } from './leftovers.js';
import { GATEWAY_CONFIG_FILE_NAME, gatewayArgs } from './overlay.js';

/** What a {@link GatewayHost} is built from. */
export interface GatewayHostOptions {
  /** The `openclaw` executable. */
  command: string;
  /** The OpenClaw package folder, to tell the Gateway's own processes from a task's (see leftovers.ts). */
  packageDir?: string;
  /** The worker's OpenClaw folder; the Gateway's state is `<stateDir>/gateway`, its log `<stateDir>/gateway.log`. */
  stateDir: string;
  /** The Gateway's shared token (stays on this machine). */
  token: string;
  /** Renders the Gateway's config for a port and state dir (see overlay.ts). */
  renderConfig: (port: number, gatewayStateDir: string) => string;
  /** How long the Gateway may take to become ready. */
  startTimeoutMs: number;
  /** How long an aborted turn may take to confirm before the Gateway is stopped instead. */
  abortGraceMs: number;
  /** The warm-up turn's limit. @defaultValue `180000` */
  warmUpTimeoutMs?: number;
  /** Engine options for the Gateway process (kill grace, spawn/kill seams). */
  processOptions?: ProcessOptions;
  /** Where task leftovers are found; null: not looked for. @defaultValue the machine's process table */
  processTable?: ProcessTable | null;
  /** Signal sender for leftovers. @defaultValue `process.kill` */
  kill?: KillFunction;
  /** HTTP client for the readiness probe. @defaultValue global `fetch` */
  fetch?: typeof fetch;
  /** WebSocket seam for tests. */
  WebSocketClass?: GatewayConnectOptions['WebSocketClass'];
  /** Picks a free loopback port. @defaultValue asks the OS */
  freePort?: () => Promise<number>;
  /** Status lines (start, warm-up, restarts) for whoever listens. */
  debug?: (line: string) => void;
}

/** One task, as the Gateway gets it. */
export interface GatewayTask {
  /** A session key unique to this run (not in OpenClaw's reserved `subagent:`, `cron:`, `acp:` namespaces). */
  sessionKey: string;
  /** Absolute path of the task folder: the session's `cwd` and workspace. */
  workspace: string;
  model: string;
  thinking: ThinkingLevel;
  message: string;
  /** Our own deadline for the whole task. */
  timeoutMs: number;
  /** OpenClaw's own turn deadline, in whole seconds (below ours, so it normally reports the timeout itself). */
  turnTimeoutSec: number;
}

/** How one task went, as data. */
export interface GatewayTaskOutcome {
  /** The final `agent` answer, when one came. */
  response?: GatewayResponse;
  /** A failure before or instead of an answer, in one sentence ("the OpenClaw Gateway exited …"). */
  failure?: string;
  /** Our deadline fired. */
  timedOut: boolean;
  /** The abort signal fired. */
  aborted: boolean;
  /** The Gateway was stopped to end the turn or the task's background work. */
  gatewayStopped: boolean;
  /** Processes the task left running that were ended afterwards. */
  leftovers: number;
  /** The Gateway still had work of the task after its answer (a spawned sub-agent), so it was stopped. */
  backgroundWork?: boolean;
  /** The turn was sent to the Gateway (before that, a failed task called no model and can safely run again). */
  sent?: boolean;
  durationMs: number;
}

/** Name of the warm-up model: a provider that cannot exist, so the turn fails before any network call. */
export const WARM_UP_MODEL = 'dorch-warm-up/none';

const DEFAULT_WARM_UP_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 60_000;

/** Asks the OS for a free loopback port. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A worker's Gateway: started on demand, reused across tasks, stopped on `stop()`. */
export class GatewayHost {
  readonly #o: GatewayHostOptions;
  #gateway: GatewayProcess | undefined;
  #starting: Promise<GatewayProcess> | undefined;
  #env: NodeJS.ProcessEnv | undefined;

  constructor(options: GatewayHostOptions) {
    this.#o = options;
  }

  /** The Gateway's state dir. */
  get gatewayStateDir(): string {
    return join(this.#o.stateDir, 'gateway');
  }

  /** The running Gateway, if any. */
  get current(): GatewayProcess | undefined {
    return this.#gateway?.running ? this.#gateway : undefined;
  }

  /** The environment the running Gateway was started with. */
  get env(): NodeJS.ProcessEnv | undefined {
    return this.current ? this.#env : undefined;
  }

  /**
   * Starts a Gateway with `env` unless one is running (concurrent calls share one start). Rejects with
   * {@link GatewayStartError} saying why it cannot start.
   */
  async start(env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
    if (this.current) return this.current;
    this.#starting ??= this.#startNew(env).finally(() => (this.#starting = undefined));
    return this.#starting;
  }

  /** Stops the Gateway (if one runs) and waits until it and everything it started are gone. */
  async stop(): Promise<void> {
    const starting = this.#starting;
    if (starting) await starting.catch(() => undefined);
    const gateway = this.#gateway;
    this.#gateway = undefined;
    if (gateway) await gateway.stop();
  }

  async #startNew(env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
    const o = this.#o;
    if (this.#gateway) await this.#gateway.stop();
    this.#gateway = undefined;
    let lastError: unknown;
    // A port picked free can be taken before the Gateway binds it: one more try on another port.
    for (let attempt = 0; attempt < 2; attempt++) {
      const dir = this.gatewayStateDir;
      await this.#endStale(dir);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(join(dir, 'workspace'), { recursive: true });
      const port = await (o.freePort ?? freeLoopbackPort)();
      const configPath = join(dir, GATEWAY_CONFIG_FILE_NAME);
      writeFileSync(configPath, o.renderConfig(port, dir), { mode: 0o600 });
      o.debug?.(`starting the OpenClaw Gateway on 127.0.0.1:${port}`);
      try {
        const gateway = await GatewayProcess.start({
          command: o.command,
          args: gatewayArgs(port),
          env: { ...env, OPENCLAW_STATE_DIR: dir, OPENCLAW_CONFIG_PATH: configPath },
          cwd: dir,
          port,
          startTimeoutMs: o.startTimeoutMs,
          logFile: join(o.stateDir, 'gateway.log'),
          ...(o.processOptions ? { processOptions: o.processOptions } : {}),
          ...(o.fetch ? { fetch: o.fetch } : {}),
        });
        this.#gateway = gateway;
        this.#env = env;
        await this.#warmUp(gateway);
        return gateway;
      } catch (error) {
        lastError = error;
        if (!(error instanceof GatewayStartError && error.portInUse)) break;
      }
    }
    throw lastError;
  }

  // A Gateway of an earlier process of this worker that was killed outright (no exit hook ran, no manager reaped
  // it) still runs on this state dir: end it before taking the dir over. Only this worker's Gateways use the dir.
  async #endStale(dir: string): Promise<void> {
    const table = this.#o.processTable === undefined ? defaultProcessTable() : this.#o.processTable;
    if (!table?.hasEnvironments) return;
    const kill = this.#o.kill ?? defaultKill;
    const stale = () =>
      table
        .list()
        .filter(
          (e) =>
            e.pid !== process.pid && e.state !== 'Z' && table.getenv(e.pid, 'OPENCLAW_STATE_DIR') === dir,
        );
    const found = stale();
    if (found.length === 0) return;
    this.#o.debug?.(`ending ${found.length} process(es) of an earlier OpenClaw Gateway of this worker`);
    for (const e of found) {
      try {
        if (e.pgid === e.pid) kill(-e.pgid, 'SIGKILL');
        kill(e.pid, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    const until = Date.now() + 5_000;
    while (Date.now() < until && stale().length > 0) await sleep(50);
  }

  // Loads the agent runtime with a turn that fails before any provider is called (unknown model).
  async #warmUp(gateway: GatewayProcess): Promise<void> {
    const started = Date.now();
    const limit = this.#o.warmUpTimeoutMs ?? DEFAULT_WARM_UP_TIMEOUT_MS;
    let client: GatewayClient | undefined;
    try {
      client = await this.#connect(gateway);
      const key = `dorch-warm-up-${randomUUID().slice(0, 8)}`;
      const created = await client.request(
        'sessions.create',
        { key, cwd: join(this.gatewayStateDir, 'workspace') },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      );
      const sessionKey = typeof created.payload?.key === 'string' ? created.payload.key : key;
      await client.request(
        'agent',
        {
          message: 'warm-up',
          sessionKey,
          model: WARM_UP_MODEL,
          thinking: 'off',
          timeout: 10,
          deliver: false,
          idempotencyKey: key,
        },
        { expectFinal: true, timeoutMs: limit },
      );
      this.#o.debug?.(`OpenClaw Gateway warmed up in ${Date.now() - started} ms`);
    } catch (error) {
      // Only a speed-up: a Gateway that answers tasks is usable without it.
      if (!gateway.running) {
        throw new GatewayStartError(
          `the OpenClaw Gateway ${gateway.describeExit() ?? 'exited'}`,
          true,
          false,
        );
      }
      this.#o.debug?.(`OpenClaw Gateway warm-up failed: ${(error as Error).message}`);
    } finally {
      client?.close();
    }
  }

  #connect(gateway: GatewayProcess): Promise<GatewayClient> {
    return GatewayClient.connect({
      url: `ws://127.0.0.1:${gateway.port}`,
      token: this.#o.token,
      ...(this.#o.WebSocketClass ? { WebSocketClass: this.#o.WebSocketClass } : {}),
    });
  }

  /**
   * Runs one task on the running Gateway (the caller starts it first). Resolves for every outcome; never leaves the
   * turn running: it ends answered, aborted with confirmation, or with the Gateway stopped.
   */
  async runTask(task: GatewayTask, signal?: AbortSignal): Promise<GatewayTaskOutcome> {
    const started = performance.now();
    const outcome: GatewayTaskOutcome = {
      timedOut: false,
      aborted: false,
      gatewayStopped: false,
      leftovers: 0,
      durationMs: 0,
    };
    const gateway = this.current;
    if (!gateway) {
      outcome.failure = 'the OpenClaw Gateway is not running';
      return outcome;
    }
    if (signal?.aborted) {
      outcome.aborted = true;
      return outcome;
    }

    // Our deadline and the abort signal both end the wait; which one fired is recorded.
    const stopWaiting = new AbortController();
    const deadline = setTimeout(() => {
      outcome.timedOut = true;
      stopWaiting.abort();
    }, task.timeoutMs);
    const onAbort = (): void => {
      outcome.aborted = true;
      stopWaiting.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const interrupted = new Promise<'interrupted'>((resolve) =>
      stopWaiting.signal.addEventListener('abort', () => resolve('interrupted'), { once: true }),
    );

    let client: GatewayClient | undefined;
    try {
      const connecting = this.#connect(gateway);
      const connected = await Promise.race([connecting, interrupted]);
      if (connected === 'interrupted') {
        connecting.then(
          (late) => late.close(),
          () => undefined,
        );
        return outcome;
      }
      client = connected;
      await this.#converse(client, task, outcome, interrupted);
    } catch (error) {
      if (error instanceof GatewayClosedError) {
        // The connection broke: either the Gateway died, or it lives on with a turn we can no longer watch.
        await Promise.race([gateway.exited, sleep(200)]);
        const exit = gateway.describeExit();
        outcome.failure = exit
          ? `the OpenClaw Gateway ${exit} during the task`
          : `lost the connection to the OpenClaw Gateway during the task (${error.message})`;
        if (!exit) await this.#stopGateway(outcome);
      } else {
        outcome.failure = `the OpenClaw Gateway failed: ${(error as Error).message}`;
        await this.#stopGateway(outcome);
      }
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      outcome.durationMs = performance.now() - started;
      outcome.leftovers = await this.#endLeftovers(gateway);
      if (
        client &&
        !client.closed &&
        gateway.running &&
        !outcome.gatewayStopped &&
        (await this.#busy(client))
      ) {
        outcome.backgroundWork = true;
        await this.#stopGateway(outcome);
      }
      client?.close();
    }
    return outcome;
  }

  // sessions.create, then agent; an interruption aborts the turn (or stops the Gateway when it will not stop).
  async #converse(
    client: GatewayClient,
    task: GatewayTask,
    outcome: GatewayTaskOutcome,
    interrupted: Promise<'interrupted'>,
  ): Promise<void> {
    const created = await Promise.race([
      client.request(
        'sessions.create',
        { key: task.sessionKey, cwd: task.workspace, model: task.model },
        { timeoutMs: REQUEST_TIMEOUT_MS },
      ),
      interrupted,
    ]);
    if (created === 'interrupted') return;
    if (!created.ok) {
      const why = created.error?.message ?? created.error?.code ?? 'no reason given';
      outcome.failure = `the OpenClaw Gateway refused the task session: ${why}`;
      return;
    }
    const sessionKey = typeof created.payload?.key === 'string' ? created.payload.key : task.sessionKey;
    const runId = `${task.sessionKey}-run`;
    outcome.sent = true;
    const answer = client.request(
      'agent',
      {
        message: task.message,
        sessionKey,
        model: task.model,
        thinking: task.thinking,
        timeout: task.turnTimeoutSec,
        deliver: false,
        idempotencyKey: runId,
      },
      { expectFinal: true },
    );
    const first = await Promise.race([answer, interrupted]);
    if (first !== 'interrupted') {
      outcome.response = first;
      return;
    }
    // Stop the turn: ask the Gateway, and stop the Gateway when it does not confirm in time.
    const confirmed = await this.#abort(client, sessionKey, runId, answer);
    if (confirmed) outcome.response = confirmed;
    else await this.#stopGateway(outcome);
  }

  // Whether the Gateway reports background tasks (sub-agents, ACP, cron) queued or running; unknown counts as busy.
  async #busy(client: GatewayClient): Promise<boolean> {
    try {
      const status = await client.request('status', {}, { timeoutMs: 10_000 });
      const tasks = status.payload?.tasks;
      if (!status.ok || typeof tasks !== 'object' || tasks === null) return true;
      const active = (tasks as Record<string, unknown>).active;
      return typeof active !== 'number' || active > 0;
    } catch {
      return true;
    }
  }

  // chat.abort, then wait (up to the abort grace) for the run's final answer; undefined when it did not come.
  async #abort(
    client: GatewayClient,
    sessionKey: string,
    runId: string,
    answer: Promise<GatewayResponse>,
  ): Promise<GatewayResponse | undefined> {
    const graceMs = this.#o.abortGraceMs;
    answer.catch(() => undefined);
    try {
      await client.request('chat.abort', { sessionKey, runId }, { timeoutMs: graceMs });
    } catch {
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), graceMs)),
    );
    try {
      return await Promise.race([answer.catch(() => undefined), grace]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #stopGateway(outcome: GatewayTaskOutcome): Promise<void> {
    outcome.gatewayStopped = true;
    this.#o.debug?.('stopping the OpenClaw Gateway: it still had work of a finished task');
    await this.stop();
  }

  // Ends what the task's commands left running in the Gateway (see leftovers.ts): SIGTERM, SIGKILL after the grace.
  async #endLeftovers(gateway: GatewayProcess): Promise<number> {
    const table = this.#o.processTable === undefined ? defaultProcessTable() : this.#o.processTable;
    const marker = gateway.marker;
    if (!table || !marker || !table.hasEnvironments) return 0;
    const kill = this.#o.kill ?? defaultKill;
    const identity: GatewayIdentity = {
      leaderPid: gateway.pid,
      ...(this.#o.packageDir ? { packageDir: this.#o.packageDir } : {}),
    };
    const found = findLeftovers(table, marker, identity);
    if (found.length === 0) return 0;
    const signalAll = (sig: NodeJS.Signals): void => {
      for (const p of findLeftovers(table, marker, identity)) {
        try {
          // A leftover that leads its own group: end the group with it (its children left by `setsid` included).
          if (p.pgid === p.pid && p.pgid !== gateway.pid) kill(-p.pgid, sig);
        } catch {
          // Gone.
        }
        try {
          kill(p.pid, sig);
        } catch {
          // Gone.
        }
      }
    };
    signalAll('SIGTERM');
    const until = Date.now() + (this.#o.processOptions?.killGraceMs ?? 5_000);
    while (Date.now() < until && findLeftovers(table, marker, identity).length > 0) await sleep(50);
    signalAll('SIGKILL');
    this.#o.debug?.(`ended ${found.length} process(es) a task left running in the OpenClaw Gateway`);
    return found.length;
  }
}
