/**
 * The environment an agent process gets. Nothing is inherited wholesale: an agent runs whatever it is told to, and
 * anything in its environment can end up in its output. It gets a small base every program needs, what its runner
 * needs (the OpenClaw runner adds its own variables and provider keys), the names listed in `AGENT_ENV_PASS`, and
 * the task's `DORCH_*` variables. The worker's Discord tokens are never passed, under any name.
 */
import { isDiscordTokenName } from '../lib/secret-names.js';
import type { AgentRequest } from './runner.js';

/**
 * Variables every agent gets when the worker has them: paths, user, locale, terminal, temp folders, and what a
 * program needs to reach the network from this machine (proxies, extra CA certificates).
 */
export const BASE_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'TMP',
  'TEMP',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** Prefixes of base variables: locale settings and the XDG folders. */
export const BASE_ENV_PREFIXES: readonly string[] = ['LC_', 'XDG_'];

/** Options of {@link agentEnv}. */
export interface AgentEnvOptions {
  /** The worker's environment, which the agent's is picked from. */
  env: NodeJS.ProcessEnv;
  /** More names to pass (`AGENT_ENV_PASS`). @defaultValue `[]` */
  pass?: readonly string[];
  /**
   * Names never passed, even when listed in `pass` (`*` matches any run of characters: `WORKER*_TOKEN`).
   * @defaultValue `[]`
   */
  never?: readonly string[];
  /** Values never passed under any name (the worker's Discord tokens). @defaultValue `[]` */
  neverValues?: readonly string[];
}

function toMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/** True for a base variable (see {@link BASE_ENV_NAMES}, {@link BASE_ENV_PREFIXES}). */
export function isBaseEnvName(name: string): boolean {
  return BASE_ENV_NAMES.includes(name) || BASE_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The variables of `options.env` an agent may see: the base, the `pass` names, and those `extra` accepts (a
 * runner's own needs); minus Discord token names, the `never` names, and any variable whose value holds a
 * `neverValues` entry.
 */
export function agentEnv(
  options: AgentEnvOptions,
  extra: (name: string) => boolean = () => false,
): NodeJS.ProcessEnv {
  const pass = new Set(options.pass ?? []);
  const never = (options.never ?? []).map(toMatcher);
  const neverValues = (options.neverValues ?? []).filter((v) => v.length > 0);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (value === undefined) continue;
    if (!isBaseEnvName(name) && !pass.has(name) && !extra(name)) continue;
    if (isDiscordTokenName(name) || never.some((m) => m(name))) continue;
    if (neverValues.some((v) => value.includes(v))) continue;
    out[name] = value;
  }
  return out;
}

/** The `DORCH_*` variables describing one task to an agent process. */
export function dorchEnv(request: AgentRequest): Record<string, string> {
  return {
    DORCH_TASK_ID: request.taskId,
    DORCH_MODEL: request.model,
    DORCH_THINKING: request.thinking,
    DORCH_WORKSPACE: request.workspace,
    DORCH_SESSION_ID: request.sessionId,
    DORCH_WORKER_ID: request.workerId,
    DORCH_TIMEOUT_MS: String(request.timeoutMs),
    ...delegationEnv(request),
  };
}

/**
 * The delegation variables of one task (see `task/delegation.ts`): its depth, the fleet's limit, and the capability
 * URL of the worker's endpoint when the task may delegate. Never a Discord token.
 */
export function delegationEnv(request: AgentRequest): Record<string, string> {
  const d = request.delegation;
  if (!d) return {};
  return {
    DORCH_TASK_DEPTH: String(d.depth),
    DORCH_MAX_DEPTH: String(d.maxDepth),
    ...(d.url ? { DORCH_DELEGATE_URL: d.url } : {}),
  };
}

/** A `command` agent's environment: {@link agentEnv} plus {@link dorchEnv} (which wins over inherited names). */
export function commandAgentEnv(options: AgentEnvOptions, request: AgentRequest): NodeJS.ProcessEnv {
  return { ...agentEnv(options), ...dorchEnv(request) };
}
