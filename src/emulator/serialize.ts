/** Builds Discord API objects from stored records, as seen by one requesting user. */
import type { EmulatorState } from './state.js';
import type {
  StoredAttachment,
  StoredChannel,
  StoredGuild,
  StoredMessage,
  StoredRole,
  StoredUser,
} from './models.js';

/** A partial user object as embedded in messages and members. */
export function userObject(user: StoredUser): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: user.id,
    username: user.username,
    avatar: null,
    discriminator: '0',
    public_flags: 0,
    flags: 0,
    global_name: user.bot ? null : user.username,
    banner: null,
    accent_color: null,
  };
  if (user.bot) out.bot = true;
  return out;
}

/** `GET /users/@me`: the user plus the private fields. */
export function currentUserObject(user: StoredUser): Record<string, unknown> {
  return {
    ...userObject(user),
    mfa_enabled: false,
    locale: 'en-US',
    premium_type: 0,
    email: null,
    verified: true,
  };
}

/** A role object. */
export function roleObject(role: StoredRole): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: role.id,
    name: role.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position: role.position,
    permissions: role.permissions.toString(),
    managed: role.botId !== undefined,
    mentionable: false,
    flags: 0,
  };
  if (role.botId) out.tags = { bot_id: role.botId };
  return out;
}

/** A guild member object. */
export function memberObject(
  state: EmulatorState,
  guild: StoredGuild,
  userId: string,
): Record<string, unknown> | undefined {
  const member = guild.members.get(userId);
  const user = state.users.get(userId);
  if (!member || !user) return undefined;
  return {
    user: userObject(user),
    roles: [...member.roles],
    joined_at: member.joinedAt,
    nick: null,
    avatar: null,
    premium_since: null,
    deaf: false,
    mute: false,
    pending: false,
    flags: 0,
    communication_disabled_until: null,
  };
}

/** A channel object (text channel or thread). */
export function channelObject(channel: StoredChannel): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: channel.id,
    type: channel.type,
    guild_id: channel.guildId,
    name: channel.name,
    last_message_id: channel.lastMessageId,
    rate_limit_per_user: 0,
    flags: 0,
    parent_id: channel.parentId,
  };
  const thread = channel.thread;
  if (!thread) {
    return {
      ...base,
      position: channel.position,
      permission_overwrites: channel.overwrites.map((o) => ({
        id: o.id,
        type: o.type,
        allow: o.allow.toString(),
        deny: o.deny.toString(),
      })),
      topic: channel.topic,
      nsfw: false,
    };
  }
  return {
    ...base,
    owner_id: thread.ownerId,
    message_count: thread.messageCount,
    member_count: Math.min(thread.memberIds.size, 50),
    total_message_sent: thread.totalMessageSent,
    thread_metadata: {
      archived: thread.archived,
      auto_archive_duration: thread.autoArchiveDuration,
      archive_timestamp: thread.archiveTimestamp,
      locked: thread.locked,
      create_timestamp: thread.createTimestamp,
    },
  };
}

/** An attachment object whose `url` serves the bytes back. */
export function attachmentObject(state: EmulatorState, a: StoredAttachment): Record<string, unknown> {
  const path = `/attachments/${a.channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
  const out: Record<string, unknown> = {
    id: a.id,
    filename: a.filename,
    size: a.size,
    url: `${state.baseUrl}${path}`,
    proxy_url: `${state.baseUrl}/media${path}`,
    content_type: a.contentType,
  };
  if (a.description !== undefined) out.description = a.description;
  return out;
}

/** Options of {@link messageObject}. */
export interface MessageViewOptions {
  /** Include `nonce` (only the create response echoes it). */
  withNonce?: boolean;
  /** Nesting guard for `referenced_message`. */
  depth?: number;
  /**
   * Whether the viewer gets message content from others. Over REST that is the app's MESSAGE_CONTENT setting; over
   * the gateway, the intent bit of the session's IDENTIFY. @defaultValue the viewer's app setting
   */
  messageContent?: boolean;
}

/**
 * A message object as `viewerId` sees it: `reactions[].me` is relative to the viewer, and a bot without the
 * MESSAGE_CONTENT intent gets empty content, embeds, attachments and components for other users' messages that do
 * not mention it.
 */
export function messageObject(
  state: EmulatorState,
  message: StoredMessage,
  viewerId: string,
  options: MessageViewOptions = {},
): Record<string, unknown> {
  const author = state.users.get(message.authorId);
  const viewer = state.users.get(viewerId);
  const hidden =
    viewer !== undefined &&
    viewer.bot &&
    !(options.messageContent ?? viewer.messageContentIntent) &&
    message.authorId !== viewerId &&
    !message.mentionIds.includes(viewerId);
  const out: Record<string, unknown> = {
    type: message.type,
    content: hidden ? '' : message.content,
    mentions: message.mentionIds.flatMap((id) => {
      const user = state.users.get(id);
      return user ? [userObject(user)] : [];
    }),
    mention_roles: [...message.mentionRoleIds],
    attachments: hidden ? [] : message.attachments.map((a) => attachmentObject(state, a)),
    embeds: hidden ? [] : message.embeds,
    timestamp: message.timestamp,
    edited_timestamp: message.editedTimestamp,
    flags: message.flags,
    components: hidden ? [] : message.components,
    id: message.id,
    channel_id: message.channelId,
    author: author
      ? userObject(author)
      : { id: message.authorId, username: 'Deleted User', discriminator: '0', avatar: null },
    pinned: message.pinned,
    mention_everyone: message.mentionEveryone,
    tts: message.tts,
  };
  if (options.withNonce && message.nonce !== undefined) out.nonce = message.nonce;
  if (message.reactions.size > 0) {
    out.reactions = [...message.reactions.values()].map((r) => ({
      emoji: r.emoji.id === null ? { id: null, name: r.emoji.name } : { ...r.emoji },
      count: r.userIds.size,
      count_details: { burst: 0, normal: r.userIds.size },
      burst_colors: [],
      me_burst: false,
      burst_me: false,
      me: r.userIds.has(viewerId),
      burst_count: 0,
    }));
  }
  if (message.threadId) {
    const thread = state.channels.get(message.threadId);
    if (thread) out.thread = channelObject(thread);
  }
  if (message.reference) {
    out.message_reference = {
      type: 0,
      channel_id: message.reference.channelId,
      message_id: message.reference.messageId,
      guild_id: message.reference.guildId,
    };
    if ((options.depth ?? 0) < 1) {
      const channel = state.channels.get(message.reference.channelId);
      const target = channel?.messages.find((m) => m.id === message.reference?.messageId);
      out.referenced_message = target
        ? messageObject(state, target, viewerId, { depth: 1, messageContent: options.messageContent })
        : null;
    }
  }
  return out;
}
