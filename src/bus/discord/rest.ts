/**
 * Builds the `@discordjs/rest` client every Discord call goes through. Only `apiUrl` differs between
 * discord.com and the emulator.
 */
import { REST, type RateLimitData } from '@discordjs/rest';

/** Options for {@link createRest}. */
export interface RestClientOptions {
  /** API base without the version, e.g. `https://discord.com/api`. */
  apiUrl: string;
  token: string;
  /**
   * Thread-creation 429s longer than this are not waited for: the claim gives up ("not now") and the worker
   * polls again later. Discord has been seen to ask for waits of minutes on this route.
   * @defaultValue 5000
   */
  maxClaimWaitMs?: number;
  /** Request timeout. @defaultValue 15000 */
  timeoutMs?: number;
  /** 5xx / timeout retries inside the client. @defaultValue 3 */
  retries?: number;
}

/** A configured REST client. */
export function createRest(options: RestClientOptions): REST {
  const maxClaimWaitMs = options.maxClaimWaitMs ?? 5000;
  const rest = new REST({
    api: options.apiUrl,
    version: '10',
    timeout: options.timeoutMs ?? 15_000,
    retries: options.retries ?? 3,
    rejectOnRateLimit: (data: RateLimitData) =>
      data.route.includes('/threads') && data.retryAfter > maxClaimWaitMs,
  });
  rest.setToken(options.token);
  return rest;
}
