/** Admin routes that shape `/api` traffic: the thread-creation throttle. */
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
