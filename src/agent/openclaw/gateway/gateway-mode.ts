/**
 * The runner's warm mode (`OPENCLAW_MODE=gateway`): every task of a worker runs through the worker's own OpenClaw
 * Gateway (gateway-host.ts), in a fresh session whose workspace is the task folder. What stays as in the `--local`
 * mode: the user's config is included (never written), thinking is downgraded before the run on a model that
 * cannot reason, the result has the same shape with usage and cost from OpenClaw's own envelope.
 *
 * What differs, and why:
 * - Provider keys: a Gateway's environment is fixed when it starts, so it gets the keys of every provider the
 *   user's config declares or uses, plus those of each task model seen so far; a task whose provider needs a key
 *   the running Gateway lacks restarts it with that key added.
 * - The user's config: read by the Gateway at start, so a change to the file (its modification time) restarts the
 *   Gateway before the next task.
 * - The prompt goes over the WebSocket (the same text as TASK.txt), not as `--message-file`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { failureResult } from '../../result.js';
import type { AgentRequest, AgentResult } from '../../runner.js';
import { TASK_FILE_NAME, turnTimeoutSeconds } from '../command.js';
import type { OpenClawConfig, ThinkingDecision } from '../openclaw-config.js';
import { openClawKeyFilter, providerOf } from '../provider-keys.js';
import { GatewayHost, type GatewayHostOptions } from './gateway-host.js';
import { GatewayStartError } from './gateway-process.js';
import { GATEWAY_ENV } from './overlay.js';
import { gatewayResult } from './result.js';

/** How far below the task timeout OpenClaw's own turn deadline is set in this mode (no start-up to cover). */
export const GATEWAY_TURN_MARGIN_MS = 5_000;

/** What the runner lends the warm mode. */
export interface GatewayModeDeps extends Omit<GatewayHostOptions, 'renderConfig'> {
  /** The user's config file. */
  configPath: string;
  /** The user's config, parsed (undefined when missing or unreadable). */
  readConfig: () => OpenClawConfig | undefined;
  /** The Gateway's config text for a port (see overlay.ts). */
  renderConfig: GatewayHostOptions['renderConfig'];
  /** The Gateway's environment, given the test for the provider keys it gets. */
  env: (keys: (name: string) => boolean) => NodeJS.ProcessEnv;
  /** Removes secrets from text that leaves the runner. */
  redact: (text: string) => string;
}

function mtimeOf(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Providers declared in the config's `models.providers`, as `provider/…` ids for the key filter. */
function declaredProviderModels(config: OpenClawConfig | undefined): string[] {
  const models = config?.models;
  const providers =
    models && typeof models === 'object' && !Array.isArray(models)
      ? (models as Record<string, unknown>).providers
      : undefined;
  return providers && typeof providers === 'object' && !Array.isArray(providers)
    ? Object.keys(providers).map((p) => `${p}/*`)
    : [];
}

const ABORTED = Symbol('aborted');

// `work`, or ABORTED as soon as `signal` fires (the work goes on; its rejection is then ignored).
async function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | typeof ABORTED> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return ABORTED;
  }
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([work, aborted]);
    if (first === ABORTED) work.catch(() => undefined);
    return first;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** The warm mode of one runner. */
export class GatewayMode {
  readonly #deps: GatewayModeDeps;
  readonly #host: GatewayHost;
  readonly #models = new Set<string>();
  #configMtime: number | undefined;

  constructor(deps: GatewayModeDeps) {
    this.#deps = deps;
    this.#host = new GatewayHost(deps);
  }

  /** The Gateway process, when one runs (for status lines and tests). */
  get gateway(): GatewayHost['current'] {
    return this.#host.current;
  }

  /** The Gateway's state dir. */
  get gatewayStateDir(): string {
    return this.#host.gatewayStateDir;
  }

