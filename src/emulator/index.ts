/**
 * The Discord API v10 emulator: a loopback HTTP server with Discord's semantics for what this project uses, plus an
 * admin API. Product code talks to it through `@discordjs/rest` with `api` set to {@link EmulatorWorld.apiUrl}.
 */
import { EmulatorAdmin } from './admin/client.js';
import { createAdminHandler } from './admin/routes.js';
import type { GatewayConfig } from './gateway/config.js';
import { DEFAULT_RATE_LIMITS, RateLimiter, type BucketLimit, type RateLimitConfig } from './rate-limit.js';
import { DEFAULT_EVENT_CAPACITY } from './events.js';
import { EmulatorServer } from './server.js';
import { EmulatorState } from './state.js';
import { DEFAULT_THREAD_THROTTLE, ThreadThrottle, type ThreadThrottleConfig } from './thread-throttle.js';
import { seedWorld, type EmulatorWorld } from './world.js';

export { EmulatorAdmin, EmulatorAdminError, type CreatedUser } from './admin/client.js';
export type { RawMessage } from './admin/routes.js';
export type { EmulatorEvent, EventPage } from './events.js';
export type { FaultMatch, FaultRule, FaultRuleState } from './fault-rules.js';
export type { FaultConfig } from './faults.js';
export type { GatewayAdmin, GatewayTargetOptions } from './gateway/admin-client.js';
export { DEFAULT_GATEWAY_CONFIG, type GatewayConfig } from './gateway/config.js';
export type { GatewayFaultConfig } from './gateway/faults.js';
export type { GatewayBotStats, GatewayStats } from './gateway/stats.js';
export type { BucketLimit, RateLimitConfig } from './rate-limit.js';
export type { EmulatorStats } from './stats.js';
export type { ActiveThrottle, ThreadThrottleConfig, ThrottleTarget } from './thread-throttle.js';
export type { ThreadThrottleStatus } from './admin/traffic-routes.js';
export type { EmulatorWorld } from './world.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Number of worker bots to seed. @defaultValue 3 */
  workers?: number;
  /** Enforce Discord-like rate limits. @defaultValue true */
  rateLimits?: boolean;
  /** Active threads per guild before 160006. @defaultValue 1000 */
  activeThreadLimit?: number;
  /** Thread-creation bucket (per bot per guild). @defaultValue 10 per 10 s */
  threadCreateLimit?: BucketLimit;
  /**
   * Discord's dynamic thread-creation throttle (shared-scope 429s with a long `retry_after`), changeable at runtime
   * through the admin API. @defaultValue off; when enabled 20 creations per 10 min per bot, then 200 s
   */
  threadThrottle?: Partial<ThreadThrottleConfig>;
  /** Committed writes kept for the admin event feed (`GET /_emulator/events`). @defaultValue 10000 */
  eventCapacity?: number;
  /** Receives unexpected server errors (answered as 500). @defaultValue ignore */
  onInternalError?: (error: unknown) => void;
  /** Gateway settings (heartbeat interval, session-start limit, …). @defaultValue DEFAULT_GATEWAY_CONFIG */
  gateway?: Partial<GatewayConfig>;
}

/** Defaults of {@link EmulatorOptions}. */
export const DEFAULT_EMULATOR_OPTIONS = {
  port: 0,
  workers: 3,
  rateLimits: true,
  activeThreadLimit: 1000,
  threadCreateLimit: DEFAULT_RATE_LIMITS.buckets.threadCreate,
  threadThrottle: DEFAULT_THREAD_THROTTLE,
  eventCapacity: DEFAULT_EVENT_CAPACITY,
  onInternalError: () => {},
  gateway: {},
} as const satisfies Required<EmulatorOptions>;

/** A running emulator. */
export interface RunningEmulator {
  world: EmulatorWorld;
  /** Client of the admin API. */
  admin: EmulatorAdmin;
  /** The port it listens on. */
  port: number;
  /** Stop the server and drop connections. Idempotent. */
  close(): Promise<void>;
}

/** Start an emulator on 127.0.0.1 with a freshly seeded world. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const opts = { ...DEFAULT_EMULATOR_OPTIONS, ...options };
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    throw new TypeError(
      `Expected \`port\` to be an integer from 0 to 65535, got \`${String(opts.port)}\` (${typeof opts.port})`,
    );
  }
  const rateConfig = structuredClone(DEFAULT_RATE_LIMITS) as RateLimitConfig;
  rateConfig.enabled = opts.rateLimits;
  rateConfig.buckets.threadCreate = { ...opts.threadCreateLimit };

  const makeState = (): EmulatorState => {
    const state = new EmulatorState();
    state.config.activeThreadLimit = opts.activeThreadLimit;
    state.gateway.configure(opts.gateway);
    return state;
  };
  let state = makeState();
  let seeded = seedWorld(state, opts.workers);
  const server = new EmulatorServer({
    state,
    limiter: new RateLimiter(rateConfig),
    threadThrottle: new ThreadThrottle(opts.threadThrottle),
    eventCapacity: opts.eventCapacity,
    onInternalError: opts.onInternalError,
  });
  const port = await server.listen(opts.port);
  const baseUrl = `http://127.0.0.1:${port}`;
  state.baseUrl = baseUrl;
  const urls = { apiUrl: `${baseUrl}/api`, adminUrl: `${baseUrl}/_emulator` };
  let world: EmulatorWorld = { ...urls, ...seeded };

  server.adminHandler = createAdminHandler({
    server,
    world: () => world,
    reseed: (workers) => {
      state = makeState();
      state.baseUrl = baseUrl;
      seeded = seedWorld(state, workers);
      server.state = state;
      server.gateway.attach(state);
      server.stats.reset();
      server.limiter.reset();
      server.threadThrottle.lift();
      server.faults.clear();
      server.events.clear();
      world = { ...urls, ...seeded };
      running.world = world;
      return world;
    },
  });
  const running: RunningEmulator = {
    world,
    admin: new EmulatorAdmin(urls.adminUrl),
    port,
    close: () => server.close(),
  };
  return running;
}
