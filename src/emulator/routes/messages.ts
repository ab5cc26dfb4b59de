/** Message routes: create (JSON or multipart), get, list, edit, delete, bulk delete. */
import { Errors, FormErrors, fieldError } from '../api-error.js';
import { resolveMentions } from '../mentions.js';
import type { StoredAttachment, StoredChannel, StoredMessage } from '../models.js';
import { Permission } from '../permissions.js';
import type { Route, RouteContext, RouteResult } from '../router.js';
import { messageObject } from '../serialize.js';
import { isSnowflake, snowflakeTime } from '../snowflake.js';
import { discordTimestamp, EmulatorState } from '../state.js';
import { readMessageInput, MAX_ATTACHMENTS, type MessageInput } from './message-input.js';
import {
  assertMessageDeletable,
  assertMessageEditable,
  checkThreadPost,
  setArchived,
} from './thread-rules.js';

const TEXT_TYPES = new Set([0, 5, 10, 11, 12]);
const BULK_DELETE_MAX_AGE_MS = 14 * 24 * 3600_000;

function buildAttachments(state: EmulatorState, channelId: string, input: MessageInput): StoredAttachment[] {
  return input.files.map((file) => {
    const meta = input.attachments?.find((a) => a.id === String(file.index));
    const attachment: StoredAttachment = {
      id: state.ids.next(),
      channelId,
      filename: meta?.filename ?? file.filename,
      size: file.data.length,
      contentType: file.contentType,
      data: file.data,
    };
    if (meta?.description !== undefined) attachment.description = meta.description;
    return attachment;
  });
}

