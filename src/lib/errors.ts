/**
 * The error family shared by every layer. Retry decisions look at the class or at `code`, never at the message.
 * Messages must never contain secrets: where foreign text is embedded, pass it through the process' `Redactor`
 * (`processRedactor` in `redact.ts`) first.
 */

/** Literal codes for every error this project raises. */
export type AppErrorCode =
  | 'CONFIG'
  | 'DISCORD_API'
  | 'RATE_LIMITED'
  | 'BUS_UNAVAILABLE'
  | 'AGENT_START'
  | 'LEASE_LOST'
  | 'TASK_INVALID'
  | 'DELEGATION_REFUSED'
  | 'WAIT_TIMEOUT'
  | 'ABORTED';

/** Base class: a literal `code` plus an optional `cause`. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  constructor(code: AppErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bad or missing configuration; `issues` holds one `key: message` line per problem. */
export class ConfigError extends AppError {
  readonly issues: string[];
  constructor(issues: string[], options?: { cause?: unknown }) {
    super('CONFIG', `Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`, options);
    this.issues = issues;
  }
}

/** A Discord API answer with an error status (4xx other than 429, or a 5xx after retries). */
export class DiscordApiError extends AppError {
  readonly status: number;
  /** Discord's JSON error code (e.g. 160004), 0 when absent. */
  readonly discordCode: number;
  readonly method: string;
  readonly route: string;
  constructor(
    init: { status: number; discordCode: number; method: string; route: string; message: string },
    options?: { cause?: unknown },
  ) {
    super(
      'DISCORD_API',
      `${init.method} ${init.route} failed: ${init.status} [${init.discordCode}] ${init.message}`,
      options,
    );
    this.status = init.status;
    this.discordCode = init.discordCode;
    this.method = init.method;
    this.route = init.route;
  }
}

/** A request was refused by a rate limit and waiting for it was not acceptable. */
export class RateLimitedError extends AppError {
  readonly retryAfterMs: number;
  readonly route: string;
  constructor(route: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('RATE_LIMITED', `Rate limited on ${route}; retry after ${retryAfterMs} ms`, options);
    this.route = route;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The bus backend cannot be reached (network error, outage, timeouts): the fallback bus switches on this. */
export class BusUnavailableError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUS_UNAVAILABLE', message, options);
  }
}

/** True for a {@link BusUnavailableError}, decided by `code` (so one from another copy of this module counts too). */
export function isBusUnavailable(error: unknown): error is BusUnavailableError {
  return error instanceof AppError && error.code === 'BUS_UNAVAILABLE';
}

/** A claim or lease no longer belongs to this worker. */
export class LeaseLostError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LEASE_LOST', message, options);
  }
}

/** A task that can never run as given (unknown model, bad thinking level, oversize). Never retried. */
export class TaskInvalidError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TASK_INVALID', message, options);
  }
}

/** The agent process could not be started (binary missing, too old). */
export class AgentStartError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AGENT_START', message, options);
  }
}

/** Turn any thrown value into a short, human-readable message. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
