/** Admin routes about `/api` traffic: the thread-creation throttle, fault rules, the event feed. */
import type { FaultRule } from '../fault-rules.js';
import type { AdminRequest, EmulatorServer } from '../server.js';
import type { ThreadThrottle, ThreadThrottleConfig, ThrottleTarget } from '../thread-throttle.js';

/** An admin answer, or `undefined` when the route is not one of these. */
export type AdminResult = { status: number; body?: unknown } | undefined;

/** What `GET /_emulator/thread-throttle` answers. */
export interface ThreadThrottleStatus {
  config: ThreadThrottleConfig;
  active: { key: string; remainingMs: number }[];
}

function throttleStatus(throttle: ThreadThrottle): ThreadThrottleStatus {
  return { config: throttle.config, active: throttle.active() };
}

function optionalId(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value))
    throw new TypeError(`Expected \`${name}\` to be a snowflake string, got \`${String(value)}\``);
  return value;
}

/** Handle `/thread-throttle` routes. */
export function throttleRoutes(server: EmulatorServer, req: AdminRequest, route: string): AdminResult {
  const throttle = server.threadThrottle;
  switch (route) {
    case 'GET /thread-throttle':
      return { status: 200, body: throttleStatus(throttle) };
    case 'PUT /thread-throttle':
      throttle.configure(req.body as Partial<ThreadThrottleConfig>);
      return { status: 200, body: throttleStatus(throttle) };
    case 'POST /thread-throttle/now': {
      const target: ThrottleTarget = {};
      const userId = optionalId(req.body.userId, 'userId');
      const guildId = optionalId(req.body.guildId, 'guildId');
      if (userId) target.userId = userId;
      if (guildId) target.guildId = guildId;
      throttle.throttleNow(req.body.durationMs as number, target);
      return { status: 200, body: throttleStatus(throttle) };
    }
    case 'DELETE /thread-throttle':
      throttle.lift();
      return { status: 204 };
    default:
      return undefined;
  }
}

/** Longest long-poll wait of `GET /_emulator/events`. */
export const MAX_EVENT_WAIT_MS = 60_000;

function queryNumber(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new TypeError(`Expected \`${name}\` to be an integer >= 0, got \`${raw}\``);
  return Math.min(n, max);
}

/** Handle `/faults/rules` routes. */
export function faultRuleRoutes(server: EmulatorServer, req: AdminRequest, route: string): AdminResult {
  const faults = server.faults;
  if (route === 'GET /faults/rules') return { status: 200, body: faults.rules() };
  if (route === 'POST /faults/rules') return { status: 201, body: faults.addRule(req.body as FaultRule) };
  if (route === 'DELETE /faults/rules') {
    faults.clearRules();
    return { status: 204 };
  }
  const id = /^DELETE \/faults\/rules\/([\w-]+)$/.exec(route)?.[1];
  if (id === undefined) return undefined;
  return faults.removeRule(id)
    ? { status: 204 }
    : { status: 404, body: { message: `no fault rule ${id}`, code: 0 } };
}

/** Handle `/events` routes: `GET /events?after=<seq>&wait=<ms>&limit=<n>` long-polls. */
export async function eventRoutes(
  server: EmulatorServer,
  req: AdminRequest,
  route: string,
): Promise<AdminResult> {
  if (route === 'DELETE /events') {
    server.events.clear();
    return { status: 204 };
  }
  if (route !== 'GET /events') return undefined;
  const after = queryNumber(req.query, 'after', 0, Number.MAX_SAFE_INTEGER);
  const wait = queryNumber(req.query, 'wait', 0, MAX_EVENT_WAIT_MS);
  const limit = Math.max(1, queryNumber(req.query, 'limit', 1000, 10_000));
  await server.events.wait(after, wait);
  return { status: 200, body: server.events.since(after, limit) };
}
