/**
 * The default runner, in one of two modes (`OPENCLAW_MODE`):
 * - `gateway` (warm): the worker's own OpenClaw Gateway, started once and reused, runs each task in a fresh session
 *   whose workspace is the task folder (see gateway/gateway-mode.ts);
 * - `local` (cold): one `openclaw agent --local … --json` process per task, in the task's workspace.
 * Both use the worker's own OpenClaw state dir (OpenClaw allows one writer per state dir) and the user's config
 * (providers, keys, prices) through an overlay that includes it (see overlay.ts, gateway/overlay.ts). Text, model,
 * usage and cost come from OpenClaw's own `--json` envelope (the Gateway sends the same one). Measured facts behind
 * every choice: /work/shared/reference/openclaw.md.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AgentStartError, errorMessage } from '../../lib/errors.js';
import type { ProcessTable } from '../../lib/processes/process-table.js';
import { runProcess, type ProcessOptions, type ProcessOutcome } from '../process.js';
import { failureResult } from '../result.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../runner.js';
import { delegationEnv } from '../agent-env.js';
import {
  buildAgentArgs,
  buildAgentEnv,
  secretValuesIn,
  TASK_FILE_NAME,
  turnTimeoutSeconds,
} from './command.js';
import { findJsonObject, isObject } from './envelope.js';
import {
  childPathValue,
  DEFAULT_TOOLS_DIR,
  locateOpenClaw,
  nodeInterpreterFor,
  type OpenClawLaunch,
} from './locate.js';
import {
  decideThinking,
  defaultOpenClawConfigPath,
  expandHome,
  literalSecrets,
  readOpenClawConfig,
  userSandboxSettings,
  type OpenClawConfig,
} from './openclaw-config.js';
import { includeRootsFor, OVERLAY_FILE_NAME, renderOverlayConfig } from './overlay.js';
import { openClawKeyFilter } from './provider-keys.js';
import { openClawResult, stderrReason } from './outcome.js';
import { judgeVersionProbe, OPENCLAW_INSTALL_HINT } from './version.js';
import { DEFAULT_WORK_DIR } from '../../config/defaults.js';
import { GatewayMode } from './gateway/gateway-mode.js';
import { GatewayStartError } from './gateway/gateway-process.js';
import { renderGatewayConfig } from './gateway/overlay.js';

/** How the runner runs tasks: through a warm Gateway, or one `openclaw agent --local` process per task. */
export type OpenClawMode = 'gateway' | 'local';

/** The modes `OPENCLAW_MODE` may name. */
export const OPENCLAW_MODES: readonly OpenClawMode[] = ['gateway', 'local'];

/**
 * Checks that a sandbox backend can work on this machine; resolves with a problem sentence, or undefined when fine
 * (or when it cannot be checked from here, e.g. a remote SSH backend).
 */
export type SandboxBackendProbe = (backend: string, env: NodeJS.ProcessEnv) => Promise<string | undefined>;