async function createMessage(ctx: RouteContext): Promise<RouteResult> {
  const { state, user } = ctx;
  const { channel, perms } = state.visibleChannel(user.id, ctx.params.channel_id!);
  if (!TEXT_TYPES.has(channel.type)) throw Errors.wrongChannelType();
  const input = readMessageInput(await ctx.body.payload(), false);

  if (input.enforceNonce && input.nonce !== undefined) {
    const existing = state.findNonce(user.id, input.nonce);
    if (existing) {
      const body = messageObject(state, existing, user.id, { withNonce: true });
      return { status: 200, body, committed: false };
    }
  }
  const content = input.content ?? '';
  if (content.trim() === '' && !input.embeds?.length && input.files.length === 0 && !input.components?.length)
    throw Errors.emptyMessage();

  const needed = channel.thread ? Permission.SendMessagesInThreads : Permission.SendMessages;
  if (!(perms & needed)) throw Errors.missingPermissions();
  if (input.files.length > 0 && !(perms & Permission.AttachFiles)) throw Errors.missingPermissions();
  const unarchives = checkThreadPost(state, channel, perms);

  let reference: StoredMessage['reference'];
  let repliedUserId: string | undefined;
  if (input.reference) {
    const refChannelId = input.reference.channelId ?? channel.id;
    let target: StoredMessage | undefined;
    if (refChannelId === channel.id) {
      try {
        target = state.message(channel, input.reference.messageId);
      } catch {
        target = undefined;
      }
    }
    if (target) {
      reference = { messageId: target.id, channelId: channel.id, guildId: channel.guildId };
      repliedUserId = target.authorId;
    } else if (input.reference.failIfNotExists) {
      throw fieldError(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
  }

  const guild = state.guild(channel.guildId);
  const mentions = resolveMentions({
    state,
    guild,
    content,
    allowed: input.allowedMentions,
    perms,
    ...(repliedUserId ? { repliedUserId } : {}),
  });
  const id = state.ids.next();
  const message: StoredMessage = {
    id,
    idBig: BigInt(id),
    channelId: channel.id,
    guildId: channel.guildId,
    authorId: user.id,
    type: reference ? 19 : 0,
    content,
    embeds: input.embeds ?? [],
    components: input.components ?? [],
    attachments: buildAttachments(state, channel.id, input),
    ...mentions,
    timestamp: discordTimestamp(snowflakeTime(id)),
    editedTimestamp: null,
    flags: input.flags ?? 0,
    tts: input.tts,
    pinned: false,
    reactions: new Map(),
  };
  if (input.nonce !== undefined) message.nonce = input.nonce;
  if (reference) message.reference = reference;
  if (unarchives) setArchived(channel.thread!, false);
  state.insertMessage(channel, message);
  channel.thread?.memberIds.add(user.id);
  if (input.enforceNonce) state.rememberNonce(message);
  // Discord sends THREAD_UPDATE when a post revives an archived thread.
  if (unarchives) state.gateway.emit({ type: 'threadUpdate', thread: channel });
  state.gateway.emit({ type: 'messageCreate', channel, message });
  return { status: 200, body: messageObject(state, message, user.id, { withNonce: true }) };
}

function readableChannel(ctx: RouteContext): { channel: StoredChannel; perms: bigint } {
  return ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
}

function getMessage(ctx: RouteContext): RouteResult {
  const { channel, perms } = readableChannel(ctx);
  if (!(perms & Permission.ReadMessageHistory)) throw Errors.missingAccess();
  const message = ctx.state.message(channel, ctx.params.message_id!);
  return { status: 200, body: messageObject(ctx.state, message, ctx.user.id) };
}

function parseListQuery(query: URLSearchParams): {
  limit: number;
  cursor?: { kind: 'before' | 'after' | 'around'; id: bigint };
} {
  const errors = new FormErrors();
  let limit = 50;
  const rawLimit = query.get('limit');
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (rawLimit.trim() === '' || !Number.isInteger(n))
      errors.add(['limit'], 'NUMBER_TYPE_COERCE', `Value "${rawLimit}" is not int.`);
    else if (n < 1)
      errors.add(['limit'], 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 1.');
    else if (n > 100)
      errors.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
    else limit = n;
  }
  const cursors = (['before', 'after', 'around'] as const).filter((k) => query.has(k));
  if (cursors.length > 1) {
    for (const k of cursors)
      errors.add([k], 'MESSAGE_LIST_CURSOR_EXCLUSIVE', 'Only one of before, after and around may be given.');
  }
  let cursor: { kind: 'before' | 'after' | 'around'; id: bigint } | undefined;
  const kind = cursors[0];
  if (kind) {
    const raw = query.get(kind)!;
    if (!isSnowflake(raw)) errors.add([kind], 'NUMBER_TYPE_COERCE', `Value "${raw}" is not snowflake.`);
    else cursor = { kind, id: BigInt(raw) };
  }
  errors.throwIfAny();
  return cursor ? { limit, cursor } : { limit };
}

function listMessages(ctx: RouteContext): RouteResult {
  const { channel, perms } = readableChannel(ctx);
  const { limit, cursor } = parseListQuery(ctx.query);
  if (!(perms & Permission.ReadMessageHistory)) return { status: 200, body: [] };
  const all = channel.messages;
  let slice: StoredMessage[];
  if (!cursor) slice = all.slice(Math.max(0, all.length - limit));
  else if (cursor.kind === 'before') {
    const end = EmulatorState.lowerBound(all, cursor.id);
    slice = all.slice(Math.max(0, end - limit), end);
  } else if (cursor.kind === 'after') {
    const start = EmulatorState.lowerBound(all, cursor.id + 1n);
    slice = all.slice(start, start + limit);
  } else {
    // around: the message itself (if present) with the rest split evenly before and after it.
    const at = EmulatorState.lowerBound(all, cursor.id);
    const start = Math.max(0, Math.min(at - Math.floor(limit / 2), all.length - limit));
    slice = all.slice(start, start + limit);
  }
  const body = [];
  for (let i = slice.length - 1; i >= 0; i--) body.push(messageObject(ctx.state, slice[i]!, ctx.user.id));
  return { status: 200, body };
}

async function editMessage(ctx: RouteContext): Promise<RouteResult> {
  const { state, user } = ctx;
  const { channel, perms } = readableChannel(ctx);
  const message = state.message(channel, ctx.params.message_id!);
  if (message.authorId !== user.id) throw Errors.cannotEditOthers();
  const input = readMessageInput(await ctx.body.payload(), true);
  assertMessageEditable(channel, perms);
  let attachments = message.attachments;
  if (input.attachments) {
    const keep = new Set(input.attachments.map((a) => a.id));
    for (const a of attachments) if (!keep.has(a.id)) state.attachments.delete(a.id);
    attachments = attachments.filter((a) => keep.has(a.id));
  }
  const added = input.files.map((file) => {
    const meta = input.attachments?.find((a) => a.id === String(file.index));
    const a: StoredAttachment = {
      id: state.ids.next(),
      channelId: channel.id,
      filename: meta?.filename ?? file.filename,
      size: file.data.length,
      contentType: file.contentType,
      data: file.data,
    };
    state.attachments.set(a.id, a);
    return a;
  });
  attachments = [...attachments, ...added];
  if (attachments.length > MAX_ATTACHMENTS) throw Errors.maxAttachments();
  const content = input.content ?? message.content;
  const embeds = input.embeds ?? message.embeds;
  if (
    content.trim() === '' &&
    embeds.length === 0 &&
    attachments.length === 0 &&
    message.components.length === 0
  )
    throw Errors.emptyMessage();
  if (input.content !== undefined || input.allowedMentions !== undefined) {
    const guild = state.guild(channel.guildId);
    const ref = message.reference;
    const repliedUserId = ref ? channel.messages.find((m) => m.id === ref.messageId)?.authorId : undefined;
    const mentions = resolveMentions({
      state,
      guild,
      content,
      allowed: input.allowedMentions,
      perms,
      ...(repliedUserId ? { repliedUserId } : {}),
    });
    Object.assign(message, mentions);
  }
  message.content = content;
  message.embeds = embeds;
  message.attachments = attachments;
  if (input.components) message.components = input.components;
  if (input.flags !== undefined) message.flags = input.flags;
  message.editedTimestamp = discordTimestamp();
  state.gateway.emit({ type: 'messageUpdate', channel, message });
  return { status: 200, body: messageObject(state, message, user.id) };
}

function deleteMessage(ctx: RouteContext): RouteResult {
  const { state, user } = ctx;
  const { channel, perms } = readableChannel(ctx);
  const message = state.message(channel, ctx.params.message_id!);
  if (message.authorId !== user.id && !(perms & Permission.ManageMessages)) throw Errors.missingPermissions();
  assertMessageDeletable(channel, perms);
  state.removeMessage(channel, message);
  state.gateway.emit({ type: 'messageDelete', channel, messageId: message.id });
  return { status: 204 };
}

async function bulkDelete(ctx: RouteContext): Promise<RouteResult> {
  const { state } = ctx;
  const { channel, perms } = readableChannel(ctx);
  const json = await ctx.body.json();
  const ids = json.messages;
  if (!Array.isArray(ids)) throw fieldError(['messages'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (ids.length < 2) throw fieldError(['messages'], 'BASE_TYPE_MIN_LENGTH', 'Must be 2 or more in length.');
  if (ids.length > 100)
    throw fieldError(['messages'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const errors = new FormErrors();
  ids.forEach((id, i) => {
    if (!isSnowflake(String(id)))
      errors.add(['messages', String(i)], 'NUMBER_TYPE_COERCE', `Value "${String(id)}" is not snowflake.`);
  });
  errors.throwIfAny();
  if (!(perms & Permission.ManageMessages)) throw Errors.missingPermissions();
  assertMessageDeletable(channel, perms);
  const now = Date.now();
  if (ids.some((id) => now - snowflakeTime(String(id)) > BULK_DELETE_MAX_AGE_MS))
    throw Errors.bulkDeleteTooOld();
  const removed: string[] = [];
  for (const id of new Set(ids.map(String))) {
    try {
      state.removeMessage(channel, state.message(channel, id));
      removed.push(id);
    } catch {
      // Discord ignores ids that are not messages of this channel.
    }
  }
  if (removed.length > 0) state.gateway.emit({ type: 'messageDeleteBulk', channel, messageIds: removed });
  return { status: 204 };
}

/** The message routes. */
export const messageRoutes: Route[] = [
  {
    method: 'POST',
    path: '/channels/{channel_id}/messages',
    bucket: 'messageCreate',
    major: 'channel_id',
    handler: createMessage,
  },
  {
    method: 'GET',
    path: '/channels/{channel_id}/messages',
    bucket: 'default',
    major: 'channel_id',
    handler: listMessages,
  },
  {
    method: 'POST',
    path: '/channels/{channel_id}/messages/bulk-delete',
    bucket: 'bulkDelete',
    major: 'channel_id',
    handler: bulkDelete,
  },
  {
    method: 'GET',
    path: '/channels/{channel_id}/messages/{message_id}',
    bucket: 'default',
    major: 'channel_id',
    handler: getMessage,
  },
  {
    method: 'PATCH',
    path: '/channels/{channel_id}/messages/{message_id}',
    bucket: 'default',
    major: 'channel_id',
    handler: editMessage,
  },
  {
    method: 'DELETE',
    path: '/channels/{channel_id}/messages/{message_id}',
    bucket: 'messageDelete',
    major: 'channel_id',
    handler: deleteMessage,
  },
];
