/** The emulator's world: users, guilds, channels, messages and attachments, all in memory. */
import { randomBytes } from 'node:crypto';
import { Errors } from './api-error.js';
import { GatewayState } from './gateway/gateway-state.js';
import type {
  StoredAttachment,
  StoredChannel,
  StoredGuild,
  StoredMessage,
  StoredOverwrite,
  StoredRole,
  StoredUser,
} from './models.js';
import { BOT_PERMISSIONS, computePermissions } from './permissions.js';
import { SnowflakeGenerator } from './snowflake.js';

/** Tunable world rules. */
export interface StateConfig {
  /** Active (unarchived) threads allowed per guild before 160006. @defaultValue 1000 */
  activeThreadLimit: number;
  /** How long a `nonce` with `enforce_nonce` is remembered per author. @defaultValue 300000 (5 min) */
  nonceWindowMs: number;
}

/** Defaults of {@link StateConfig}. */
export const DEFAULT_STATE_CONFIG = {
  activeThreadLimit: 1000,
  nonceWindowMs: 5 * 60_000,
} as const satisfies StateConfig;

/** ISO timestamp in Discord's format (`2026-01-01T00:00:00.000000+00:00`). */
export function discordTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

/** All emulator data plus lookups that raise Discord's errors. */
export class EmulatorState {
  readonly ids = new SnowflakeGenerator();
  readonly users = new Map<string, StoredUser>();
  readonly tokens = new Map<string, StoredUser>();
  readonly guilds = new Map<string, StoredGuild>();
  readonly channels = new Map<string, StoredChannel>();
  readonly attachments = new Map<string, StoredAttachment>();
  readonly #nonces = new Map<string, { channelId: string; messageId: string; at: number }>();
  config: StateConfig = { ...DEFAULT_STATE_CONFIG };
  /** The seeded guild, where admin-created bots, users, roles and channels go. */
  primaryGuildId = '';
  /** `http://127.0.0.1:P`, set once the server listens; attachment URLs are built on it. */
  baseUrl = 'http://127.0.0.1';
  /** Gateway settings, session-start budgets, and the feed of world events REST routes publish. */
  readonly gateway = new GatewayState();

  /** A fresh Discord-looking token for `userId`: base64(id).timestamp.hmac-like. */
  static makeToken(userId: string): string {
    const head = Buffer.from(userId).toString('base64url');
    return `${head}.${randomBytes(4).toString('base64url')}.${randomBytes(27).toString('base64url')}`;
  }

  /** Add a user (bot or human) with a new token. */
  addUser(init: { username: string; bot: boolean; messageContentIntent?: boolean }): StoredUser {
    const id = this.ids.next();
    const user: StoredUser = {
      id,
      username: init.username,
      bot: init.bot,
      token: EmulatorState.makeToken(id),
      messageContentIntent: init.messageContentIntent ?? true,
    };
    this.users.set(id, user);
    this.tokens.set(user.token, user);
    return user;
  }

  /** Create a guild owned by `ownerId`, with its `@everyone` role. */
  addGuild(name: string, ownerId: string, everyonePermissions: bigint): StoredGuild {
    const id = this.ids.next();
    const guild: StoredGuild = { id, name, ownerId, roles: new Map(), members: new Map(), channelIds: [] };
    guild.roles.set(id, { id, name: '@everyone', permissions: everyonePermissions, position: 0 });
    this.guilds.set(id, guild);
    this.addMember(guild, ownerId, []);
    return guild;
  }

  /** Add a role to `guild`. */
  addRole(guild: StoredGuild, init: { name: string; permissions: bigint; botId?: string }): StoredRole {
    const role: StoredRole = { id: this.ids.next(), position: guild.roles.size, ...init };
    guild.roles.set(role.id, role);
    return role;
  }

  /** Make `userId` a member of `guild` holding `roles`. */
  addMember(guild: StoredGuild, userId: string, roles: string[]): void {
    guild.members.set(userId, { userId, roles: [...roles], joinedAt: discordTimestamp() });
  }

  /** Add a bot user with its own managed role in `guild`. */
  addBot(guild: StoredGuild, init: { name: string; messageContentIntent?: boolean }): StoredUser {
    const user = this.addUser({
      username: init.name,
      bot: true,
      messageContentIntent: init.messageContentIntent ?? true,
    });
    const role = this.addRole(guild, { name: init.name, permissions: BOT_PERMISSIONS, botId: user.id });
    this.addMember(guild, user.id, [role.id]);
    return user;
  }

  /** Add a guild text channel. */
  addTextChannel(guild: StoredGuild, name: string, topic: string | null = null): StoredChannel {
    const channel: StoredChannel = {
      id: this.ids.next(),
      type: 0,
      guildId: guild.id,
      name,
      position: guild.channelIds.length,
      topic,
      overwrites: [],
      parentId: null,
      lastMessageId: null,
      messages: [],
    };
    this.channels.set(channel.id, channel);
    guild.channelIds.push(channel.id);
    return channel;
  }

  /** Merge `allow`/`deny` bits into the member or role overwrite of `channel`. */
  mergeOverwrite(
    channel: StoredChannel,
    init: Omit<StoredOverwrite, 'allow' | 'deny'> & { allow?: bigint; deny?: bigint },
  ): StoredOverwrite {
    let overwrite = channel.overwrites.find((o) => o.id === init.id);
    if (!overwrite) {
      overwrite = { id: init.id, type: init.type, allow: 0n, deny: 0n };
      channel.overwrites.push(overwrite);
    }
    overwrite.deny = (overwrite.deny | (init.deny ?? 0n)) & ~(init.allow ?? 0n);
    overwrite.allow = (overwrite.allow | (init.allow ?? 0n)) & ~(init.deny ?? 0n);
    return overwrite;
  }

