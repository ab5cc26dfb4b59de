/** The emulator's stored records. API objects are built from these by `serialize.ts`. */

/** A user: a bot (token sent as `Bot <token>`) or a human the tests can post as. */
export interface StoredUser {
  id: string;
  username: string;
  bot: boolean;
  token: string;
  /** Whether the bot's application has the privileged MESSAGE_CONTENT intent. Humans ignore it. */
  messageContentIntent: boolean;
}

/** A guild role; the `@everyone` role's id is the guild id. */
export interface StoredRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
  /** Set for a bot's managed role. */
  botId?: string;
}

/** A guild member. */
export interface StoredMember {
  userId: string;
  roles: string[];
  joinedAt: string;
}

/** A guild. */
export interface StoredGuild {
  id: string;
  name: string;
  ownerId: string;
  roles: Map<string, StoredRole>;
  members: Map<string, StoredMember>;
  channelIds: string[];
}

/** A permission overwrite: type 0 = role, 1 = member. */
export interface StoredOverwrite {
  id: string;
  type: 0 | 1;
  allow: bigint;
  deny: bigint;
}

/** Thread state of a type-11 channel. */
export interface StoredThreadMetadata {
  ownerId: string;
  archived: boolean;
  locked: boolean;
  autoArchiveDuration: number;
  archiveTimestamp: string;
  createTimestamp: string;
  memberIds: Set<string>;
  messageCount: number;
  totalMessageSent: number;
}

/** A guild text channel (type 0) or public thread (type 11). */
export interface StoredChannel {
  id: string;
  type: number;
  guildId: string;
  name: string;
  position: number;
  topic: string | null;
  overwrites: StoredOverwrite[];
  parentId: string | null;
  lastMessageId: string | null;
  /** Messages in id order, oldest first. */
  messages: StoredMessage[];
  thread?: StoredThreadMetadata;
}

/** An uploaded file. */
export interface StoredAttachment {
  id: string;
  channelId: string;
  filename: string;
  description?: string;
  size: number;
  contentType: string;
  data: Buffer;
}

/** One emoji's reactions on a message. */
export interface StoredReaction {
  emoji: { id: string | null; name: string; animated?: boolean };
  userIds: Set<string>;
}

/** A message as stored, independent of who reads it. */
export interface StoredMessage {
  id: string;
  idBig: bigint;
  channelId: string;
  guildId: string;
  authorId: string;
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: StoredAttachment[];
  mentionIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
  timestamp: string;
  editedTimestamp: string | null;
  flags: number;
  tts: boolean;
  pinned: boolean;
  nonce?: string | number;
  /** Keyed by `name` for unicode emoji, by id for custom emoji; insertion order is display order. */
  reactions: Map<string, StoredReaction>;
  /** Id of the thread started from this message (equal to the message id). */
  threadId?: string;
  reference?: { messageId: string; channelId: string; guildId: string };
}
