/**
 * Dispatch payloads as one session sees them ([gwe] in discord/discord-api-docs `events/gateway-events.mdx`):
 * READY and GUILD_CREATE on a new session, and a dispatch per world event, filtered by intents, shard and the
 * bot's permission to view the channel. Message bodies come from the REST serializer, so the MESSAGE_CONTENT rule
 * is the same on both sides.
 */
import type { StoredChannel, StoredGuild, StoredMessage, StoredReaction, StoredUser } from '../models.js';
import { applicationFlags, guildObject } from '../routes/guilds.js';
import { channelObject, currentUserObject, memberObject, messageObject } from '../serialize.js';
import type { EmulatorState } from '../state.js';
import { Intent } from './protocol.js';
import type { WorldEvent } from './world-events.js';

/** Who a dispatch is for: the session's bot, its IDENTIFY intents and shard. */
export interface Viewer {
  userId: string;
  intents: number;
  shard: readonly [number, number];
}

/** A dispatch's event name and data. */
export interface Dispatch {
  t: string;
  d: Record<string, unknown>;
}

/** Guild events go to shard `(guild_id >> 22) % num_shards` ([gw] Sharding). */
export function inShard(guildId: string, shard: readonly [number, number]): boolean {
  return Number((BigInt(guildId) >> 22n) % BigInt(shard[1])) === shard[0];
}

/** The bot's guilds on this shard. */
export function viewerGuilds(state: EmulatorState, viewer: Viewer): StoredGuild[] {
  return [...state.guilds.values()].filter(
    (g) => g.members.has(viewer.userId) && inShard(g.id, viewer.shard),
  );
}

/** READY: guilds start as unavailable stubs, each followed by a GUILD_CREATE. */
export function readyPayload(
  state: EmulatorState,
  user: StoredUser,
  viewer: Viewer,
  init: { version: number; sessionId: string; resumeUrl: string; shardSent: boolean },
): Record<string, unknown> {
  const ready: Record<string, unknown> = {
    v: init.version,
    user: currentUserObject(user),
    guilds: viewerGuilds(state, viewer).map((g) => ({ id: g.id, unavailable: true })),
    session_id: init.sessionId,
    resume_gateway_url: init.resumeUrl,
    application: { id: user.id, flags: applicationFlags(user) },
  };
  if (init.shardSent) ready.shard = [...viewer.shard];
  return ready;
}

