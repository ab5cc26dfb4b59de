/**
 * Reads the JSON envelope that `openclaw agent --local --json` prints on stdout. Three shapes were measured with
 * openclaw 2026.9.6 (see reference/openclaw.md §5):
 * - a finished turn: `{payloads:[{text, isError?}], meta:{stopReason, finalAssistantVisibleText, agentMeta:{provider,
 *   model, usage:{input, output, cacheRead, cacheWrite, total, cost:{total}}, costUsd}}}`;
 * - a turn that failed or timed out (exit 1): the same shape plus `meta.error:{kind, message}` and, on a timeout,
 *   `meta.timeoutPhase` and `meta.modelFallbackStopReason: "agent_run_terminal_timeout"`;
 * - a command that failed before the turn (exit 1, e.g. an unsupported thinking level):
 *   `{ok:false, error:{type, message}}`.
 * The Gateway path nests the first two under `result` (reference §6); that is unwrapped too.
 */
import type { AgentUsage } from '../../task/usage.js';

/** What the runner needs from one envelope. */
export interface OpenClawEnvelope {
  /** The turn finished without any error marker. Says nothing about the exit code; the caller checks both. */
  ok: boolean;
  /** The visible answer (on failure: whatever non-error text the agent produced, often empty). */
  text: string;
  /** OpenClaw's own error message, when it reported one. */
  error?: string;
  /** OpenClaw gave up because its own `--timeout` deadline passed. */
  timedOut: boolean;
  /** `provider/model` that actually ran, when reported. */
  model?: string;
  /** Tokens summed over the run's model calls; `input` is uncached prompt tokens, as OpenClaw records them. */
  usage?: AgentUsage;
  /** OpenClaw's cost figure in USD. */
  costUsd?: number;
  stopReason?: string;
}

type Json = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function looksLikeEnvelope(value: unknown): value is Json {
  if (!isObject(value)) return false;
  if (Array.isArray(value.payloads) || isObject(value.meta)) return true;
  if (value.ok === false && isObject(value.error)) return true;
  return isObject(value.result) && looksLikeEnvelope(value.result);
}

// Bounds the brute-force search below; a real envelope is found on the first or second try.
const MAX_PARSE_ATTEMPTS = 40;

/**
 * Finds a JSON object that `accept`s in a command's stdout. Normally stdout is exactly one JSON document, but a
 * plugin or a wrapper script may print lines before (or after) it, so candidates are tried from each line that
 * starts with `{` to each later line that ends with `}`.
 */
export function findJsonObject(stdout: string, accept: (value: unknown) => value is Json): Json | undefined {
  const trimmed = stdout.trim();
  if (!trimmed) return undefined;
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (accept(whole)) return whole;
  } catch {
    // Not one clean document: search below.
  }
  const starts: number[] = [];
  const ends: number[] = [];
  const linePattern = /^.*$/gm;
  for (let m = linePattern.exec(stdout); m !== null; m = linePattern.exec(stdout)) {
    if (m[0].length === 0) {
      linePattern.lastIndex++;
      continue;
    }
    if (m[0].trimStart().startsWith('{')) starts.push(m.index + (m[0].length - m[0].trimStart().length));
    if (m[0].trimEnd().endsWith('}')) ends.push(m.index + m[0].trimEnd().length);
  }
  let attempts = 0;
  for (const start of starts) {
    for (let i = ends.length - 1; i >= 0; i--) {
      const end = ends[i]!;
      if (end <= start) break;
      if (++attempts > MAX_PARSE_ATTEMPTS) return undefined;
      try {
        const candidate: unknown = JSON.parse(stdout.slice(start, end));
        if (accept(candidate)) return candidate;
      } catch {
        // Try the next candidate.
      }
    }
  }
  return undefined;
}

/** The envelope object in `openclaw agent --json` stdout, or undefined. */
export function extractEnvelopeJson(stdout: string): Json | undefined {
  return findJsonObject(stdout, looksLikeEnvelope);
}

function readUsage(value: unknown): AgentUsage | undefined {
  if (!isObject(value)) return undefined;
  return {
    input: num(value.input) ?? 0,
    output: num(value.output) ?? 0,
    cacheRead: num(value.cacheRead) ?? 0,
    cacheWrite: num(value.cacheWrite) ?? 0,
  };
}

function isTimeoutMarker(value: unknown): boolean {
  return typeof value === 'string' && /timeout|timed[ _-]?out/i.test(value);
}

/** Interprets a parsed envelope; see the module comment for the shapes. */
export function readEnvelope(raw: Json): OpenClawEnvelope {
  const envelope = isObject(raw.result) && !raw.payloads && !raw.meta ? raw.result : raw;
  const meta = isObject(envelope.meta) ? envelope.meta : {};
  const agentMeta = isObject(meta.agentMeta) ? meta.agentMeta : {};
  const payloads = Array.isArray(envelope.payloads) ? envelope.payloads.filter(isObject) : [];

  const errorPayloads = payloads.filter((p) => p.isError === true);
  const textPayloads = payloads.filter((p) => p.isError !== true);
  const text =
    str(meta.finalAssistantVisibleText) ??
    textPayloads
      .map((p) => str(p.text))
      .filter((t): t is string => t !== undefined)
      .join('\n\n');

  const stopReason = str(meta.stopReason);
  const error =
    (isObject(envelope.error) ? str(envelope.error.message) : str(envelope.error)) ??
    (isObject(meta.error) ? str(meta.error.message) : str(meta.error)) ??
    str(errorPayloads[0]?.text) ??
    (meta.aborted === true ? 'OpenClaw aborted the run' : undefined) ??
    (stopReason === 'error' ? 'OpenClaw stopped with an error' : undefined) ??
    (envelope.ok === false ? 'OpenClaw reported a failure' : undefined);
  const timedOut =
    meta.timeoutPhase !== undefined ||
    isTimeoutMarker(meta.modelFallbackStopReason) ||
    isTimeoutMarker(stopReason);

  const provider = str(agentMeta.provider);
  const modelId = str(agentMeta.model);
  const usage = readUsage(agentMeta.usage);
  const costUsd =
    num(agentMeta.costUsd) ??
    (isObject(agentMeta.usage) && isObject(agentMeta.usage.cost)
      ? num(agentMeta.usage.cost.total)
      : undefined);

  const result: OpenClawEnvelope = { ok: error === undefined && !timedOut, text, timedOut };
  if (error !== undefined) result.error = error;
  if (provider && modelId)
    result.model = modelId.startsWith(`${provider}/`) ? modelId : `${provider}/${modelId}`;
  if (usage) result.usage = usage;
  if (costUsd !== undefined) result.costUsd = costUsd;
  if (stopReason) result.stopReason = stopReason;
  return result;
}

/** Finds and interprets the envelope in stdout; undefined when there is none. */
export function parseEnvelope(stdout: string): OpenClawEnvelope | undefined {
  const raw = extractEnvelopeJson(stdout);
  return raw ? readEnvelope(raw) : undefined;
}
