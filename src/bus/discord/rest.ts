/**
 * Builds the `@discordjs/rest` client every Discord call goes through. Only `apiUrl` differs between
 * discord.com and the emulator.
 *
 * `@discordjs/rest` retries 5xx answers and timeouts, but not a connection dropped mid-request (undici's
 * `UND_ERR_SOCKET` "other side closed", `ECONNRESET` from the socket): one such blip would surface as "Discord
 * unreachable" and send the caller to the local queue. {@link retryDroppedConnections} retries those a couple of
 * times first. That is safe because every request this project makes is idempotent on a retry: message posts carry a
 * `nonce` with `enforce_nonce`, reactions are PUTs, edits are PATCHes, and the one non-idempotent call (thread
 * creation, the claim) uses a client built with `retries: 0` that does not retry at all.
 */
import { DefaultRestOptions, REST, type RateLimitData, type ResponseLike } from '@discordjs/rest';
import { jitter, sleep } from '../../lib/sleep.js';

/** The network seam of `@discordjs/rest`. */
export type MakeRequest = (url: string, init: RequestInit) => Promise<ResponseLike>;

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
  /**
   * 5xx / timeout retries inside the client. 0 also turns off the retry of dropped connections (the claim client:
   * a retried thread creation would answer 160004 to the worker that won).
   * @defaultValue 3
   */
  retries?: number;
  /** Retries of a dropped connection (see the module comment). @defaultValue 2 */
  dropRetries?: number;
  /** The network seam (tests). @defaultValue `DefaultRestOptions.makeRequest` (undici) */
  makeRequest?: MakeRequest;
}

/** Socket-level failures that mean "the connection broke", not "the server is not there". */
const DROPPED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED']);

/** True for an error thrown by the network layer when a connection was dropped mid-request. */
export function isDroppedConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DROPPED.has(code);
}

/**
 * Wrap a `makeRequest` so a dropped connection is retried up to `retries` times (short jittered backoff). Other
 * errors, and an abort (the client's timeout), pass through untouched.
 */
export function retryDroppedConnections(
  makeRequest: MakeRequest,
  retries: number,
  wait: (ms: number) => Promise<void> = (ms) => sleep(ms),
): MakeRequest {
  return async (url, init) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await makeRequest(url, init);
      } catch (error) {
        if (attempt >= retries || !isDroppedConnection(error) || init.signal?.aborted) throw error;
        await wait(jitter(100 * 2 ** attempt, 0.5, 1.5));
      }
    }
  };
}

/** A configured REST client. */
export function createRest(options: RestClientOptions): REST {
  const maxClaimWaitMs = options.maxClaimWaitMs ?? 5000;
  const retries = options.retries ?? 3;
  const base: MakeRequest = options.makeRequest ?? DefaultRestOptions.makeRequest;
  const rest = new REST({
    api: options.apiUrl,
    version: '10',
    timeout: options.timeoutMs ?? 15_000,
    retries,
    makeRequest: retries === 0 ? base : retryDroppedConnections(base, options.dropRetries ?? 2),
    rejectOnRateLimit: (data: RateLimitData) =>
      data.route.includes('/threads') && data.retryAfter > maxClaimWaitMs,
  });
  rest.setToken(options.token);
  return rest;
}