/** GUILD_CREATE: the guild with its channels and the active threads the bot can view. */
export function guildCreatePayload(
  state: EmulatorState,
  guild: StoredGuild,
  viewer: Viewer,
): Record<string, unknown> {
  const self = guild.members.get(viewer.userId);
  const member = memberObject(state, guild, viewer.userId);
  return {
    ...guildObject(guild),
    joined_at: self?.joinedAt ?? null,
    large: false,
    unavailable: false,
    member_count: guild.members.size,
    voice_states: [],
    // Without GUILD_PRESENCES (privileged, never granted here) only the bot itself is listed.
    members: member ? [member] : [],
    channels: guild.channelIds.flatMap((id) => {
      const channel = state.channels.get(id);
      return channel ? [channelObject(channel)] : [];
    }),
    threads: state
      .activeThreads(guild.id)
      .filter((t) => state.permissions(viewer.userId, t) !== 0n)
      .map((t) => {
        const out = channelObject(t);
        if (t.thread!.memberIds.has(viewer.userId)) {
          out.member = {
            id: t.id,
            user_id: viewer.userId,
            join_timestamp: t.thread!.createTimestamp,
            flags: 1,
          };
        }
        return out;
      }),
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

function partialMember(
  state: EmulatorState,
  guildId: string,
  userId: string,
): Record<string, unknown> | undefined {
  const guild = state.guilds.get(guildId);
  const member = guild && memberObject(state, guild, userId);
  if (!member) return undefined;
  delete member.user;
  return member;
}

/** MESSAGE_CREATE / MESSAGE_UPDATE data: the message as the viewer sees it, plus `guild_id` and `member`. */
function messagePayload(
  state: EmulatorState,
  message: StoredMessage,
  viewer: Viewer,
): Record<string, unknown> {
  const out = messageObject(state, message, viewer.userId, {
    withNonce: true,
    messageContent: (viewer.intents & Intent.MessageContent) !== 0,
  });
  out.guild_id = message.guildId;
  const member = partialMember(state, message.guildId, message.authorId);
  if (member) out.member = member;
  out.mentions = (out.mentions as Record<string, unknown>[]).map((user) => {
    const mentioned = partialMember(state, message.guildId, user.id as string);
    return mentioned ? { ...user, member: mentioned } : user;
  });
  return out;
}

function emojiObject(emoji: StoredReaction['emoji']): Record<string, unknown> {
  return emoji.id === null ? { id: null, name: emoji.name } : { ...emoji };
}

const INTENT_OF: Record<WorldEvent['type'], number> = {
  messageCreate: Intent.GuildMessages,
  messageUpdate: Intent.GuildMessages,
  messageDelete: Intent.GuildMessages,
  messageDeleteBulk: Intent.GuildMessages,
  reactionAdd: Intent.GuildMessageReactions,
  reactionRemove: Intent.GuildMessageReactions,
  reactionRemoveEmoji: Intent.GuildMessageReactions,
  reactionRemoveAll: Intent.GuildMessageReactions,
  threadCreate: Intent.Guilds,
  threadUpdate: Intent.Guilds,
  threadDelete: Intent.Guilds,
  channelCreate: Intent.Guilds,
  channelUpdate: Intent.Guilds,
  channelDelete: Intent.Guilds,
};

/** The dispatch `event` produces for `viewer`, or `undefined` when the viewer does not get it. */
export function eventDispatch(state: EmulatorState, event: WorldEvent, viewer: Viewer): Dispatch | undefined {
  const channel: StoredChannel = 'thread' in event ? event.thread : event.channel;
  if ((viewer.intents & INTENT_OF[event.type]) === 0) return undefined;
  if (!inShard(channel.guildId, viewer.shard)) return undefined;
  if (state.permissions(viewer.userId, channel) === 0n) return undefined;
  const where = { channel_id: channel.id, guild_id: channel.guildId };
  switch (event.type) {
    case 'messageCreate':
      return { t: 'MESSAGE_CREATE', d: messagePayload(state, event.message, viewer) };
    case 'messageUpdate':
      // "The value for `tts` will always be false in message updates." [gwe]
      return { t: 'MESSAGE_UPDATE', d: { ...messagePayload(state, event.message, viewer), tts: false } };
    case 'messageDelete':
      return { t: 'MESSAGE_DELETE', d: { id: event.messageId, ...where } };
    case 'messageDeleteBulk':
      return { t: 'MESSAGE_DELETE_BULK', d: { ids: [...event.messageIds], ...where } };
    case 'reactionAdd': {
      const guild = state.guilds.get(channel.guildId);
      const member = guild && memberObject(state, guild, event.userId);
      return {
        t: 'MESSAGE_REACTION_ADD',
        d: {
          user_id: event.userId,
          ...where,
          message_id: event.message.id,
          ...(member ? { member } : {}),
          emoji: emojiObject(event.emoji),
          message_author_id: event.message.authorId,
          burst: false,
          burst_colors: [],
          type: 0,
        },
      };
    }
    case 'reactionRemove':
      return {
        t: 'MESSAGE_REACTION_REMOVE',
        d: {
          user_id: event.userId,
          ...where,
          message_id: event.message.id,
          emoji: emojiObject(event.emoji),
          burst: false,
          type: 0,
        },
      };
    case 'reactionRemoveEmoji':
      return {
        t: 'MESSAGE_REACTION_REMOVE_EMOJI',
        d: { ...where, message_id: event.message.id, emoji: emojiObject(event.emoji) },
      };
    case 'reactionRemoveAll':
      return { t: 'MESSAGE_REACTION_REMOVE_ALL', d: { ...where, message_id: event.message.id } };
    case 'threadCreate':
      return { t: 'THREAD_CREATE', d: { ...channelObject(event.thread), newly_created: true } };
    case 'threadUpdate':
      return { t: 'THREAD_UPDATE', d: channelObject(event.thread) };
    case 'threadDelete':
      return {
        t: 'THREAD_DELETE',
        d: {
          id: event.thread.id,
          guild_id: event.thread.guildId,
          parent_id: event.thread.parentId,
          type: event.thread.type,
        },
      };
    case 'channelCreate':
      return { t: 'CHANNEL_CREATE', d: channelObject(event.channel) };
    case 'channelUpdate':
      return { t: 'CHANNEL_UPDATE', d: channelObject(event.channel) };
    case 'channelDelete':
      return { t: 'CHANNEL_DELETE', d: channelObject(event.channel) };
  }
}