  /** The user holding `token`, if any. */
  userByToken(token: string): StoredUser | undefined {
    return this.tokens.get(token);
  }

  /** Give a user a fresh token; the old one stops working at once (Discord's "Reset Token"). */
  resetToken(user: StoredUser): string {
    this.tokens.delete(user.token);
    user.token = EmulatorState.makeToken(user.id);
    this.tokens.set(user.token, user);
    return user.token;
  }

  /** The guild with `id`, or 10004. */
  guild(id: string): StoredGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw Errors.unknownGuild();
    return guild;
  }

  /** The channel with `id`, or 10003. */
  channel(id: string): StoredChannel {
    const channel = this.channels.get(id);
    if (!channel) throw Errors.unknownChannel();
    return channel;
  }

  /** The parent of a thread (the channel itself otherwise). */
  permissionSource(channel: StoredChannel): StoredChannel {
    return channel.parentId ? (this.channels.get(channel.parentId) ?? channel) : channel;
  }

  /** `userId`'s permissions in `channel` (a thread uses its parent's). */
  permissions(userId: string, channel: StoredChannel): bigint {
    const guild = this.guilds.get(channel.guildId);
    if (!guild) return 0n;
    return computePermissions(
      guild,
      userId,
      channel,
      channel.parentId ? this.channels.get(channel.parentId) : undefined,
    );
  }

  /** The channel if `userId` can see it; 10003 when unknown, 50001 when hidden. */
  visibleChannel(userId: string, channelId: string): { channel: StoredChannel; perms: bigint } {
    const channel = this.channel(channelId);
    const perms = this.permissions(userId, channel);
    if (perms === 0n) throw Errors.missingAccess();
    return { channel, perms };
  }

  /** Index of the first message with id >= `id` (binary search over the id-ordered list). */
  static lowerBound(messages: StoredMessage[], id: bigint): number {
    let lo = 0;
    let hi = messages.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (messages[mid]!.idBig < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The message `messageId` of `channel`, or 10008. */
  message(channel: StoredChannel, messageId: string): StoredMessage {
    if (!/^\d{1,20}$/.test(messageId)) throw Errors.unknownMessage();
    const index = EmulatorState.lowerBound(channel.messages, BigInt(messageId));
    const message = channel.messages[index];
    if (!message || message.id !== messageId) throw Errors.unknownMessage();
    return message;
  }

  /** Append (ids only grow) and update the channel's counters. */
  insertMessage(channel: StoredChannel, message: StoredMessage): void {
    const last = channel.messages[channel.messages.length - 1];
    if (!last || last.idBig < message.idBig) channel.messages.push(message);
    else channel.messages.splice(EmulatorState.lowerBound(channel.messages, message.idBig), 0, message);
    channel.lastMessageId = message.id;
    if (channel.thread) {
      channel.thread.messageCount += 1;
      channel.thread.totalMessageSent += 1;
    }
    for (const attachment of message.attachments) this.attachments.set(attachment.id, attachment);
  }

  /** Remove a message and its files. */
  removeMessage(channel: StoredChannel, message: StoredMessage): void {
    const index = EmulatorState.lowerBound(channel.messages, message.idBig);
    if (channel.messages[index] === message) channel.messages.splice(index, 1);
    if (channel.thread) channel.thread.messageCount = Math.max(0, channel.thread.messageCount - 1);
    for (const attachment of message.attachments) this.attachments.delete(attachment.id);
  }

  /** The message an author created earlier with the same nonce, while the nonce window holds. */
  findNonce(authorId: string, nonce: string | number): StoredMessage | undefined {
    const key = `${authorId}:${String(nonce)}`;
    const hit = this.#nonces.get(key);
    if (!hit) return undefined;
    if (Date.now() - hit.at > this.config.nonceWindowMs) {
      this.#nonces.delete(key);
      return undefined;
    }
    const channel = this.channels.get(hit.channelId);
    if (!channel) return undefined;
    try {
      return this.message(channel, hit.messageId);
    } catch {
      return undefined;
    }
  }

  /** Remember `message` under its author's nonce. */
  rememberNonce(message: StoredMessage): void {
    if (message.nonce === undefined) return;
    const now = Date.now();
    if (this.#nonces.size > 10_000) {
      for (const [key, hit] of this.#nonces)
        if (now - hit.at > this.config.nonceWindowMs) this.#nonces.delete(key);
    }
    this.#nonces.set(`${message.authorId}:${String(message.nonce)}`, {
      channelId: message.channelId,
      messageId: message.id,
      at: now,
    });
  }

  /** Forget every remembered nonce, as if the window had passed for all of them. */
  forgetNonces(): void {
    this.#nonces.clear();
  }

  /** Active (unarchived) threads in a guild. */
  activeThreads(guildId: string): StoredChannel[] {
    const threads: StoredChannel[] = [];
    for (const channel of this.channels.values()) {
      if (channel.guildId === guildId && channel.thread && !channel.thread.archived) threads.push(channel);
    }
    return threads;
  }
}
