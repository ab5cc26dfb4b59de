/** A typed client of the emulator's admin API (`/_emulator`), usable from another process too. */
import type { EmulatorEvent, EventPage } from '../events.js';
import type { FaultRule, FaultRuleState } from '../fault-rules.js';
import type { FaultConfig } from '../faults.js';
import { GatewayAdmin } from '../gateway/admin-client.js';
import type { BucketLimit, RateLimitConfig } from '../rate-limit.js';
import type { BucketName } from '../router.js';
import type { StateConfig } from '../state.js';
import type { EmulatorStats } from '../stats.js';
import type { ThreadThrottleConfig, ThrottleTarget } from '../thread-throttle.js';
import type { EmulatorWorld } from '../world.js';
import type { RawMessage } from './routes.js';
import type { ThreadThrottleStatus } from './traffic-routes.js';

/** A user created through the admin API. */
export interface CreatedUser {
  userId: string;
  token: string;
}

/** The admin API failed (never carries tokens). */
export class EmulatorAdminError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'EmulatorAdminError';
    this.status = status;
  }
}

/** Options of {@link EmulatorAdmin}. */
export interface EmulatorAdminOptions {
  /** The network seam. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

/** Client of `http://127.0.0.1:P/_emulator`. Faults never apply to these requests. */
export class EmulatorAdmin {
  readonly adminUrl: string;
  /** Gateway settings, stats and faults (`/_emulator/gateway/...`). */
  readonly gateway: GatewayAdmin;
  readonly #fetch: typeof fetch;

  constructor(adminUrl: string, options: EmulatorAdminOptions = {}) {
    this.adminUrl = adminUrl.replace(/\/$/, '');
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.gateway = new GatewayAdmin((method, path, body) => this.#call(method, path, body));
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    const res = await this.#fetch(`${this.adminUrl}${path}`, init);
    const textBody = await res.text();
    const parsed: unknown = textBody ? JSON.parse(textBody) : undefined;
    if (!res.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? res.statusText;
      throw new EmulatorAdminError(res.status, `emulator admin ${method} ${path}: ${res.status} ${message}`);
    }
    return parsed as T;
  }

  /** The seeded world (URLs, ids, tokens). */
  world(): Promise<EmulatorWorld> {
    return this.#call('GET', '/world');
  }

  /** Throw the state away and seed a fresh world with `workers` worker bots (default: as many as now). */
  seed(options: { workers?: number } = {}): Promise<EmulatorWorld> {
    return this.#call('POST', '/seed', options);
  }

  /** Add a bot to the guild (with the message-content intent unless `messageContentIntent: false`). */
  createBot(init: { name: string; messageContentIntent?: boolean }): Promise<CreatedUser> {
    return this.#call('POST', '/bots', init);
  }

  /** Add a human member with a token (send it as `Bot <token>` through REST, or bare) holding `roles` (role ids). */
  createUser(init: { name: string; roles?: string[] }): Promise<CreatedUser> {
    return this.#call('POST', '/users', init);
  }

  /** Add a role (default permissions: those of `@everyone`). */
  async createRole(init: { name: string; permissions?: bigint }): Promise<{ id: string }> {
    return this.#call('POST', '/roles', {
      name: init.name,
      ...(init.permissions !== undefined ? { permissions: init.permissions.toString() } : {}),
    });
  }

  /** Add a text channel; resolves to its channel object. */
  createChannel(init: {
    name: string;
    topic?: string;
  }): Promise<{ id: string; name: string } & Record<string, unknown>> {
    return this.#call('POST', '/channels', init);
  }

  /** Deny `bits` to a member (or role) in a channel, through a permission overwrite. Threads inherit it. */
  async denyPermission(channelId: string, userOrRoleId: string, bits: bigint): Promise<void> {
    await this.#call('PUT', `/channels/${channelId}/permissions/${userOrRoleId}`, { deny: bits.toString() });
  }

  /** Allow `bits` to a member (or role) in a channel, through a permission overwrite. */
  async allowPermission(channelId: string, userOrRoleId: string, bits: bigint): Promise<void> {
    await this.#call('PUT', `/channels/${channelId}/permissions/${userOrRoleId}`, { allow: bits.toString() });
  }

  /** Remove a member's (or role's) overwrite in a channel. */
  async clearPermissions(channelId: string, userOrRoleId: string): Promise<void> {
    await this.#call('DELETE', `/channels/${channelId}/permissions/${userOrRoleId}`);
  }

  /** Grant or revoke a bot's MESSAGE_CONTENT intent. */
  async setMessageContentIntent(userId: string, on: boolean): Promise<void> {
    await this.#call('PUT', `/users/${userId}/message-content-intent`, { enabled: on });
  }

  /** Turn rate limiting on or off (windows restart). */
  async setRateLimits(on: boolean): Promise<void> {
    await this.#call('PUT', '/rate-limits', { enabled: on });
  }

  /** Change rate-limit settings: `enabled`, `globalPerSecond`, per-bucket limits. */
  configureRateLimits(changes: {
    enabled?: boolean;
    globalPerSecond?: number;
    buckets?: Partial<Record<BucketName, Partial<BucketLimit>>>;
  }): Promise<RateLimitConfig> {
    return this.#call('PUT', '/rate-limits', changes);
  }

