/**
 * Builders for {@link AgentResult}: one shape for success and every failure, so no runner invents its own.
 */
import { EMPTY_USAGE, type AgentUsage } from '../task/usage.js';
import type { AgentResult } from './runner.js';
import type { ProcessOutcome } from './process.js';

export { EMPTY_USAGE };

/** Fields every result builder accepts. */
export interface ResultInit {
  /** The model that ran (the runner's own report, else the requested one). */
  model: string;
  /** Answer text, or on failure whatever the agent printed. @defaultValue `''` */
  text?: string;
  /** @defaultValue {@link EMPTY_USAGE} */
  usage?: AgentUsage;
  costUsd?: number;
  /** @defaultValue `[]` */
  notes?: string[];
  /** @defaultValue `0` */
  durationMs?: number;
  /** @defaultValue `null` */
  exitCode?: number | null;
  /** @defaultValue `null` */
  signal?: string | null;
  /** @defaultValue `false` */
  timedOut?: boolean;
}

function build(ok: boolean, init: ResultInit, error?: string): AgentResult {
  const result: AgentResult = {
    ok,
    text: init.text ?? '',
    exitCode: init.exitCode ?? null,
    signal: init.signal ?? null,
    timedOut: init.timedOut ?? false,
    durationMs: Math.max(0, Math.round(init.durationMs ?? 0)),
    model: init.model,
    usage: { ...(init.usage ?? EMPTY_USAGE) },
    notes: [...(init.notes ?? [])],
  };
  if (error !== undefined) result.error = error;
  if (init.costUsd !== undefined && Number.isFinite(init.costUsd)) result.costUsd = init.costUsd;
  return result;
}

/** A successful run. */
export function successResult(init: ResultInit): AgentResult {
  return build(true, init);
}

/** A failed run; `error` is one human sentence ("agent exited with code 3"). */
export function failureResult(error: string, init: ResultInit): AgentResult {
  return build(false, init, error);
}

/** "0.5 s", "120 s", "600 s": seconds, as `TASK_TIMEOUT` is configured. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  return s < 10 ? `${Number(s.toFixed(1))} s` : `${Math.round(s)} s`;
}

const MAX_DETAIL_CHARS = 200;

// The last non-empty line of stderr, so "exited with code 3" says what the agent complained about.
function lastLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const line = lines.reverse().find((l) => l.length > 0);
  if (!line) return undefined;
  return line.length > MAX_DETAIL_CHARS ? `${line.slice(0, MAX_DETAIL_CHARS - 1)}…` : line;
}

/** How {@link describeProcessFailure} words a failure. */
export interface FailureWording {
  /** The configured limit, so the sentence says "after 120 s" rather than the measured time. */
  timeoutMs?: number;
  /** Add the last stderr line to "exited with code n". @defaultValue `true` */
  stderrDetail?: boolean;
}

/**
 * One sentence saying why a process outcome is a failure, or undefined when it is a success (exit code 0):
 * "could not start agent: `foo` not found on PATH", "agent timed out after 120 s (killed)",
 * "agent was cancelled (killed)", "agent was killed by SIGSEGV", "agent exited with code 3: <last stderr line>".
 */
export function describeProcessFailure(
  outcome: ProcessOutcome,
  wording: FailureWording = {},
): string | undefined {
  const how = outcome.forceKilled ? 'killed with SIGKILL after ignoring SIGTERM' : 'killed';
  if (outcome.failedToStart) return `could not start agent: ${outcome.error ?? 'unknown error'}`;
  if (outcome.timedOut)
    return `agent timed out after ${formatDuration(wording.timeoutMs ?? outcome.durationMs)} (${how})`;
  if (outcome.aborted)
    return outcome.pid === undefined
      ? 'agent was cancelled before it started'
      : `agent was cancelled (${how})`;
  if (outcome.signal) return `agent was killed by ${outcome.signal}`;
  if (outcome.exitCode !== 0) {
    const detail = wording.stderrDetail === false ? undefined : lastLine(outcome.stderr);
    const base = `agent exited with code ${outcome.exitCode ?? 'unknown'}`;
    return detail ? `${base}: ${detail}` : base;
  }
  return undefined;
}

/** Fields of {@link resultFromProcess} that the outcome cannot supply. */
export interface ProcessResultInit extends Omit<
  ResultInit,
  'exitCode' | 'signal' | 'timedOut' | 'durationMs'
> {
  /** The configured timeout, for the error sentence. */
  timeoutMs?: number;
}

/**
 * The {@link AgentResult} for a process outcome: ok exactly when it exited with code 0 on its own. `text` defaults
 * to stdout; on failure with empty stdout, the stderr tail stands in so the reader sees something.
 */
export function resultFromProcess(outcome: ProcessOutcome, init: ProcessResultInit): AgentResult {
  const error = describeProcessFailure(outcome, { timeoutMs: init.timeoutMs });
  const fromProcess = {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
    durationMs: outcome.durationMs,
  };
  if (error === undefined)
    return successResult({ ...init, ...fromProcess, text: init.text ?? outcome.stdout });
  const text = init.text ?? (outcome.stdout.trim() ? outcome.stdout : outcome.stderr);
  return failureResult(error, { ...init, ...fromProcess, text });
}
