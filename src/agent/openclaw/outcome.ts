/**
 * Turns one finished `openclaw agent` process into an {@link AgentResult}. Exit codes (reference §2, measured):
 * 0 ok; 1 error or OpenClaw's own timeout, with the JSON envelope still printed; 143 after SIGTERM. Our own
 * deadline (the task timeout) and cancellation come from the process engine.
 */
import {
  describeProcessFailure,
  failureResult,
  formatDuration,
  successResult,
  type ResultInit,
} from '../result.js';
import type { ProcessOutcome } from '../process.js';
import type { AgentResult } from '../runner.js';
import { parseEnvelope } from './envelope.js';
import { stripAnsi } from './version.js';

/** What the mapping needs besides the outcome (of a `--local` process or a Gateway turn). */
export interface OutcomeContext {
  /** The model asked for, reported when OpenClaw does not say which one ran. */
  requestedModel: string;
  /** Our deadline (the process kill, or the Gateway abort), for the sentence. */
  timeoutMs: number;
  /** OpenClaw's own turn deadline (`--timeout`), for the sentence. */
  turnTimeoutSec: number;
  /** Notes gathered before the run (e.g. a thinking downgrade). */
  notes: readonly string[];
  /** Removes secrets from text that leaves the runner. @defaultValue identity */
  redact?: (text: string) => string;
}

const MAX_DETAIL_CHARS = 300;

/** A detail for a result sentence, cut to {@link MAX_DETAIL_CHARS} characters. */
export function clip(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text;
}

/**
 * The most telling stderr line: OpenClaw's own "[openclaw] Reason: …" when present, else the last non-empty line.
 */
export function stderrReason(stderr: string): string | undefined {
  const lines = stripAnsi(stderr)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const reason = lines.findLast((l) => /^\[openclaw\] Reason: /.test(l));
  if (reason) return clip(reason.replace(/^\[openclaw\] Reason: /, ''));
  const last = lines.at(-1);
  return last ? clip(last) : undefined;
}

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end > 0 ? text.slice(0, end) : text;
}

/** Maps a process outcome (and the envelope in its stdout) to the runner's result. */
export function openClawResult(outcome: ProcessOutcome, context: OutcomeContext): AgentResult {
  const redact = context.redact ?? ((t: string) => t);
  const envelope = parseEnvelope(outcome.stdout);
  const init: ResultInit = {
    model: envelope?.model ?? context.requestedModel,
    text: redact(envelope?.text ?? ''),
    notes: [...context.notes],
    durationMs: outcome.durationMs,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    timedOut: outcome.timedOut,
  };
  if (envelope?.usage) init.usage = envelope.usage;
  if (envelope?.costUsd !== undefined) init.costUsd = envelope.costUsd;
  const fail = (error: string, extra: Partial<ResultInit> = {}): AgentResult =>
    failureResult(redact(error), { ...init, ...extra });

  // Start failures, our own timeout, cancellation and signals: the engine's wording, with "agent" made specific.
  if (outcome.failedToStart || outcome.timedOut || outcome.aborted || outcome.signal) {
    const sentence =
      describeProcessFailure(outcome, { timeoutMs: context.timeoutMs, stderrDetail: false }) ?? '';
    return fail(sentence.replace(/^agent\b/, 'openclaw').replace(/start agent:/, 'start openclaw:'));
  }
  if (outcome.exitCode === 143) return fail('openclaw was terminated (SIGTERM, exit code 143)');
  if (!envelope) {
    const detail = stderrReason(outcome.stderr);
    return fail(
      `openclaw exited with code ${outcome.exitCode ?? 'unknown'} without a JSON result` +
        (detail ? `: ${detail}` : ''),
    );
  }
  if (envelope.timedOut) {
    // OpenClaw's own advice ("increase agents.defaults.timeoutSeconds") does not apply: --timeout comes from ours.
    const what = envelope.error ? `: ${clip(firstSentence(envelope.error))}` : '';
    return fail(
      `openclaw timed out at its ${context.turnTimeoutSec} s turn deadline (task timeout ` +
        `${formatDuration(context.timeoutMs)})${what}`,
      { timedOut: true },
    );
  }
  if (outcome.exitCode !== 0 || !envelope.ok) {
    const reason =
      envelope.error ?? stderrReason(outcome.stderr) ?? `exit code ${outcome.exitCode ?? 'unknown'}`;
    return fail(`openclaw failed: ${clip(reason)}`);
  }
  if (!envelope.text.trim()) return fail('openclaw finished without an answer');
  return successResult(init);
}
