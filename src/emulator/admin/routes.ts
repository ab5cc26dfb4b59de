/** The admin API under `/_emulator`: seed the world, add users and channels, set permissions, faults, limits; read stats. */
import { Errors } from '../api-error.js';
import type { StoredChannel, StoredGuild, StoredMessage } from '../models.js';
import { gatewayAdmin } from '../gateway/admin-routes.js';
import { EVERYONE_PERMISSIONS } from '../permissions.js';
import type { BucketLimit, RateLimitConfig } from '../rate-limit.js';
import type { BucketName } from '../router.js';
import { channelObject, messageObject } from '../serialize.js';
import type { AdminHandler, AdminRequest, EmulatorServer } from '../server.js';
import type { EmulatorWorld } from '../world.js';
import { eventRoutes, faultRuleRoutes, throttleRoutes } from './traffic-routes.js';

/** What the admin handler needs from the running emulator. */
export interface AdminContext {
  server: EmulatorServer;
  world(): EmulatorWorld;
  /** Replace the whole state with a freshly seeded world. */
  reseed(workers: number): EmulatorWorld;
}

/** A stored message with everything visible: full content, nonce, and reacting user ids. */
export type RawMessage = Record<string, unknown> & {
  id: string;
  content: string;
  author: { id: string; username: string };
  reactions?: { emoji: { id: string | null; name: string }; count: number; users: string[] }[];
};

function text(value: unknown, name: string, max = 100): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    throw new TypeError(
      `Expected \`${name}\` to be a string of 1-${max} characters, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}

function bits(value: unknown, name: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (
    (typeof value === 'string' && /^\d+$/.test(value)) ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 0)
  )
    return BigInt(value);
  throw new TypeError(
    `Expected \`${name}\` to be a permission bit set as a decimal string, got \`${String(value)}\` (${typeof value})`,
  );
}

/** The raw view of a stored message used by `GET /_emulator/channels/{id}/messages`. */
export function rawMessage(ctx: AdminContext, message: StoredMessage): RawMessage {
  const state = ctx.server.state;
  const out = messageObject(state, message, '', { withNonce: true }) as RawMessage;
  out.guild_id = message.guildId;
  if (message.reactions.size > 0) {
    out.reactions = [...message.reactions.values()].map((r) => ({
      emoji: r.emoji.id === null ? { id: null, name: r.emoji.name } : { ...r.emoji },
      count: r.userIds.size,
      users: [...r.userIds].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    }));
  }
  return out;
}

