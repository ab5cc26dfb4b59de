/**
 * Turns one task run through the Gateway into an {@link AgentResult}, the same shape the `--local` mode gives.
 * Answers of the `agent` method, as openclaw 2026.9.6 sends them (measured):
 * - finished: `{ok:true, payload:{runId, status:"ok", summary:"completed", result:{payloads, meta}}}`: the `--local`
 *   envelope nested under `result` (usage, cost and model in `meta.agentMeta`);
 * - OpenClaw's own turn deadline: `{ok:true, payload:{status:"timeout", timeoutPhase, result:{…meta.error…}}}`;
 * - aborted with `chat.abort`: `{ok:true, payload:{status:"timeout", summary:"aborted", stopReason:"rpc"}}`;
 * - refused or failed before the turn (e.g. a thinking level the model lacks):
 *   `{ok:false, error:{code:"UNAVAILABLE", message}, payload:{status:"error", summary}}`.
 * There is no process per task, so `exitCode` follows the CLI's own rule for the same answer (0 ok, 1 otherwise)
 * and is null when the turn was cut off.
 */
import { failureResult, formatDuration, successResult, type ResultInit } from '../../result.js';
import type { AgentResult } from '../../runner.js';
import { isObject, readEnvelope, type OpenClawEnvelope } from '../envelope.js';
import type { GatewayTaskOutcome } from './gateway-host.js';
import { clip, type OutcomeContext } from '../outcome.js';

/** What the mapping needs besides the outcome: the same as for a `--local` process. */
export type GatewayResultContext = OutcomeContext;

function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end > 0 ? text.slice(0, end) : text;
}

/** Maps a Gateway task outcome to the runner's result. */
export function gatewayResult(outcome: GatewayTaskOutcome, context: GatewayResultContext): AgentResult {
  const redact = context.redact ?? ((t: string) => t);
  const payload = outcome.response?.payload;
  const envelope: OpenClawEnvelope | undefined =
    payload && isObject(payload.result) ? readEnvelope(payload) : undefined;
  const init: ResultInit = {
    model: envelope?.model ?? context.requestedModel,
    text: redact(envelope?.text ?? ''),
    notes: [...context.notes],
    durationMs: outcome.durationMs,
    exitCode: null,
    signal: null,
    timedOut: outcome.timedOut,
  };
  if (envelope?.usage) init.usage = envelope.usage;
  if (envelope?.costUsd !== undefined) init.costUsd = envelope.costUsd;
  const fail = (error: string, extra: Partial<ResultInit> = {}): AgentResult =>
    failureResult(redact(error), { ...init, ...extra });
  const how = outcome.gatewayStopped ? 'the Gateway was stopped to end the turn' : 'the turn was aborted';

  if (outcome.timedOut) return fail(`openclaw timed out after ${formatDuration(context.timeoutMs)} (${how})`);
  if (outcome.aborted) {
    return fail(
      outcome.response || outcome.gatewayStopped
        ? `openclaw was cancelled (${how})`
        : 'openclaw was cancelled before it started',
    );
  }
  if (outcome.failure) return fail(outcome.failure);
  const response = outcome.response;
  if (!response) return fail('the OpenClaw Gateway gave no answer');
  if (!response.ok) {
    const reason =
      response.error?.message ?? (typeof payload?.summary === 'string' ? payload.summary : undefined);
    return fail(`openclaw failed: ${clip(reason ?? response.error?.code ?? 'no reason given')}`, {
      exitCode: 1,
    });
  }
  const status = payload?.status;
  if (status === 'timeout' || envelope?.timedOut) {
    const what = envelope?.error ? `: ${clip(firstSentence(envelope.error))}` : '';
    return fail(
      `openclaw timed out at its ${context.turnTimeoutSec} s turn deadline (task timeout ` +
        `${formatDuration(context.timeoutMs)})${what}`,
      { timedOut: true, exitCode: 1 },
    );
  }
  if (!envelope) {
    const summary = typeof payload?.summary === 'string' ? `: ${clip(payload.summary)}` : '';
    return fail(`openclaw answered without a result (status ${String(status ?? 'unknown')})${summary}`, {
      exitCode: 1,
    });
  }
  if (status !== 'ok' || !envelope.ok) {
    const summary = typeof payload?.summary === 'string' ? payload.summary : undefined;
    return fail(`openclaw failed: ${clip(envelope.error ?? summary ?? `status ${String(status)}`)}`, {
      exitCode: 1,
    });
  }
  if (!envelope.text.trim()) return fail('openclaw finished without an answer', { exitCode: 0 });
  return successResult({ ...init, exitCode: 0 });
}
