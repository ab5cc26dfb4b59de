/**
 * The OpenAI-compatible runner: one chat completion per task against any `/chat/completions` endpoint
 * (OpenRouter by default), for people without OpenClaw. No tools and no files written: the worker saves the text.
 */
import { EventEmitter } from 'node:events';
import { AgentStartError, errorMessage } from '../../lib/errors.js';
import { Redactor } from '../../lib/redact.js';
import { jitter, sleep as defaultSleep } from '../../lib/sleep.js';
import { failureResult, formatDuration, successResult } from '../result.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../runner.js';
import { buildMessages } from './messages.js';
import { endpointModelId, providerPrefixFor, reportedModelId } from './model-id.js';
import { DEFAULT_OPENAI_RUNNER_OPTIONS, validateOptions, type OpenAIRunnerOptions } from './options.js';
import { sseData } from './sse.js';
import { retryAfterMs, statusAction, statusHint } from './status.js';
import { reasoningEffortFor, thinkingDowngradedNote } from './thinking.js';
import { usageFromOpenAI, type ParsedUsage } from './usage.js';

/** A retry about to happen. */
export interface RetryInfo {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  /** Why the previous attempt failed (redacted). */
  reason: string;
}

/** Events of {@link OpenAIRunner}. */
export interface OpenAIRunnerEvents {
  retry: [info: RetryInfo];
  /** `[openai] …` lines for debugging (redacted). */
  debug: [message: string];
}

// One HTTP attempt's outcome.
type Attempt =
  | { kind: 'ok'; text: string; finishReason?: string; model?: string; usage?: ParsedUsage }
  | { kind: 'retry'; reason: string; delayMs?: number }
  | { kind: 'fatal'; reason: string }
  | { kind: 'reasoning-rejected'; reason: string };

// What an attempt has received so far, kept for the result when the run is cut short.
interface Progress {
  text: string;
  model?: string;
}

const MAX_ERROR_DETAIL = 300;

/**
 * Runs tasks as single chat completions. See {@link OpenAIRunnerOptions}. There is no process, so results carry
 * `exitCode` 0 on success and null on failure, and `signal` is always null. Emits `retry` and `debug` events
 * (redacted); it never logs.
 */
export class OpenAIRunner extends EventEmitter<OpenAIRunnerEvents> implements AgentRunner {
  readonly name = 'openai';
  readonly #options: OpenAIRunnerOptions;
  readonly #baseUrl: string;
  readonly #prefix: string | null;
  readonly #redactor: Redactor;

  constructor(options: OpenAIRunnerOptions = {}) {
    super();
    validateOptions(options);
    this.#options = options;
    this.#baseUrl = (options.baseUrl ?? DEFAULT_OPENAI_RUNNER_OPTIONS.baseUrl).replace(/\/+$/, '');
    this.#prefix =
      options.providerPrefix === undefined ? providerPrefixFor(this.#baseUrl) : options.providerPrefix;
    this.#redactor = new Redactor([options.apiKey]);
  }

  /** Fails with `AgentStartError` when no API key is configured or the base URL is not a URL. No network call. */
  async check(): Promise<void> {
    if (!this.#options.apiKey) {
      throw new AgentStartError(
        'The openai runner needs an API key: set OPENROUTER_API_KEY (for OpenRouter, the default endpoint) or ' +
          'OPENAI_API_KEY (for another OpenAI-compatible endpoint).',
      );
    }
    if (!URL.canParse(this.#baseUrl)) {
      throw new AgentStartError(
        `The openai runner's base URL is not a URL: ${this.#redactor.redact(this.#baseUrl)}`,
      );
    }
  }

  /** Run one task. Resolves with a result for every outcome, including timeouts and aborts. */
  async run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    const now = this.#options.now ?? Date.now;
    const started = now();
    const notes: string[] = [];
    const progress: Progress = { text: '' };
    const base = () => ({
      model: reportedModelId(request.model, progress.model, this.#prefix),
      durationMs: now() - started,
    });

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timed out'));
    }, request.timeoutMs);
    timer.unref();
    const onAbort = () => controller.abort(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });

    try {
      let effort = reasoningEffortFor(request.thinking);
      if (effort && !(this.#options.reasoningModels ?? (() => true))(request.model)) {
        notes.push(thinkingDowngradedNote(request.model));
        effort = undefined;
      }
      const messages = await buildMessages(request, this.#options.messages);
      const body: Record<string, unknown> = {
        model: endpointModelId(request.model, this.#prefix),
        messages,
        stream: this.#stream,
      };
      if (this.#stream) body.stream_options = { include_usage: true };
      if (effort) body.reasoning_effort = effort;
      if (this.#options.maxTokens !== undefined) {
        body[this.#options.maxTokensField ?? DEFAULT_OPENAI_RUNNER_OPTIONS.maxTokensField] =
          this.#options.maxTokens;
      }

      const maxRetries = this.#options.maxRetries ?? DEFAULT_OPENAI_RUNNER_OPTIONS.maxRetries;
      let retries = 0;
      let reasoningRetried = false;
      for (;;) {
        if (controller.signal.aborted) throw controller.signal.reason;
        progress.text = '';
        const attempt = await this.#attempt(body, controller.signal, progress);
        if (attempt.kind === 'ok') return this.#finish(attempt, notes, base);
        if (attempt.kind === 'reasoning-rejected' && !reasoningRetried) {
          // The endpoint refused the reasoning parameter for this model: run without it once, and say so.
          reasoningRetried = true;
          delete body.reasoning_effort;
          notes.push(thinkingDowngradedNote(request.model));
          this.#debug(`reasoning rejected, retrying without it: ${attempt.reason}`);
          continue;
        }
        if (attempt.kind === 'retry' && retries < maxRetries) {
          retries += 1;
          const delayMs = this.#delay(retries, attempt.delayMs);
          this.emit('retry', { retry: retries, delayMs, reason: this.#redactor.redact(attempt.reason) });
          await (this.#options.sleep ?? defaultSleep)(delayMs, controller.signal);
          continue;
        }
        const tries = retries + 1;
        const suffix =
          attempt.kind === 'retry' ? ` (gave up after ${tries} attempt${tries === 1 ? '' : 's'})` : '';
        return this.#result(
          failureResult(`${attempt.reason}${suffix}`, { ...base(), text: progress.text, notes }),
        );
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
      const why = timedOut
        ? `timed out after ${formatDuration(request.timeoutMs)} waiting for ${this.#host}`
        : 'cancelled before the model answered';
      return this.#result(failureResult(why, { ...base(), text: progress.text, notes, timedOut }));
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  get #stream(): boolean {
    return this.#options.stream ?? DEFAULT_OPENAI_RUNNER_OPTIONS.stream;
  }

  get #host(): string {
    return URL.canParse(this.#baseUrl) ? new URL(this.#baseUrl).host : 'the model endpoint';
  }

  // Backoff before retry n: the server's Retry-After when given (plus up to 20% so clients spread out), else
  // exponential with jitter; both capped.
  #delay(retry: number, retryAfter: number | undefined): number {
    const random = this.#options.random ?? Math.random;
    const cap = this.#options.maxRetryDelayMs ?? DEFAULT_OPENAI_RUNNER_OPTIONS.maxRetryDelayMs;
    if (retryAfter !== undefined) return Math.min(cap, Math.round(retryAfter * (1 + 0.2 * random())));
    const base = (this.#options.retryBaseMs ?? DEFAULT_OPENAI_RUNNER_OPTIONS.retryBaseMs) * 2 ** (retry - 1);
    return Math.min(cap, jitter(base, 0.5, 1.5, random));
  }

  async #attempt(body: Record<string, unknown>, signal: AbortSignal, progress: Progress): Promise<Attempt> {
    const headers: Record<string, string> = {
      ...this.#options.headers,
      'content-type': 'application/json',
      accept: this.#stream ? 'text/event-stream' : 'application/json',
    };
    if (this.#options.apiKey) headers.authorization = `Bearer ${this.#options.apiKey}`;
    let response: Response;
    try {
      response = await (this.#options.fetch ?? globalThis.fetch)(`${this.#baseUrl}/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      return { kind: 'retry', reason: `cannot reach ${this.#host}: ${describeNetworkError(error)}` };
    }

    const action = statusAction(response.status);
    if (action !== 'ok') {
      const detail = await errorDetail(response);
      const model = String(body.model);
      if (response.status === 400 && body.reasoning_effort !== undefined && /reasoning/i.test(detail)) {
        return { kind: 'reasoning-rejected', reason: `HTTP 400: ${detail}` };
      }
      if (action === 'retry') {
        return {
          kind: 'retry',
          reason: `HTTP ${response.status} from ${this.#host}: ${detail}`,
          delayMs: retryAfterMs(response.headers.get('retry-after')),
        };
      }
      const hint = statusHint(response.status, model);
      return {
        kind: 'fatal',
        reason: `HTTP ${response.status} from ${this.#host}: ${detail}${hint ? ` (${hint})` : ''}`,
      };
    }

    try {
      const isStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
      return isStream ? await readStream(response, progress) : await readJson(response, progress);
    } catch (error) {
      if (signal.aborted) throw error;
      return {
        kind: 'retry',
        reason: `connection to ${this.#host} broke while reading the answer: ${describeNetworkError(error)}`,
      };
    }
  }

  #finish(
    attempt: Extract<Attempt, { kind: 'ok' }>,
    notes: string[],
    base: () => { model: string; durationMs: number },
  ) {
    const init = {
      ...base(),
      text: attempt.text,
      notes: [...notes],
      usage: attempt.usage?.usage,
      costUsd: attempt.usage?.costUsd,
    };
    if (!attempt.usage) init.notes.push('the endpoint reported no token usage');
    if (attempt.finishReason === 'content_filter') {
      return this.#result(failureResult("the provider's content filter stopped the answer", init));
    }
    if (attempt.text.trim() === '') {
      return this.#result(failureResult('the model returned an empty answer', init));
    }
    if (attempt.finishReason === 'length') init.notes.push('answer cut off at the token limit');
    return this.#result(successResult({ ...init, exitCode: 0 }));
  }

  // Every string in a result passes the redactor: the key must never leave the process.
  #result(result: AgentResult): AgentResult {
    const r = this.#redactor;
    const out: AgentResult = {
      ...result,
      text: r.redact(result.text),
      notes: result.notes.map((n) => r.redact(n)),
    };
    if (result.error !== undefined) out.error = r.redact(result.error);
    out.model = r.redact(result.model);
    return out;
  }

  #debug(message: string): void {
    this.emit('debug', `[openai] ${this.#redactor.redact(message)}`);
  }
}

async function readJson(response: Response, progress: Progress): Promise<Attempt> {
  const raw = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {
      kind: 'fatal',
      reason: `the endpoint's answer is not JSON (is the base URL right?): ${clip(raw)}`,
    };
  }
  const body = (json ?? {}) as Record<string, unknown>;
  const error = errorOf(body);
  if (error) return error;
  const choice = firstChoice(body.choices);
  const message = (choice?.message ?? {}) as Record<string, unknown>;
  const text = contentText(message.content);
  progress.text = text;
  if (typeof body.model === 'string') progress.model = body.model;
  if (!choice) return { kind: 'fatal', reason: `the endpoint's answer has no choices: ${clip(raw)}` };
  return {
    kind: 'ok',
    text,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined,
    model: progress.model,
    usage: usageFromOpenAI(body.usage),
  };
}

async function readStream(response: Response, progress: Progress): Promise<Attempt> {
  if (!response.body) return { kind: 'retry', reason: 'the endpoint sent an empty stream' };
  let finishReason: string | undefined;
  let usage: ParsedUsage | undefined;
  let done = false;
  for await (const data of sseData(response.body)) {
    if (data.trim() === '[DONE]') {
      done = true;
      break;
    }
    let chunk: Record<string, unknown>;
    try {
      chunk = JSON.parse(data) as Record<string, unknown>;
    } catch {
      continue;
    }
    // OpenRouter reports upstream failures inside a 200 stream as a chunk with `error`.
    const error = errorOf(chunk);
    if (error) return error;
    if (typeof chunk.model === 'string' && chunk.model) progress.model = chunk.model;
    const choice = firstChoice(chunk.choices);
    const delta = (choice?.delta ?? {}) as Record<string, unknown>;
    progress.text += contentText(delta.content);
    if (typeof choice?.finish_reason === 'string') finishReason = choice.finish_reason;
    usage = usageFromOpenAI(chunk.usage) ?? usage;
  }
  if (!done && finishReason === undefined) {
    return { kind: 'retry', reason: 'the answer stream ended before the answer was complete' };
  }
  return { kind: 'ok', text: progress.text, finishReason, model: progress.model, usage };
}

function errorOf(body: Record<string, unknown>): Attempt | undefined {
  const error = body.error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  const reason = `the endpoint reported an error${Number.isFinite(code) ? ` ${code}` : ''}: ${clip(message)}`;
  return Number.isFinite(code) && statusAction(code) === 'fatal'
    ? { kind: 'fatal', reason }
    : { kind: 'retry', reason };
}

function firstChoice(choices: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices[0];
  return first && typeof first === 'object' ? (first as Record<string, unknown>) : undefined;
}

// `content` is a string, or (some servers) an array of `{type:'text', text}` parts.
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) =>
      p && typeof p === 'object' && 'text' in p && typeof p.text === 'string' ? p.text : '',
    )
    .join('');
}

async function errorDetail(response: Response): Promise<string> {
  let raw: string;
  try {
    raw = await response.text();
  } catch {
    return response.statusText || 'no details';
  }
  try {
    const json = JSON.parse(raw) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof json.error === 'string'
        ? json.error
        : typeof json.error?.message === 'string'
          ? json.error.message
          : typeof json.message === 'string'
            ? json.message
            : undefined;
    if (message) return clip(message);
  } catch {
    // Not JSON: show the start of the text.
  }
  return clip(raw) || response.statusText || 'no details';
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${errorMessage(error)}${cause}`;
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_DETAIL ? `${oneLine.slice(0, MAX_ERROR_DETAIL - 1)}…` : oneLine;
}