/** Options of {@link OpenClawRunner}; see {@link DEFAULT_OPENCLAW_RUNNER_OPTIONS} for the defaults. */
export interface OpenClawRunnerOptions {
  /** The worker this runner belongs to; names its state dir. */
  workerId: string;
  /**
   * `gateway`: one warm OpenClaw Gateway per worker, a fresh session per task (`OPENCLAW_MODE=gateway`); `local`: a
   * fresh `openclaw agent --local` process per task. The sandbox is only supported in `local` mode.
   * @defaultValue {@link DEFAULT_OPENCLAW_MODE}
   */
  mode?: OpenClawMode;
  /**
   * The `openclaw` executable (`OPENCLAW_BIN`): a path, or a name looked up on PATH.
   * @defaultValue undefined: `openclaw` on PATH, else the project's `.tools` install
   */
  bin?: string;
  /**
   * Parent folder of the per-worker state dirs (`OPENCLAW_STATE_DIR`): this worker uses `<stateDir>/<workerId>`,
   * because OpenClaw refuses a second concurrent writer on one state dir.
   * @defaultValue undefined: `<workDir>/<workerId>/openclaw-state`
   */
  stateDir?: string;
  /**
   * The user's OpenClaw config (`OPENCLAW_CONFIG_PATH`), included into every run's overlay config.
   * @defaultValue `$OPENCLAW_CONFIG_PATH`, else `~/.openclaw/openclaw.json` (home from `env`)
   */
  configPath?: string;
  /** Folder of the worker folders (`WORK_DIR`). @defaultValue `'workers'` (relative to the current directory) */
  workDir?: string;
  /**
   * Run agents restricted by OpenClaw's own sandbox (`agents.defaults.sandbox`, Docker by default): every session
   * sandboxed, tools in a per-task container that sees only the task workspace. `check()` verifies it with
   * `openclaw sandbox explain` and probes the backend. @defaultValue `false`
   */
  sandbox?: boolean;
  /**
   * Names passed to OpenClaw besides what it needs (`AGENT_ENV_PASS`). A run gets the agent base (`agentEnv`),
   * OpenClaw's own `OPENCLAW_*` settings, what a sandbox backend reads, and the provider keys of the task's model
   * and of the configured defaults (see provider-keys.ts); nothing else of the worker's environment.
   * @defaultValue `[]`
   */
  pass?: readonly string[];
  /** Names never passed, even when listed (Discord token names never are). @defaultValue `[]` */
  stripEnv?: readonly string[];
  /** Values never passed under any name (the worker's Discord tokens); also redacted. @defaultValue `[]` */
  secretValues?: readonly string[];
  /** The environment runs start from. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** Folder of the `scripts/install-openclaw.sh` install. @defaultValue the project's `.tools` */
  toolsDir?: string;
  /** Limit for each start-up probe (`openclaw --version`, `node --version`). @defaultValue `15000` */
  checkTimeoutMs?: number;
  /** How long `openclaw sandbox explain` may take (it loads the whole CLI). @defaultValue `60000` */
  sandboxCheckTimeoutMs?: number;
  /** How far below the task timeout OpenClaw's own `--timeout` is set (see turnTimeoutSeconds). @defaultValue `30000` */
  turnTimeoutMarginMs?: number;
  /** Gateway mode: how long the Gateway may take to start and answer `/readyz`. @defaultValue `300000` */
  gatewayStartTimeoutMs?: number;
  /**
   * Gateway mode: how long an aborted or timed-out turn may take to confirm it stopped before the Gateway itself is
   * stopped (the next task starts a new one). @defaultValue `10000`
   */
  abortGraceMs?: number;
  /** Engine options (kill grace, output limits, spawn/kill seams). @defaultValue `{}` */
  processOptions?: ProcessOptions;
  /** Gateway mode: the process table task leftovers are looked up in; null: not looked for. @defaultValue `/proc` */
  processTable?: ProcessTable | null;
  /** Sandbox backend check. @defaultValue runs `docker info` / `podman info` for those backends */
  probeSandboxBackend?: SandboxBackendProbe;
  /** Extra secret scrubbing for text that leaves the runner (stripped env values are always scrubbed). */
  redact?: (text: string) => string;
}

type DefaultedKey =
  | 'workDir'
  | 'gatewayStartTimeoutMs'
  | 'abortGraceMs'
  | 'sandbox'
  | 'stripEnv'
  | 'checkTimeoutMs'
  | 'sandboxCheckTimeoutMs'
  | 'turnTimeoutMarginMs'
  | 'processOptions';

/**
 * The mode when none is configured. `local`, because a worker restarts after every task unless it runs with
 * `--keep-alive`, and a Gateway that serves one task costs more than a `--local` run (start-up about 43 s of CPU
 * against 33 s for a whole cold task, measured with bench/openclaw.ts); `createRunner` picks `gateway` for workers
 * that stay up, where each further task costs about 1.2 s instead of 33 s.
 */
export const DEFAULT_OPENCLAW_MODE: OpenClawMode = 'local';

/** Defaults of the optional {@link OpenClawRunnerOptions} that have a fixed value. */
export const DEFAULT_OPENCLAW_RUNNER_OPTIONS = {
  workDir: DEFAULT_WORK_DIR,
  gatewayStartTimeoutMs: 300_000,
  abortGraceMs: 10_000,
  sandbox: false,
  stripEnv: [],
  checkTimeoutMs: 15_000,
  sandboxCheckTimeoutMs: 60_000,
  turnTimeoutMarginMs: 30_000,
  processOptions: {},
} as const satisfies Required<Pick<OpenClawRunnerOptions, DefaultedKey>>;

