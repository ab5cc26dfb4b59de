/**
 * Options of the OpenAI-compatible runner: one documented interface, one defaults constant, validation in one place.
 */
import type { MessageOptions } from './messages.js';

/** Options of {@link OpenAIRunner}. */
export interface OpenAIRunnerOptions {
  /**
   * Bearer token for the endpoint (the config takes it from `OPENROUTER_API_KEY` or `OPENAI_API_KEY`). Never
   * logged, and redacted from every error and result. `check()` fails without it.
   * @defaultValue undefined
   */
  apiKey?: string;
  /** Base URL of the API, up to and including the version (`/v1`). @defaultValue `https://openrouter.ai/api/v1` */
  baseUrl?: string;
  /**
   * The provider prefix that names this endpoint in `provider/model` ids; it is stripped from the model sent and
   * put back on the model reported (see `model-id.ts`). `null` never strips.
   * @defaultValue guessed from `baseUrl`: `openrouter` for openrouter.ai, `openai` for api.openai.com, else `null`
   */
  providerPrefix?: string | null;
  /** Stream the answer (SSE with `stream_options.include_usage`). @defaultValue true */
  stream?: boolean;
  /** Retries after a 429, a 5xx or a network error, on top of the first attempt. @defaultValue 3 */
  maxRetries?: number;
  /** Backoff before the first retry, doubled each time, with jitter (0.5×–1.5×). @defaultValue 1000 */
  retryBaseMs?: number;
  /** Longest single wait between attempts, `Retry-After` included. @defaultValue 60000 */
  maxRetryDelayMs?: number;
  /** Cap on answer tokens; not sent when undefined. @defaultValue undefined */
  maxTokens?: number;
  /** Field name for {@link maxTokens} (newer OpenAI models want `max_completion_tokens`). @defaultValue `max_tokens` */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * Whether a model (the requested `provider/model` id) accepts `reasoning_effort`. When it says no, thinking is
   * sent as off and the result notes it. A 400 that mentions reasoning also downgrades (one retry without it).
   * @defaultValue every model is assumed to support it
   */
  reasoningModels?: (model: string) => boolean;
  /** Extra request headers (e.g. OpenRouter's `HTTP-Referer`, `X-Title`). @defaultValue {} */
  headers?: Record<string, string>;
  /** How the messages are built (system prompt, attachment limits, file seams). @defaultValue {} */
  messages?: MessageOptions;
  /** HTTP seam. @defaultValue `globalThis.fetch` */
  fetch?: typeof globalThis.fetch;
  /** Waits between attempts; must reject when the signal aborts. @defaultValue `sleep` from `lib/sleep.ts` */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source for jitter. @defaultValue `Math.random` */
  random?: () => number;
  /** Clock for durations. @defaultValue `Date.now` */
  now?: () => number;
}

/** Defaults of the plain (non-seam) options. */
export const DEFAULT_OPENAI_RUNNER_OPTIONS = {
  baseUrl: 'https://openrouter.ai/api/v1',
  stream: true,
  maxRetries: 3,
  retryBaseMs: 1000,
  maxRetryDelayMs: 60_000,
  maxTokensField: 'max_tokens',
} as const satisfies Partial<Required<OpenAIRunnerOptions>>;

/** Throw a `TypeError` for invalid numeric options (p-queue style messages). */
export function validateOptions(options: OpenAIRunnerOptions): void {
  const checks: Array<[string, number | undefined, number]> = [
    ['maxRetries', options.maxRetries, 0],
    ['retryBaseMs', options.retryBaseMs, 0],
    ['maxRetryDelayMs', options.maxRetryDelayMs, 0],
    ['maxTokens', options.maxTokens, 1],
  ];
  for (const [name, value, min] of checks) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new TypeError(
        `Expected \`${name}\` to be a finite number >= ${min}, got \`${String(value)}\` (${typeof value})`,
      );
    }
  }
}
