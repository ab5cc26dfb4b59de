/**
 * What to do with each HTTP status from a chat-completions endpoint: one table, as for Discord's codes.
 */

/** `retry`: transient, try again after a backoff; `fatal`: report the task FAILED now. */
export type StatusAction = 'ok' | 'retry' | 'fatal';

/** The action for an HTTP status. */
export function statusAction(status: number): StatusAction {
  if (status >= 200 && status < 300) return 'ok';
  switch (status) {
    case 408: // request timeout
    case 409: // conflict (some gateways use it for "busy")
    case 425: // too early
    case 429: // rate limited: honour Retry-After
      return 'retry';
    default:
      return status >= 500 ? 'retry' : 'fatal';
  }
}

/** A short hint for fatal statuses people can fix, appended to the error sentence. */
export function statusHint(status: number, model: string): string | undefined {
  switch (status) {
    case 401:
    case 403:
      return 'check the API key (OPENROUTER_API_KEY or OPENAI_API_KEY)';
    case 402:
      return 'the account is out of credits';
    case 404:
      return `check that the endpoint serves model ${model}`;
    default:
      return undefined;
  }
}

/**
 * Delay asked for by a `Retry-After` header (seconds or an HTTP date), in ms; undefined when absent or invalid.
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