type ResolvedOptions = OpenClawRunnerOptions & Required<Pick<OpenClawRunnerOptions, DefaultedKey>>;

/** What `check()` established, for status lines and `doctor`. */
export interface OpenClawInfo {
  /** The executable that runs. */
  bin: string;
  source: OpenClawLaunch['source'];
  /** openclaw version, e.g. `2026.9.6`. */
  version: string;
  /** Node version it runs under, when it could be determined. */
  node?: string;
  /** The sandbox backend, when the sandbox is on. */
  sandboxBackend?: string;
}

function requireFiniteMs(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number >= 0, got \`${value}\` (${typeof value})`,
    );
  }
}

/** Runs `docker info` / `podman info`; other backends are not checked locally. */
export const defaultSandboxBackendProbe: SandboxBackendProbe = async (backend, env) => {
  if (backend !== 'docker' && backend !== 'podman') return undefined;
  const outcome = await runProcess({ command: backend, args: ['info'], env, timeoutMs: 15_000 });
  if (outcome.exitCode === 0) return undefined;
  const why = outcome.failedToStart
    ? outcome.error
    : (stderrReason(outcome.stderr) ?? `exit code ${outcome.exitCode}`);
  return `OpenClaw's sandbox backend is ${backend}, but \`${backend} info\` failed (${why}); start ${backend}, configure another backend in agents.defaults.sandbox.backend, or turn the sandbox off`;
};

