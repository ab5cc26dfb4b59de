/**
 * The argv and environment of one `openclaw agent --local` run. Pure functions, so the exact command line is
 * unit-tested without starting OpenClaw.
 */
import { join } from 'node:path';
import { isDiscordTokenName, isRedactableValue, isSecretName } from '../../lib/secret-names.js';
import type { ThinkingLevel } from '../../task/task.js';
import { agentEnv } from '../agent-env.js';

/** Name of the prompt file the worker writes into each workspace. */
export const TASK_FILE_NAME = 'TASK.txt';

/** Inputs of {@link buildAgentArgs}. */
export interface AgentArgsInput {
  sessionId: string;
  workspace: string;
  model: string;
  thinking: ThinkingLevel;
  /** OpenClaw's own turn deadline, in whole seconds. */
  turnTimeoutSec: number;
}

/**
 * `agent --local --session-id … --message-file <workspace>/TASK.txt --thinking … --model … --timeout … --json`.
 * `--local` runs the turn embedded in this process (no Gateway); `--json` keeps stdout to the one envelope and
 * sends log lines to stderr.
 */
export function buildAgentArgs(input: AgentArgsInput): string[] {
  return [
    'agent',
    '--local',
    '--session-id',
    input.sessionId,
    '--message-file',
    join(input.workspace, TASK_FILE_NAME),
    '--thinking',
    input.thinking,
    '--model',
    input.model,
    '--timeout',
    String(input.turnTimeoutSec),
    '--json',
  ];
}

/**
 * OpenClaw's `--timeout` for a task limit: a margin below our own kill deadline, so OpenClaw normally reports its
 * timeout itself (exit 1 with an envelope, usage included) before we kill the process group. The margin covers
 * OpenClaw's start-up (10-20 s on two cores, reference §7), which its turn deadline does not count; it is capped at
 * half the limit so short limits still leave OpenClaw a turn.
 */
export function turnTimeoutSeconds(timeoutMs: number, marginMs: number): number {
  const margin = Math.min(marginMs, timeoutMs / 2);
  return Math.max(1, Math.floor((timeoutMs - margin) / 1000));
}

/**
 * Test-runner markers, never passed on: OpenClaw checks them to switch into its own test mode, in which
 * `agent --json` prints nothing at all (measured with 2026.9.6 and `VITEST=true`). They would otherwise leak in
 * whenever a worker runs inside vitest or jest (our integration and end-to-end tests) and lists them in the pass list.
 */
export function isTestRunnerMarker(key: string, value: string): boolean {
  return /^(VITEST|VITEST_.+|JEST_WORKER_ID)$/.test(key) || (key === 'NODE_ENV' && value === 'test');
}

/** What the sandbox backends OpenClaw starts (Docker, Podman) read to find their daemon and settings. */
export const SANDBOX_ENV_NAMES: readonly string[] = [
  'DOCKER_HOST',
  'DOCKER_CONTEXT',
  'DOCKER_CONFIG',
  'DOCKER_CERT_PATH',
  'DOCKER_TLS_VERIFY',
  'CONTAINER_HOST',
  'CONTAINERS_CONF',
  'DBUS_SESSION_BUS_ADDRESS',
];

/** OpenClaw's own settings (`OPENCLAW_HOME`, `OPENCLAW_LOG_LEVEL`, …): `OPENCLAW_*` names that are not secrets. */
export function isOpenClawSetting(name: string): boolean {
  return name.startsWith('OPENCLAW_') && !isSecretName(name);
}

/** Inputs of {@link buildAgentEnv}. */
export interface AgentEnvInput {
  /** The environment to pick from (normally `process.env`). */
  base: NodeJS.ProcessEnv;
  /** Names never passed, even when listed in `pass` (Discord token names never are). */
  stripEnv: readonly string[];
  /** More names to pass (`AGENT_ENV_PASS`). @defaultValue `[]` */
  pass?: readonly string[];
  /** Values never passed under any name (the worker's Discord tokens). @defaultValue `[]` */
  secretValues?: readonly string[];
  /** The provider keys the run needs (see `openClawKeyFilter`). @defaultValue none (start-up probes) */
  keys?: (name: string) => boolean;
  stateDir: string;
  /** The overlay config the run reads. */
  configPath: string;
  /** `OPENCLAW_INCLUDE_ROOTS` value allowing the overlay to include the user's config. */
  includeRoots: string;
  /** The complete PATH value. */
  pathValue: string;
}

/**
 * The environment of the run: the agent base (see `agentEnv`), OpenClaw's own non-secret settings, what a sandbox
 * backend needs, the provider keys of this run, the pass list; never a Discord token or a test-runner marker; plus
 * OpenClaw's paths and quiet switches.
 */
export function buildAgentEnv(input: AgentEnvInput): NodeJS.ProcessEnv {
  const keys = input.keys ?? (() => false);
  const env = agentEnv(
    {
      env: input.base,
      pass: input.pass ?? [],
      never: input.stripEnv,
      neverValues: input.secretValues ?? [],
    },
    (name) => isOpenClawSetting(name) || SANDBOX_ENV_NAMES.includes(name) || keys(name),
  );
  for (const [key, value] of Object.entries(env)) if (isTestRunnerMarker(key, value ?? '')) delete env[key];
  // The overlay sets the workspace; a stray OPENCLAW_WORKSPACE_DIR would only confuse a reader of the env.
  delete env.OPENCLAW_WORKSPACE_DIR;
  return {
    ...env,
    PATH: input.pathValue,
    OPENCLAW_STATE_DIR: input.stateDir,
    OPENCLAW_CONFIG_PATH: input.configPath,
    OPENCLAW_INCLUDE_ROOTS: input.includeRoots,
    OPENCLAW_NO_AUTO_UPDATE: '1',
    DO_NOT_TRACK: '1',
    NO_COLOR: '1',
  };
}

/**
 * The secret values in `base`, for redacting anything the agent echoes back: Discord tokens, the `stripEnv` names,
 * and every variable whose name says it is a secret (see `isSecretName`).
 */
export function secretValuesIn(base: NodeJS.ProcessEnv, stripEnv: readonly string[]): string[] {
  const strip = new Set(stripEnv);
  return Object.entries(base)
    .filter(
      ([key, value]) =>
        value !== undefined &&
        (strip.has(key) || isDiscordTokenName(key) || (isSecretName(key) && isRedactableValue(value))),
    )
    .map(([, value]) => value as string);
}