  /**
   * Starts the Gateway unless one runs that fits `model` and the current config. Rejects with
   * {@link GatewayStartError}.
   */
  async ensureStarted(model?: string): Promise<void> {
    const config = this.#deps.readConfig();
    if (model) this.#models.add(model);
    const mtime = mtimeOf(this.#deps.configPath);
    const running = this.#host.env;
    if (running) {
      // The keys a Gateway started for this model would get (after the never-pass rules), against what it has.
      const filter = model ? openClawKeyFilter(config, model) : () => false;
      const wanted = this.#deps.env(filter);
      const missing = Object.keys(wanted).filter((name) => filter(name) && running[name] !== wanted[name]);
      const changed = mtime !== this.#configMtime;
      if (missing.length === 0 && !changed) return;
      this.#deps.debug?.(
        changed
          ? 'the OpenClaw config changed: restarting the Gateway'
          : `restarting the OpenClaw Gateway with the key(s) ${missing.join(', ')} for ${model}`,
      );
      await this.#host.stop();
    }
    const models = [...declaredProviderModels(config), ...this.#models];
    const filters = models.filter((m) => providerOf(m)).map((m) => openClawKeyFilter(config, m));
    const keys = (name: string): boolean => filters.some((f) => f(name));
    this.#configMtime = mtime;
    await this.#host.start({ ...this.#deps.env(keys), ...GATEWAY_ENV });
  }

  /** Stops the Gateway. */
  stop(): Promise<void> {
    return this.#host.stop();
  }

  /** Runs one task; resolves with a result for every outcome. */
  async run(request: AgentRequest, decision: ThinkingDecision, signal?: AbortSignal): Promise<AgentResult> {
    const notes = decision.note ? [decision.note] : [];
    const redact = this.#deps.redact;
    let message: string;
    try {
      const taskFile = join(request.workspace, TASK_FILE_NAME);
      message = existsSync(taskFile) ? readFileSync(taskFile, 'utf8') : request.prompt;
    } catch (error) {
      return failureResult(redact(`could not read the task: ${(error as Error).message}`), {
        model: request.model,
        notes,
      });
    }
    try {
      if ((await untilAborted(this.ensureStarted(request.model), signal)) === ABORTED) {
        return failureResult('openclaw was cancelled before it started', { model: request.model, notes });
      }
    } catch (error) {
      const why =
        error instanceof GatewayStartError
          ? error.message
          : `the OpenClaw Gateway: ${(error as Error).message}`;
      return failureResult(redact(`could not start openclaw: ${why}`), { model: request.model, notes });
    }
    const turnTimeoutSec = turnTimeoutSeconds(request.timeoutMs, GATEWAY_TURN_MARGIN_MS);
    const sessionKey = `dorch-${request.sessionId}-${randomUUID().slice(0, 8)}`.toLowerCase();
    const task = {
      sessionKey,
      workspace: resolve(request.workspace),
      model: request.model,
      thinking: decision.thinking,
      message,
      timeoutMs: request.timeoutMs,
      turnTimeoutSec,
    };
    let outcome = await this.#host.runTask(task, signal);
    // A Gateway that died between tasks shows up only when the next one connects: nothing was sent, so one more
    // try on a new Gateway cannot run the task twice.
    const retry =
      outcome.failure && !outcome.sent && !outcome.aborted && !outcome.timedOut && !signal?.aborted;
    if (retry && !this.#host.current) {
      this.#deps.debug?.(`retrying on a new OpenClaw Gateway: ${outcome.failure}`);
      try {
        await this.ensureStarted(request.model);
        outcome = await this.#host.runTask({ ...task, sessionKey: `${sessionKey}-2` }, signal);
      } catch (error) {
        const why = error instanceof GatewayStartError ? error.message : (error as Error).message;
        return failureResult(redact(`could not start openclaw: ${why}`), { model: request.model, notes });
      }
    }
    return gatewayResult(outcome, {
      requestedModel: request.model,
      timeoutMs: request.timeoutMs,
      turnTimeoutSec,
      notes,
      redact,
    });
  }
}