/** Runs each task as one `openclaw agent --local` process. */
export class OpenClawRunner implements AgentRunner {
  readonly name = 'openclaw';
  /** The worker's own OpenClaw state dir. */
  readonly stateDir: string;
  /** The user's OpenClaw config file. */
  readonly configPath: string;
  /**
   * Secret values this runner knows: the worker's Discord tokens, secret-named variables of its environment, and
   * keys written literally in the user's OpenClaw config. Everything the runner returns is redacted with them; the
   * worker adds them to its own redactor too (files, logs).
   */
  readonly secretValues: readonly string[];
  /** How tasks run: through the worker's warm Gateway, or a process each. */
  readonly mode: OpenClawMode;
  readonly #options: ResolvedOptions;
  readonly #env: NodeJS.ProcessEnv;
  readonly #redact: (text: string) => string;
  #ready: Promise<{ launch: OpenClawLaunch; info: OpenClawInfo }> | undefined;
  #info: OpenClawInfo | undefined;
  // The Gateway's shared token: random per runner, never on a command line, redacted like the other secrets.
  readonly #gatewayToken = randomBytes(24).toString('base64url');
  #gateway: GatewayMode | undefined;
  // One run at a time: the state dir has a single writer.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: OpenClawRunnerOptions) {
    const merged: ResolvedOptions = { ...DEFAULT_OPENCLAW_RUNNER_OPTIONS, ...stripUndefined(options) };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(merged.workerId ?? '')) {
      throw new TypeError(`Expected \`workerId\` to match [A-Za-z0-9_-]{1,64}, got \`${merged.workerId}\``);
    }
    requireFiniteMs('checkTimeoutMs', merged.checkTimeoutMs);
    requireFiniteMs('sandboxCheckTimeoutMs', merged.sandboxCheckTimeoutMs);
    requireFiniteMs('turnTimeoutMarginMs', merged.turnTimeoutMarginMs);
    requireFiniteMs('gatewayStartTimeoutMs', merged.gatewayStartTimeoutMs);
    requireFiniteMs('abortGraceMs', merged.abortGraceMs);
    if (merged.mode !== undefined && !OPENCLAW_MODES.includes(merged.mode)) {
      throw new TypeError(
        `Expected \`mode\` to be one of ${OPENCLAW_MODES.join(', ')}, got \`${String(merged.mode)}\``,
      );
    }
    if (merged.mode === 'gateway' && merged.sandbox) {
      throw new TypeError(
        'Expected `mode` to be `local` when `sandbox` is on: the Gateway mode does not run sandboxed yet',
      );
    }
    this.mode = merged.mode ?? DEFAULT_OPENCLAW_MODE;
    this.#options = merged;
    this.#env = merged.env ?? process.env;
    const home = this.#env.OPENCLAW_HOME || this.#env.HOME || homedir();
    this.stateDir = merged.stateDir
      ? join(expandHome(merged.stateDir, home), merged.workerId)
      : resolve(merged.workDir, merged.workerId, 'openclaw-state');
    const configured = merged.configPath || this.#env.OPENCLAW_CONFIG_PATH;
    this.configPath = configured ? expandHome(configured, home) : defaultOpenClawConfigPath(home);
    this.secretValues = [
      ...new Set([
        ...secretValuesIn(this.#env, merged.stripEnv),
        ...(merged.secretValues ?? []),
        ...literalSecrets(this.#readUserConfig()),
        ...(this.mode === 'gateway' ? [this.#gatewayToken] : []),
      ]),
    ];
    const secrets = this.secretValues.filter((s) => s.length >= 6);
    const extra = merged.redact ?? ((t: string) => t);
    this.#redact = (text) => extra(secrets.reduce((out, s) => out.split(s).join('[redacted]'), text));
  }

  /** Versions found by the last successful `check()`, or undefined before. */
  get info(): OpenClawInfo | undefined {
    return this.#info;
  }

  /**
   * Finds `openclaw`, runs `openclaw --version` (and `node --version` for the Node it runs under) once, and with the
   * sandbox on verifies it with `openclaw sandbox explain`. Throws `AgentStartError` saying what is missing and how
   * to fix it. Memoized on success; a failed check runs again next time.
   */
  async check(): Promise<void> {
    await this.#ensureReady();
  }

  /**
   * Gets ready to run tasks: `check()`, and in gateway mode starts the worker's Gateway (about 43 s of CPU, 30-100 s
   * on two busy cores, paid once per worker instead of per task). Throws `AgentStartError` saying why the Gateway cannot start. Without
   * it, the first task starts the Gateway. Idempotent.
   */
  async start(): Promise<void> {
    const { launch } = await this.#ensureReady();
    if (this.mode !== 'gateway') return;
    try {
      await this.#gatewayMode(launch).ensureStarted();
    } catch (error) {
      const why = error instanceof GatewayStartError ? error.message : errorMessage(error);
      throw new AgentStartError(this.#redact(`could not start the OpenClaw Gateway: ${why}`), {
        cause: error,
      });
    }
  }

  /**
   * Stops the worker's Gateway, if one runs, after the current task. Idempotent. A worker that exits without calling
   * it still ends the Gateway (the process engine's exit hook), and the manager ends it when the worker is killed.
   */
  async close(): Promise<void> {
    await this.#queue;
    await this.#gateway?.stop();
  }

  /** The Gateway's process and state dir in gateway mode, when it runs (for status lines and tests). */
  get gateway(): { pid: number; port: number; stateDir: string } | undefined {
    const current = this.#gateway?.gateway;
    return current && this.#gateway
      ? { pid: current.pid, port: current.port, stateDir: this.#gateway.gatewayStateDir }
      : undefined;
  }

  /** Runs one task; resolves with a result for every outcome. */
  run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    const next = this.#queue.then(() => this.#runNow(request, signal));
    // The queue only keeps runs one at a time; each run's outcome reaches its own caller through `next`.
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #gatewayMode(launch: OpenClawLaunch): GatewayMode {
    this.#gateway ??= new GatewayMode({
      command: launch.command,
      ...(packageDirOf(launch.command) ? { packageDir: packageDirOf(launch.command)! } : {}),
      stateDir: this.stateDir,
      token: this.#gatewayToken,
      configPath: this.configPath,
      readConfig: () => this.#readUserConfig(),
      renderConfig: (port, gatewayStateDir) => {
        const config = this.#readUserConfig();
        return renderGatewayConfig({
          userConfigPath: this.configPath,
          userConfigExists: existsSync(this.configPath),
          port,
          token: this.#gatewayToken,
          workspace: join(gatewayStateDir, 'workspace'),
          ...(this.#options.sandbox ? { sandbox: userSandboxSettings(config) } : {}),
        });
      },
      env: (keys) => this.#childEnv(childPathValue(launch, this.#env.PATH), this.configPath, keys),
      redact: this.#redact,
      startTimeoutMs: this.#options.gatewayStartTimeoutMs,
      abortGraceMs: this.#options.abortGraceMs,
      processOptions: this.#options.processOptions,
      ...(this.#options.processTable !== undefined ? { processTable: this.#options.processTable } : {}),
    });
    return this.#gateway;
  }

  #ensureReady(): Promise<{ launch: OpenClawLaunch; info: OpenClawInfo }> {
    this.#ready ??= this.#probe().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #probe(): Promise<{ launch: OpenClawLaunch; info: OpenClawInfo }> {
    const launch = locateOpenClaw({
      bin: this.#options.bin,
      pathValue: this.#env.PATH,
      toolsDir: this.#options.toolsDir ?? DEFAULT_TOOLS_DIR,
    });
    if (!launch) throw new AgentStartError(`openclaw not found: ${OPENCLAW_INSTALL_HINT}`);
    const pathValue = childPathValue(launch, this.#env.PATH);
    const env = this.#childEnv(pathValue, this.configPath);
    const timeoutMs = this.#options.checkTimeoutMs;
    const versionRun = await runProcess(
      { command: launch.command, args: ['--version'], env, timeoutMs },
      this.#options.processOptions,
    );
    if (versionRun.failedToStart) {
      throw new AgentStartError(
        `openclaw not found: ${versionRun.error ?? launch.command}; ${OPENCLAW_INSTALL_HINT}`,
      );
    }
    const nodePath = nodeInterpreterFor(launch.command, pathValue);
    const nodeRun = nodePath
      ? await runProcess(
          { command: nodePath, args: ['--version'], env, timeoutMs },
          this.#options.processOptions,
        )
      : undefined;
    const verdict = judgeVersionProbe({
      bin: launch.command,
      versionOutput: versionRun.stdout.trim() ? versionRun.stdout : versionRun.stderr,
      exitCode: versionRun.exitCode,
      timedOut: versionRun.timedOut,
      ...(nodeRun?.exitCode === 0 ? { nodeVersionOutput: nodeRun.stdout, nodePath } : {}),
    });
    if (typeof verdict === 'string') throw new AgentStartError(`${verdict}; ${OPENCLAW_INSTALL_HINT}`);
    const info: OpenClawInfo = { bin: launch.command, source: launch.source, ...verdict };
    if (this.#options.sandbox) info.sandboxBackend = await this.#checkSandbox(launch, pathValue);
    this.#info = info;
    return { launch, info };
  }

  // Asks OpenClaw itself whether a run with the sandbox overlay is sandboxed, then probes the backend.
  async #checkSandbox(launch: OpenClawLaunch, pathValue: string): Promise<string> {
    const workspace = join(this.stateDir, 'sandbox-check');
    const overlayPath = this.#writeOverlay(workspace, this.#readUserConfig());
    const env = this.#childEnv(pathValue, overlayPath);
    const outcome = await runProcess(
      {
        command: launch.command,
        args: ['sandbox', 'explain', '--json'],
        cwd: workspace,
        env,
        timeoutMs: this.#options.sandboxCheckTimeoutMs,
      },
      this.#options.processOptions,
    );
    const report = findJsonObject(
      outcome.stdout,
      (v): v is Record<string, unknown> => isObject(v) && isObject(v.sandbox),
    );
    const sandbox = report && isObject(report.sandbox) ? report.sandbox : undefined;
    if (!sandbox) {
      const why = outcome.timedOut
        ? 'it timed out'
        : (stderrReason(outcome.stderr) ?? `exit code ${outcome.exitCode}`);
      throw new AgentStartError(
        `sandbox requested, but \`openclaw sandbox explain --json\` gave no report (${why})`,
      );
    }
    if (sandbox.mode !== 'all' || sandbox.sessionIsSandboxed !== true) {
      throw new AgentStartError(
        `sandbox requested, but OpenClaw reports sandbox mode \`${String(sandbox.mode)}\` (sessionIsSandboxed ` +
          `${String(sandbox.sessionIsSandboxed)}); check agents.entries.*.sandbox overrides in ${this.configPath}`,
      );
    }
    const backend = typeof sandbox.backend === 'string' ? sandbox.backend : 'docker';
    const problem = await (this.#options.probeSandboxBackend ?? defaultSandboxBackendProbe)(backend, env);
    if (problem) throw new AgentStartError(problem);
    return backend;
  }

  async #runNow(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    let launch: OpenClawLaunch;
    try {
      ({ launch } = await this.#ensureReady());
    } catch (error) {
      return failureResult(this.#redact(`could not start openclaw: ${errorMessage(error)}`), {
        model: request.model,
      });
    }
    const config = this.#readUserConfig();
    const decision = decideThinking(config, request.model, request.thinking);
    if (this.mode === 'gateway') return this.#gatewayMode(launch).run(request, decision, signal);
    const notes = decision.note ? [decision.note] : [];
    const turnTimeoutSec = turnTimeoutSeconds(request.timeoutMs, this.#options.turnTimeoutMarginMs);
    let overlayPath: string;
    try {
      overlayPath = this.#writeOverlay(request.workspace, config);
      const taskFile = join(request.workspace, TASK_FILE_NAME);
      if (!existsSync(taskFile)) writeFileSync(taskFile, request.prompt);
    } catch (error) {
      return failureResult(this.#redact(`could not prepare the openclaw run: ${errorMessage(error)}`), {
        model: request.model,
        notes,
      });
    }
    const outcome: ProcessOutcome = await runProcess(
      {
        command: launch.command,
        args: buildAgentArgs({
          sessionId: request.sessionId,
          workspace: request.workspace,
          model: request.model,
          thinking: decision.thinking,
          turnTimeoutSec,
        }),
        cwd: request.workspace,
        // The task's id and delegation variables reach OpenClaw's tools (its `exec` runs `dorch submit`).
        env: {
          ...this.#childEnv(
            childPathValue(launch, this.#env.PATH),
            overlayPath,
            openClawKeyFilter(config, request.model),
          ),
          DORCH_TASK_ID: request.taskId,
          ...delegationEnv(request),
        },
        timeoutMs: request.timeoutMs,
        ...(signal ? { signal } : {}),
      },
      this.#options.processOptions,
    );
    return openClawResult(outcome, {
      requestedModel: request.model,
      timeoutMs: request.timeoutMs,
      turnTimeoutSec,
      notes,
      redact: this.#redact,
    });
  }

  // The user's config, or undefined when it is missing or unreadable (OpenClaw then reports the problem itself).
  #readUserConfig(): OpenClawConfig | undefined {
    try {
      return readOpenClawConfig(this.configPath);
    } catch {
      return undefined;
    }
  }

  #writeOverlay(workspace: string, config: OpenClawConfig | undefined): string {
    mkdirSync(this.stateDir, { recursive: true });
    mkdirSync(workspace, { recursive: true });
    const overlayPath = join(this.stateDir, OVERLAY_FILE_NAME);
    const text = renderOverlayConfig({
      userConfigPath: this.configPath,
      userConfigExists: existsSync(this.configPath),
      workspace: resolve(workspace),
      ...(this.#options.sandbox ? { sandbox: userSandboxSettings(config) } : {}),
    });
    writeFileSync(overlayPath, text);
    return overlayPath;
  }

  // `keys`: the provider keys of one task's run; the start-up probes get none.
  #childEnv(pathValue: string, configPath: string, keys?: (name: string) => boolean): NodeJS.ProcessEnv {
    return buildAgentEnv({
      base: this.#env,
      stripEnv: this.#options.stripEnv,
      pass: this.#options.pass ?? [],
      secretValues: this.#options.secretValues ?? [],
      ...(keys ? { keys } : {}),
      stateDir: this.stateDir,
      configPath,
      includeRoots: includeRootsFor(this.configPath, this.#env.OPENCLAW_INCLUDE_ROOTS),
      pathValue,
    });
  }
}

// The OpenClaw package folder of a launcher (`.bin/openclaw` links to `<package>/openclaw.mjs`), when resolvable.
function packageDirOf(command: string): string | undefined {
  try {
    const real = realpathSync(command);
    return real.endsWith('.mjs') || real.endsWith('.js') ? dirname(real) : undefined;
  } catch {
    return undefined;
  }
}

function stripUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T;
}