/** Build the admin request handler. */
export function createAdminHandler(ctx: AdminContext): AdminHandler {
  const guild = (): StoredGuild => ctx.server.state.guild(ctx.server.state.primaryGuildId);
  const channel = (id: string): StoredChannel => ctx.server.state.channel(id);

  return async (req: AdminRequest) => {
    const { server } = ctx;
    const state = server.state;
    const { method, body } = req;
    const parts = req.path.split('/').filter(Boolean);
    if (parts[0] === 'gateway') return gatewayAdmin(server, req);
    const route = `${method} /${parts.map((p, i) => (i % 2 === 1 && /^\d+$/.test(p) ? ':id' : p)).join('/')}`;
    switch (route) {
      case 'GET /world':
        return { status: 200, body: ctx.world() };
      case 'POST /seed': {
        const workers = body.workers === undefined ? ctx.world().tokens.workers.length : Number(body.workers);
        return { status: 200, body: ctx.reseed(workers) };
      }
      case 'POST /bots': {
        const user = state.addBot(guild(), {
          name: text(body.name, 'name', 32),
          messageContentIntent: body.messageContentIntent !== false,
        });
        return { status: 201, body: { userId: user.id, token: user.token } };
      }
      case 'POST /users': {
        const g = guild();
        const roles = Array.isArray(body.roles) ? body.roles.map(String) : [];
        for (const role of roles) if (!g.roles.has(role)) throw new TypeError(`unknown role ${role}`);
        const user = state.addUser({ username: text(body.name, 'name', 32), bot: false });
        state.addMember(g, user.id, roles);
        return { status: 201, body: { userId: user.id, token: user.token } };
      }
      case 'POST /roles': {
        const role = state.addRole(guild(), {
          name: text(body.name, 'name'),
          permissions:
            body.permissions === undefined ? EVERYONE_PERMISSIONS : bits(body.permissions, 'permissions'),
        });
        return { status: 201, body: { id: role.id } };
      }
      case 'POST /channels': {
        const created = state.addTextChannel(
          guild(),
          text(body.name, 'name'),
          typeof body.topic === 'string' ? body.topic : null,
        );
        state.gateway.emit({ type: 'channelCreate', channel: created });
        return { status: 201, body: channelObject(created) };
      }
      case 'GET /channels/:id':
        return { status: 200, body: channelObject(channel(parts[1]!)) };
      case 'GET /channels/:id/messages':
        return { status: 200, body: channel(parts[1]!).messages.map((m) => rawMessage(ctx, m)) };
      case 'PUT /channels/:id/permissions/:id':
      case 'POST /channels/:id/permissions/:id': {
        const target = channel(parts[1]!);
        const id = parts[3]!;
        const g = state.guild(target.guildId);
        const type = g.roles.has(id) ? 0 : 1;
        if (type === 1 && !g.members.has(id)) throw Errors.unknownMember();
        const overwrite = state.mergeOverwrite(target, {
          id,
          type,
          allow: bits(body.allow, 'allow'),
          deny: bits(body.deny, 'deny'),
        });
        return {
          status: 200,
          body: { id, type, allow: overwrite.allow.toString(), deny: overwrite.deny.toString() },
        };
      }
      case 'DELETE /channels/:id/permissions/:id': {
        const target = channel(parts[1]!);
        target.overwrites = target.overwrites.filter((o) => o.id !== parts[3]);
        return { status: 204 };
      }
      case 'PUT /users/:id/message-content-intent': {
        const user = state.users.get(parts[1]!);
        if (!user) throw Errors.unknownUser();
        user.messageContentIntent = body.enabled === true;
        return { status: 204 };
      }
      case 'GET /rate-limits':
        return { status: 200, body: server.limiter.config };
      case 'PUT /rate-limits': {
        const config: RateLimitConfig = server.limiter.config;
        if (typeof body.enabled === 'boolean') config.enabled = body.enabled;
        if (body.globalPerSecond !== undefined)
          config.globalPerSecond = positive(body.globalPerSecond, 'globalPerSecond');
        const buckets = (body.buckets ?? {}) as Partial<Record<BucketName, Partial<BucketLimit>>>;
        for (const [name, limit] of Object.entries(buckets)) {
          const current = config.buckets[name as BucketName];
          if (!current) throw new TypeError(`unknown bucket ${name}`);
          config.buckets[name as BucketName] = bucket({ ...current, ...limit });
        }
        server.limiter.reset();
        return { status: 200, body: config };
      }
      case 'PUT /config': {
        if (body.activeThreadLimit !== undefined)
          state.config.activeThreadLimit = positive(body.activeThreadLimit, 'activeThreadLimit', true);
        if (body.nonceWindowMs !== undefined)
          state.config.nonceWindowMs = positive(body.nonceWindowMs, 'nonceWindowMs', true);
        return { status: 200, body: state.config };
      }
      case 'DELETE /nonces':
        state.forgetNonces();
        return { status: 204 };
      case 'GET /stats':
        return { status: 200, body: server.stats.snapshot() };
      case 'DELETE /stats':
      case 'POST /stats/reset':
        server.stats.reset();
        return { status: 204 };
      case 'GET /faults':
        return { status: 200, body: server.faults.config };
      case 'POST /faults':
      case 'PUT /faults':
        server.faults.set(body);
        return { status: 200, body: server.faults.config };
      case 'DELETE /faults':
        server.faults.clear();
        return { status: 204 };
      default:
        return (
          throttleRoutes(server, req, route) ??
          faultRuleRoutes(server, req, route) ??
          (await eventRoutes(server, req, route))
        );
    }
  };
}

function positive(value: unknown, name: string, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < (allowZero ? 0 : 1)) {
    throw new TypeError(
      `Expected \`${name}\` to be a finite number >= ${allowZero ? 0 : 1}, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
}

function bucket(limit: Partial<BucketLimit>): BucketLimit {
  const out: BucketLimit = {
    limit: positive(limit.limit, 'limit'),
    windowMs: positive(limit.windowMs, 'windowMs'),
  };
  if (limit.scope !== undefined) {
    if (limit.scope !== 'user' && limit.scope !== 'shared')
      throw new TypeError(`Expected \`scope\` to be 'user' or 'shared', got \`${String(limit.scope)}\``);
    out.scope = limit.scope;
  }
  return out;
}
