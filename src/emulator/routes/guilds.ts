/** Users, guilds, members, roles, the application and the gateway info. */
import { Errors } from '../api-error.js';
import type { StoredGuild, StoredUser } from '../models.js';
import { computePermissions } from '../permissions.js';
import { GATEWAY_PATH } from '../gateway/protocol.js';
import type { Route, RouteContext, RouteResult } from '../router.js';
import { channelObject, currentUserObject, memberObject, roleObject, userObject } from '../serialize.js';

/** Application flag GATEWAY_MESSAGE_CONTENT (verified apps use 1<<18; unverified ones 1<<19 _LIMITED). */
const GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 19;

/** The application `flags` of a bot: its MESSAGE_CONTENT setting (`GET /applications/@me`, READY). */
export function applicationFlags(user: StoredUser): number {
  return user.messageContentIntent ? GATEWAY_MESSAGE_CONTENT_LIMITED : 0;
}

function memberGuild(ctx: RouteContext): StoredGuild {
  const guild = ctx.state.guild(ctx.params.guild_id!);
  if (!guild.members.has(ctx.user.id)) throw Errors.missingAccess();
  return guild;
}

/** A guild object (`GET /guilds/{id}`; the base of the gateway's GUILD_CREATE). */
export function guildObject(guild: StoredGuild): Record<string, unknown> {
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    owner_id: guild.ownerId,
    features: [],
    roles: [...guild.roles.values()].map(roleObject),
    emojis: [],
    stickers: [],
    verification_level: 0,
    premium_tier: 0,
    preferred_locale: 'en-US',
  };
}

function gatewayUrl(ctx: RouteContext): string {
  return `${ctx.state.baseUrl.replace(/^http/, 'ws')}${GATEWAY_PATH}`;
}

/** The routes. */
export const guildRoutes: Route[] = [
  {
    method: 'GET',
    path: '/users/@me',
    bucket: 'default',
    handler: (ctx) => ({ status: 200, body: currentUserObject(ctx.user) }),
  },
  {
    method: 'GET',
    path: '/users/@me/guilds',
    bucket: 'default',
    handler: (ctx): RouteResult => ({
      status: 200,
      body: [...ctx.state.guilds.values()]
        .filter((g) => g.members.has(ctx.user.id))
        .map((g) => ({
          id: g.id,
          name: g.name,
          icon: null,
          owner: g.ownerId === ctx.user.id,
          permissions: computePermissions(g, ctx.user.id, undefined).toString(),
          features: [],
        })),
    }),
  },
  {
    method: 'GET',
    path: '/users/{user_id}',
    bucket: 'default',
    handler: (ctx) => {
      const user = ctx.state.users.get(ctx.params.user_id!);
      if (!user) throw Errors.unknownUser();
      return { status: 200, body: userObject(user) };
    },
  },
  {
    method: 'GET',
    path: '/applications/@me',
    bucket: 'default',
    handler: (ctx) => ({
      status: 200,
      body: {
        id: ctx.user.id,
        name: ctx.user.username,
        icon: null,
        description: '',
        bot_public: false,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: applicationFlags(ctx.user),
        bot: userObject(ctx.user),
      },
    }),
  },
  {
    method: 'GET',
    path: '/guilds/{guild_id}',
    bucket: 'default',
    major: 'guild_id',
    handler: (ctx) => ({ status: 200, body: guildObject(memberGuild(ctx)) }),
  },
  {
    method: 'GET',
    path: '/guilds/{guild_id}/channels',
    bucket: 'default',
    major: 'guild_id',
    handler: (ctx) => {
      const guild = memberGuild(ctx);
      return {
        status: 200,
        body: guild.channelIds.flatMap((id) =>
          ctx.state.channels.has(id) ? [channelObject(ctx.state.channels.get(id)!)] : [],
        ),
      };
    },
  },
  {
    method: 'GET',
    path: '/guilds/{guild_id}/roles',
    bucket: 'default',
    major: 'guild_id',
    handler: (ctx) => ({
      status: 200,
      body: [...memberGuild(ctx).roles.values()].sort((a, b) => a.position - b.position).map(roleObject),
    }),
  },
  {
    method: 'GET',
    path: '/guilds/{guild_id}/members/{user_id}',
    bucket: 'default',
    major: 'guild_id',
    handler: (ctx) => {
      const guild = memberGuild(ctx);
      const userId = ctx.params.user_id === '@me' ? ctx.user.id : ctx.params.user_id!;
      const member = memberObject(ctx.state, guild, userId);
      if (!member) throw Errors.unknownMember();
      return { status: 200, body: member };
    },
  },
  {
    method: 'GET',
    path: '/gateway/bot',
    bucket: 'default',
    handler: (ctx) => ({
      status: 200,
      body: {
        url: gatewayUrl(ctx),
        shards: 1,
        session_start_limit: ctx.state.gateway.sessionStartLimit(ctx.user.id),
      },
    }),
  },
  {
    method: 'GET',
    path: '/gateway',
    bucket: 'default',
    auth: false,
    handler: (ctx) => ({ status: 200, body: { url: gatewayUrl(ctx) } }),
  },
];
