/** Admin API under `/_emulator/gateway/...`: settings, stats, standing faults and one-shot fault actions. */
import { Errors } from '../api-error.js';
import type { AdminRequest, EmulatorServer } from '../server.js';
import type { GatewayFaultConfig } from './faults.js';
import type { GatewayTarget } from './gateway-server.js';

function target(body: Record<string, unknown>): GatewayTarget {
  const { userId } = body;
  if (userId === undefined || userId === null) return {};
  if (typeof userId !== 'string' || !/^\d{1,20}$/.test(userId)) {
    throw new TypeError(
      `Expected \`userId\` to be a user id (a decimal string), got \`${String(userId)}\` (${typeof userId})`,
    );
  }
  return { userId };
}

function closeCode(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  // What a WebSocket close frame may carry: 1000, 1001, and the 3000-4999 application range.
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    (value === 1000 || value === 1001 || (value >= 3000 && value <= 4999))
  )
    return value;
  throw new TypeError(
    `Expected \`code\` to be 1000, 1001 or an integer from 3000 to 4999, got \`${String(value)}\` (${typeof value})`,
  );
}

/** Handle `METHOD /gateway/...`; `undefined` for an unknown gateway route. */
export function gatewayAdmin(
  server: EmulatorServer,
  req: AdminRequest,
): { status: number; body?: unknown } | undefined {
  const { gateway } = server;
  const { body } = req;
  const route = `${req.method} ${req.path.replace(/\/+$/, '')}`;
  switch (route) {
    case 'GET /gateway/config':
      return { status: 200, body: server.state.gateway.config };
    case 'PUT /gateway/config':
      return { status: 200, body: server.state.gateway.configure(body) };
    case 'GET /gateway/stats':
      return { status: 200, body: gateway.stats() };
    case 'DELETE /gateway/stats':
      gateway.resetStats();
      return { status: 204 };
    case 'GET /gateway/faults':
      return { status: 200, body: gateway.faults.config };
    case 'PUT /gateway/faults':
    case 'POST /gateway/faults':
      gateway.faults.set(body as GatewayFaultConfig);
      return { status: 200, body: gateway.faults.config };
    case 'DELETE /gateway/faults':
      gateway.faults.clear();
      return { status: 204 };
    case 'POST /gateway/disconnect': {
      const code = closeCode(body.code);
      return {
        status: 200,
        body: { connections: gateway.disconnect({ ...target(body), ...(code ? { code } : {}) }) },
      };
    }
    case 'POST /gateway/partition':
      return { status: 200, body: { connections: gateway.partition(target(body)) } };
    case 'POST /gateway/invalid-session': {
      if (body.resumable !== undefined && typeof body.resumable !== 'boolean')
        throw new TypeError(`Expected \`resumable\` to be a boolean, got \`${String(body.resumable)}\``);
      const resumable = body.resumable === true;
      return {
        status: 200,
        body: { connections: gateway.invalidateSessions({ ...target(body), resumable }) },
      };
    }
    case 'POST /gateway/reconnect':
      return { status: 200, body: { connections: gateway.requestReconnect(target(body)) } };
    case 'POST /gateway/heartbeat':
      return { status: 200, body: { connections: gateway.requestHeartbeat(target(body)) } };
    case 'POST /gateway/token-reset': {
      const { userId } = target(body);
      const user = userId === undefined ? undefined : server.state.users.get(userId);
      if (!user) throw Errors.unknownUser();
      return { status: 200, body: { token: server.state.resetToken(user) } };
    }
    default:
      return undefined;
  }
}
