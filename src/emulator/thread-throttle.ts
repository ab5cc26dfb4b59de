/**
 * Discord's undocumented, dynamic limit on thread creation: after a burst of creations, further ones get 429s with
 * `X-RateLimit-Scope: shared` and a `retry_after` of minutes (observed 145–280 s: discord-api-docs issue #7816,
 * NousResearch/hermes-agent PR #96101). Modelled as a rule: after `maxCreations` creations within `windowMs` (per
 * bot or per guild), creations are throttled for `retryAfterMs`. Tests can also throttle right now.
 */

/** Thread-creation throttle settings. */
export interface ThreadThrottleConfig {
  /** Whether the rule engages by itself (the admin switch works either way). @defaultValue false */
  enabled: boolean;
  /** Thread creations allowed within `windowMs` before creations are throttled. @defaultValue 20 */
  maxCreations: number;
  /** The counting window. @defaultValue 600000 (10 min) */
  windowMs: number;
  /** Whether each bot is counted and throttled on its own, or all bots of a guild together. @defaultValue 'bot' */
  per: 'bot' | 'guild';
  /** How long creations stay throttled once the rule engages: the 429's `retry_after`. @defaultValue 200000 */
  retryAfterMs: number;
}

/** Defaults of {@link ThreadThrottleConfig}: off; when on, 20 per 10 min per bot, then 200 s (observed 145–280 s). */
export const DEFAULT_THREAD_THROTTLE = {
  enabled: false,
  maxCreations: 20,
  windowMs: 600_000,
  per: 'bot',
  retryAfterMs: 200_000,
} as const satisfies ThreadThrottleConfig;

/** Whom a throttle applies to: one bot, one guild, or everyone. */
export interface ThrottleTarget {
  userId?: string;
  guildId?: string;
}

/** An active throttle as the admin API reports it. */
export interface ActiveThrottle {
  /** `all`, `bot:<user id>` or `guild:<guild id>`. */
  key: string;
  /** Milliseconds until creations pass again. */
  remainingMs: number;
}

function finite(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number >= ${min}, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}

/** Validate a (partial) throttle config on top of `base` (throws `TypeError` naming the key). */
export function normaliseThrottle(
  input: Partial<ThreadThrottleConfig>,
  base: ThreadThrottleConfig = DEFAULT_THREAD_THROTTLE,
): ThreadThrottleConfig {
  const merged = { ...base, ...input };
  if (typeof merged.enabled !== 'boolean')
    throw new TypeError(`Expected \`enabled\` to be a boolean, got \`${String(merged.enabled)}\``);
  if (merged.per !== 'bot' && merged.per !== 'guild')
    throw new TypeError(`Expected \`per\` to be 'bot' or 'guild', got \`${String(merged.per)}\``);
  const maxCreations = finite(merged.maxCreations, 'maxCreations', 1);
  if (!Number.isInteger(maxCreations))
    throw new TypeError(`Expected \`maxCreations\` to be an integer, got \`${maxCreations}\``);
  return {
    enabled: merged.enabled,
    maxCreations,
    windowMs: finite(merged.windowMs, 'windowMs', 1),
    per: merged.per,
    retryAfterMs: finite(merged.retryAfterMs, 'retryAfterMs', 1),
  };
}

/** Counts thread creations and decides which ones are throttled. */
export class ThreadThrottle {
  #config: ThreadThrottleConfig;
  readonly #recent = new Map<string, number[]>();
  readonly #until = new Map<string, number>();
  readonly #now: () => number;

  constructor(config: Partial<ThreadThrottleConfig> = {}, now: () => number = Date.now) {
    this.#config = normaliseThrottle(config);
    this.#now = now;
  }

  /** The current settings. */
  get config(): ThreadThrottleConfig {
    return { ...this.#config };
  }

  /** Change settings; counts restart. */
  configure(changes: Partial<ThreadThrottleConfig>): ThreadThrottleConfig {
    this.#config = normaliseThrottle(changes, this.#config);
    this.#recent.clear();
    return this.config;
  }

  /** Milliseconds a creation by `userId` in `guildId` must still wait, or 0 when it may go ahead. */
  check(userId: string, guildId: string): number {
    const now = this.#now();
    let wait = 0;
    for (const key of ['all', `bot:${userId}`, `guild:${guildId}`]) {
      const until = this.#until.get(key);
      if (until === undefined) continue;
      if (until <= now) this.#until.delete(key);
      else wait = Math.max(wait, until - now);
    }
    return wait;
  }

  /** Count a thread created by `userId` in `guildId`; engages the throttle at `maxCreations` within the window. */
  record(userId: string, guildId: string): void {
    const c = this.#config;
    if (!c.enabled) return;
    const now = this.#now();
    const key = c.per === 'bot' ? `bot:${userId}` : `guild:${guildId}`;
    const recent = (this.#recent.get(key) ?? []).filter((at) => now - at < c.windowMs);
    recent.push(now);
    if (recent.length >= c.maxCreations) {
      this.#until.set(key, Math.max(this.#until.get(key) ?? 0, now + c.retryAfterMs));
      this.#recent.delete(key);
    } else this.#recent.set(key, recent);
  }

  /** Throttle creations now for `durationMs`: of one bot, of one guild, or (no target) of everyone. */
  throttleNow(durationMs: number, target: ThrottleTarget = {}): void {
    finite(durationMs, 'durationMs', 1);
    const key = target.userId ? `bot:${target.userId}` : target.guildId ? `guild:${target.guildId}` : 'all';
    this.#until.set(key, this.#now() + durationMs);
  }

  /** Active throttles. */
  active(): ActiveThrottle[] {
    const now = this.#now();
    return [...this.#until]
      .filter(([, until]) => until > now)
      .map(([key, until]) => ({ key, remainingMs: until - now }));
  }

  /** Lift every throttle and forget the counts (settings stay). */
  lift(): void {
    this.#until.clear();
    this.#recent.clear();
  }
}
