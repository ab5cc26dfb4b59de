/**
 * The one table that turns what `@discordjs/rest` throws into this project's errors (STYLE rule 7).
 * Callers decide on the class, never on message text.
 */
import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import { BusUnavailableError, DiscordApiError, RateLimitedError } from '../../lib/errors.js';

/** Discord JSON error codes the bus acts on. */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  MissingAccess: 50001,
  MissingPermissions: 50013,
  ThreadAlreadyCreated: 160004,
  ThreadArchived: 50083,
  ThreadLocked: 160005,
  TooManyActiveThreads: 160006,
} as const;

/**
 * Map an error from a REST call to one of ours:
 * - a Discord 4xx answer → {@link DiscordApiError} (status and Discord code kept);
 * - a rate limit we chose not to wait for → {@link RateLimitedError};
 * - a 5xx after the client's retries, a timeout, a refused or dropped connection → {@link BusUnavailableError}.
 */
export function toBusError(error: unknown, method: string, route: string): Error {
  if (error instanceof DiscordAPIError) {
    return new DiscordApiError(
      { status: error.status, discordCode: Number(error.code) || 0, method, route, message: error.message },
      { cause: error },
    );
  }
  if (error instanceof RateLimitError) {
    return new RateLimitedError(route, error.retryAfter, { cause: error });
  }
  if (error instanceof HTTPError) {
    return new BusUnavailableError(`Discord answered ${error.status} to ${method} ${route}`, {
      cause: error,
    });
  }
  // Everything else a REST call throws is transport-level: undici socket errors, ECONNREFUSED, AbortError on
  // timeout. They all mean "Discord is not reachable right now".
  const detail =
    error instanceof Error
      ? `${error.name}: ${(error as { code?: string }).code ?? error.message}`
      : String(error);
  return new BusUnavailableError(`Discord unreachable for ${method} ${route} (${detail})`, { cause: error });
}

/** True when `error` is a Discord API error with the given JSON code. */
export function hasDiscordCode(error: unknown, code: number): boolean {
  return error instanceof DiscordApiError && error.discordCode === code;
}
