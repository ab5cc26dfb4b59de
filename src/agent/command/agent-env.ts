/**
 * The environment an agent process gets: the parent's, minus secrets, plus the task's `DORCH_*` variables.
 */
import type { AgentRequest } from '../runner.js';

function toMatcher(pattern: string): (name: string) => boolean {
  if (!pattern.includes('*')) return (name) => name === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}

/**
 * A copy of `env` without the variables named in `strip`. Names are exact and case-sensitive; `*` matches any run
 * of characters, so `WORKER*_TOKEN` strips `WORKER1_TOKEN`…`WORKERn_TOKEN`.
 */
export function stripEnv(env: NodeJS.ProcessEnv, strip: readonly string[]): NodeJS.ProcessEnv {
  const matchers = strip.map(toMatcher);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || matchers.some((m) => m(name))) continue;
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
  };
}

/** `env` minus `strip`, plus {@link dorchEnv} (which wins over inherited values of the same name). */
export function buildAgentEnv(
  env: NodeJS.ProcessEnv,
  strip: readonly string[],
  request: AgentRequest,
): NodeJS.ProcessEnv {
  return { ...stripEnv(env, strip), ...dorchEnv(request) };
}