  /** Thread-creation limit per bot per guild; `scope: 'shared'` makes its 429s look like Discord's shared limits. */
  async setThreadCreateLimit(limit: BucketLimit): Promise<void> {
    await this.#call('PUT', '/rate-limits', { buckets: { threadCreate: limit } });
  }

  /** The thread-creation throttle: its settings and the throttles now active. */
  threadThrottle(): Promise<ThreadThrottleStatus> {
    return this.#call('GET', '/thread-throttle');
  }

  /** Change the thread-creation throttle rule (e.g. `{enabled: true, maxCreations: 3, retryAfterMs: 150_000}`). */
  configureThreadThrottle(changes: Partial<ThreadThrottleConfig>): Promise<ThreadThrottleStatus> {
    return this.#call('PUT', '/thread-throttle', changes);
  }

  /**
   * Throttle thread creation right now for `durationMs`: for one bot (`userId`), one guild, or everyone. Creations
   * get shared-scope 429s with `retry_after` = what is left of the duration.
   */
  throttleThreadCreation(durationMs: number, target: ThrottleTarget = {}): Promise<ThreadThrottleStatus> {
    return this.#call('POST', '/thread-throttle/now', { durationMs, ...target });
  }

  /** Lift every thread-creation throttle (the rule's settings stay). */
  async liftThreadThrottle(): Promise<void> {
    await this.#call('DELETE', '/thread-throttle');
  }

  /** Maximum active threads per guild before 160006. */
  async setActiveThreadLimit(limit: number): Promise<void> {
    await this.#call('PUT', '/config', { activeThreadLimit: limit });
  }

  /**
   * How long `enforce_nonce` remembers a nonce per author (Discord: "the past few minutes"). Applies at once, also
   * to nonces already remembered.
   */
  async setNonceWindow(ms: number): Promise<void> {
    await this.#call('PUT', '/config', { nonceWindowMs: ms });
  }

  /** Forget every remembered nonce now, as if the window had passed. */
  async expireNonces(): Promise<void> {
    await this.#call('DELETE', '/nonces');
  }

  /** Change world rules (active-thread cap, nonce window). */
  configure(changes: Partial<StateConfig>): Promise<StateConfig> {
    return this.#call('PUT', '/config', changes);
  }

  /** Replace the global injected faults (they apply to `/api` only; rules stay). */
  setFaults(faults: FaultConfig): Promise<Required<FaultConfig>> {
    return this.#call('POST', '/faults', faults);
  }

  /** Remove every fault: the global ones and every rule. */
  async clearFaults(): Promise<void> {
    await this.#call('DELETE', '/faults');
  }

  /**
   * Add a targeted fault: the effects apply only to requests matching `rule.match` (method, route pattern such as
   * `POST /channels/:id/messages`, channel id, user id or name), for `rule.count` requests or until removed. The first
   * matching rule decides a request's faults; other requests get the global ones.
   */
  addFaultRule(rule: FaultRule): Promise<FaultRuleState> {
    return this.#call('POST', '/faults/rules', rule);
  }

  /** The active fault rules (a rule with a `count` retires once used up). */
  faultRules(): Promise<FaultRuleState[]> {
    return this.#call('GET', '/faults/rules');
  }

  /** Remove one fault rule by id. */
  async removeFaultRule(id: string): Promise<void> {
    await this.#call('DELETE', `/faults/rules/${encodeURIComponent(id)}`);
  }

  /** Remove every fault rule (the global faults stay). */
  async clearFaultRules(): Promise<void> {
    await this.#call('DELETE', '/faults/rules');
  }

  /**
   * Committed writes with `seq > after`, in commit order. With `wait`, long-polls up to that many ms (max 60 s) for
   * the first new one. An event appears when its write commits; its `status` is `null` until the answer is sent.
   */
  events(options: { after?: number; wait?: number; limit?: number } = {}): Promise<EventPage> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options))
      if (value !== undefined) query.set(key, String(value));
    const qs = query.toString();
    return this.#call('GET', `/events${qs ? `?${qs}` : ''}`);
  }

  /** Wait for the first event after `after` that `predicate` accepts; rejects after `timeoutMs`. */
  async waitForEvent(
    predicate: (event: EmulatorEvent) => boolean,
    options: { after?: number; timeoutMs?: number } = {},
  ): Promise<EmulatorEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let after = options.after ?? 0;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`emulator admin: no matching event within ${options.timeoutMs ?? 30_000} ms`);
      const page = await this.events({ after, wait: Math.min(left, 30_000) });
      const hit = page.events.find(predicate);
      if (hit) return hit;
      after = page.events.at(-1)?.seq ?? Math.max(after, page.lastSeq);
    }
  }

  /** Forget the kept events (seq numbers keep growing). */
  async clearEvents(): Promise<void> {
    await this.#call('DELETE', '/events');
  }

  /** Request counters since start or the last reset. */
  stats(): Promise<EmulatorStats> {
    return this.#call('GET', '/stats');
  }

  /** Zero the request counters. */
  async resetStats(): Promise<void> {
    await this.#call('DELETE', '/stats');
  }

  /** Every stored message of a channel or thread, oldest first, with full content, nonce and reacting user ids. */
  messages(channelId: string): Promise<RawMessage[]> {
    return this.#call('GET', `/channels/${channelId}/messages`);
  }

  /** A channel or thread object as stored. */
  channel(channelId: string): Promise<Record<string, unknown> & { id: string }> {
    return this.#call('GET', `/channels/${channelId}`);
  }
}
