/**
 * Discord-style rate limits: a global limit per bot, and per-route buckets keyed by bucket + major parameter
 * (channel or guild) + user, with fixed windows. Produces the `X-RateLimit-*` headers and 429 bodies.
 */
import { createHash } from 'node:crypto';
import type { BucketName } from './router.js';

/** One bucket's limit. */
export interface BucketLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** `X-RateLimit-Scope` of this bucket's 429s; `shared` ones do not count as invalid requests. @defaultValue 'user' */
  scope?: 'user' | 'shared';
}

/** Rate-limit settings. */
export interface RateLimitConfig {
  /** @defaultValue true */
  enabled: boolean;
  /** Requests per second per bot across all routes. @defaultValue 50 */
  globalPerSecond: number;
  /** Limits per bucket. */
  buckets: Record<BucketName, BucketLimit>;
}

/**
 * Defaults. Message create (5 / 5 s per channel) and reactions (1 / 0.25 s) follow observed Discord values; thread
 * creation is undocumented on Discord, so 10 / 10 s per guild is a guess tests can override.
 */
export const DEFAULT_RATE_LIMITS = {
  enabled: true,
  globalPerSecond: 50,
  buckets: {
    default: { limit: 25, windowMs: 1000 },
    messageCreate: { limit: 5, windowMs: 5000 },
    messageDelete: { limit: 5, windowMs: 1000 },
    bulkDelete: { limit: 1, windowMs: 1000 },
    reaction: { limit: 1, windowMs: 250 },
    threadCreate: { limit: 10, windowMs: 10_000 },
    channelEdit: { limit: 5, windowMs: 5000 },
  },
} as const satisfies RateLimitConfig;

interface Window {
  count: number;
  resetAt: number;
}

/** The decision for one request. */
export interface RateLimitDecision {
  headers: Record<string, string>;
  /** Set when the request must get a 429. */
  limited?: { retryAfterMs: number; global: boolean; scope: 'user' | 'global' | 'shared' };
}

/**
 * The 429 body. rate-limits.mdx shows "You are being rate limited." for user and global limits, and "The resource is
 * being rate limited." for a shared (per-resource) one.
 */
export function rateLimitBody(retryAfterMs: number, global: boolean, scope: string): Record<string, unknown> {
  return {
    message: scope === 'shared' ? 'The resource is being rate limited.' : 'You are being rate limited.',
    retry_after: Number((retryAfterMs / 1000).toFixed(3)),
    global,
  };
}

function fmt(seconds: number): string {
  return seconds.toFixed(3);
}

/** Tracks windows and decides each request. */
export class RateLimiter {
  config: RateLimitConfig;
  readonly #windows = new Map<string, Window>();
  readonly #global = new Map<string, Window>();
  readonly #hashes = new Map<string, string>();
  readonly #now: () => number;

  constructor(
    config: RateLimitConfig = structuredClone(DEFAULT_RATE_LIMITS) as RateLimitConfig,
    now: () => number = Date.now,
  ) {
    this.config = config;
    this.#now = now;
  }

  /** Forget every window (e.g. after the limits change). */
  reset(): void {
    this.#windows.clear();
    this.#global.clear();
  }

  #hash(name: string): string {
    let hash = this.#hashes.get(name);
    if (!hash) {
      hash = createHash('md5').update(`emulator:${name}`).digest('hex');
      this.#hashes.set(name, hash);
    }
    return hash;
  }

  #take(
    map: Map<string, Window>,
    key: string,
    limit: number,
    windowMs: number,
    now: number,
  ): { window: Window; ok: boolean } {
    let window = map.get(key);
    if (!window || now >= window.resetAt) {
      if (map.size > 50_000) for (const [k, w] of map) if (now >= w.resetAt) map.delete(k);
      window = { count: 0, resetAt: now + windowMs };
      map.set(key, window);
    }
    if (window.count >= limit) return { window, ok: false };
    window.count += 1;
    return { window, ok: true };
  }

  /**
   * Count a request by `userId` to `bucket` (`routeKey` names the default bucket per route) scoped by `major`.
   * Returns headers for the response and, when over a limit, the 429 details.
   */
  check(userId: string, bucket: BucketName, routeKey: string, major: string): RateLimitDecision {
    if (!this.config.enabled) return { headers: {} };
    const now = this.#now();
    const global = this.#take(this.#global, userId, this.config.globalPerSecond, 1000, now);
    if (!global.ok) {
      const retry = Math.max(1, global.window.resetAt - now);
      return {
        headers: {
          'X-RateLimit-Global': 'true',
          'X-RateLimit-Scope': 'global',
          'Retry-After': String(Math.ceil(retry / 1000)),
        },
        limited: { retryAfterMs: retry, global: true, scope: 'global' },
      };
    }
    const spec = this.config.buckets[bucket];
    const name = bucket === 'default' ? routeKey : bucket;
    const { window, ok } = this.#take(
      this.#windows,
      `${userId}|${name}|${major}`,
      spec.limit,
      spec.windowMs,
      now,
    );
    const resetAfter = Math.max(0, window.resetAt - now);
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(spec.limit),
      'X-RateLimit-Remaining': String(Math.max(0, spec.limit - window.count)),
      'X-RateLimit-Reset': fmt(window.resetAt / 1000),
      'X-RateLimit-Reset-After': fmt(resetAfter / 1000),
      'X-RateLimit-Bucket': this.#hash(name),
    };
    if (ok) return { headers };
    // An over-limit request does not consume the window; the bucket is still 0 remaining.
    const scope = spec.scope ?? 'user';
    headers['X-RateLimit-Scope'] = scope;
    headers['Retry-After'] = String(Math.ceil(resetAfter / 1000));
    return { headers, limited: { retryAfterMs: Math.max(1, resetAfter), global: false, scope } };
  }
}
