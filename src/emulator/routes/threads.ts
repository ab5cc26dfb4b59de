/** Threads: start one from a message (one per message, id = message id), edit (archive, lock, rename), list active. */
import { Errors, FormErrors } from '../api-error.js';
import type { StoredChannel } from '../models.js';
import { Permission } from '../permissions.js';
import type { Route, RouteContext, RouteResult } from '../router.js';
import { channelObject } from '../serialize.js';
import { discordTimestamp } from '../state.js';
import { assertActiveThreadSlot, setArchived } from './thread-rules.js';

const ARCHIVE_DURATIONS = [60, 1440, 4320, 10080];

function checkName(errors: FormErrors, name: unknown, required: boolean): void {
  if (name === undefined || name === null) {
    if (required) errors.add(['name'], 'BASE_TYPE_REQUIRED', 'This field is required');
  } else if (typeof name !== 'string') errors.add(['name'], 'BASE_TYPE_STRING', 'Must be a string.');
  else if (name.length < 1 || name.length > 100)
    errors.add(['name'], 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
}

function checkDuration(errors: FormErrors, value: unknown): void {
  if (value !== undefined && value !== null && !ARCHIVE_DURATIONS.includes(value as number)) {
    errors.add(
      ['auto_archive_duration'],
      'BASE_TYPE_CHOICES',
      'Value must be one of {60, 1440, 4320, 10080}.',
    );
  }
}

async function startFromMessage(ctx: RouteContext): Promise<RouteResult> {
  const { state, user } = ctx;
  const { channel: parent, perms } = state.visibleChannel(user.id, ctx.params.channel_id!);
  if (parent.type !== 0 && parent.type !== 5) throw Errors.wrongChannelType();
  const message = state.message(parent, ctx.params.message_id!);
  const json = await ctx.body.json();
  const errors = new FormErrors();
  checkName(errors, json.name, true);
  checkDuration(errors, json.auto_archive_duration);
  const slowmode = json.rate_limit_per_user;
  if (
    slowmode !== undefined &&
    slowmode !== null &&
    (!Number.isInteger(slowmode) || (slowmode as number) < 0 || (slowmode as number) > 21600)
  ) {
    errors.add(
      ['rate_limit_per_user'],
      'NUMBER_TYPE_MAX',
      'int value should be less than or equal to 21600.',
    );
  }
  errors.throwIfAny();
  if (!(perms & Permission.CreatePublicThreads)) throw Errors.missingPermissions();
  if (message.threadId || state.channels.has(message.id)) throw Errors.threadAlreadyCreated();
  assertActiveThreadSlot(state, parent.guildId);
  const now = discordTimestamp();
  const thread: StoredChannel = {
    id: message.id,
    type: parent.type === 5 ? 10 : 11,
    guildId: parent.guildId,
    name: json.name as string,
    position: 0,
    topic: null,
    overwrites: [],
    parentId: parent.id,
    lastMessageId: null,
    messages: [],
    thread: {
      ownerId: user.id,
      archived: false,
      locked: false,
      autoArchiveDuration: (json.auto_archive_duration as number | undefined) ?? 4320,
      archiveTimestamp: now,
      createTimestamp: now,
      memberIds: new Set([user.id]),
      messageCount: 0,
      totalMessageSent: 0,
    },
  };
  state.channels.set(thread.id, thread);
  message.threadId = thread.id;
  // Starting a thread fires THREAD_CREATE and a MESSAGE_UPDATE of the message, which gains `thread` [chan].
  state.gateway.emit({ type: 'threadCreate', thread });
  state.gateway.emit({ type: 'messageUpdate', channel: parent, message });
  return { status: 201, body: channelObject(thread) };
}

function editThread(
  ctx: RouteContext,
  channel: StoredChannel,
  perms: bigint,
  json: Record<string, unknown>,
): RouteResult {
  const thread = channel.thread!;
  const errors = new FormErrors();
  checkName(errors, json.name, false);
  checkDuration(errors, json.auto_archive_duration);
  for (const key of ['archived', 'locked'] as const) {
    if (json[key] !== undefined && json[key] !== null && typeof json[key] !== 'boolean')
      errors.add([key], 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
  }
  errors.throwIfAny();
  const manage = (perms & Permission.ManageThreads) !== 0n;
  const owner = thread.ownerId === ctx.user.id;
  const given = (key: string): boolean => json[key] !== undefined && json[key] !== null;
  const unarchive = thread.archived && json.archived === false;
  // channel.mdx, Modify Channel (Thread): "Requires the thread to have `archived` set to `false` or be set to
  // `false` in the request." So one hand-back's PATCH {archived: true, ...} wins and later ones get 50083.
  if (thread.archived && json.archived !== false) throw Errors.archivedThread();
  // threads.mdx, Editing & Deleting Threads: `locked` needs MANAGE_THREADS; `name`, `archived` and
  // `auto_archive_duration` need MANAGE_THREADS or being the thread's creator.
  if (given('locked') && json.locked !== thread.locked && !manage) throw Errors.missingPermissions();
  const ownerFields = given('name') || given('auto_archive_duration') || json.archived === true;
  if (ownerFields && !manage && !owner) throw Errors.missingPermissions();
  // Locked threads: no title changes and no unarchiving without MANAGE_THREADS (threads.mdx, Locked Threads).
  if (thread.locked && !manage && (given('name') || unarchive)) throw Errors.missingPermissions();
  // Unarchiving an unlocked thread only needs the right to talk in it ("only the SEND_MESSAGES permission is
  // required", channel.mdx; SEND_MESSAGES has no effect in threads, so SEND_MESSAGES_IN_THREADS counts).
  if (unarchive && !thread.locked && !(perms & Permission.SendMessagesInThreads))
    throw Errors.missingPermissions();
  if (unarchive) assertActiveThreadSlot(ctx.state, channel.guildId);
  if (typeof json.name === 'string') channel.name = json.name;
  if (typeof json.locked === 'boolean') thread.locked = json.locked;
  if (
    typeof json.auto_archive_duration === 'number' &&
    json.auto_archive_duration !== thread.autoArchiveDuration
  ) {
    thread.autoArchiveDuration = json.auto_archive_duration;
    // threads.mdx: `archive_timestamp` also changes "when changing the `auto_archive_duration` field".
    thread.archiveTimestamp = discordTimestamp();
  }
  if (typeof json.archived === 'boolean') setArchived(thread, json.archived);
  ctx.state.gateway.emit({ type: 'threadUpdate', thread: channel });
  return { status: 200, body: channelObject(channel) };
}

async function editChannel(ctx: RouteContext): Promise<RouteResult> {
  const { channel, perms } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  const json = await ctx.body.json();
  if (channel.thread) return editThread(ctx, channel, perms, json);
  const errors = new FormErrors();
  checkName(errors, json.name, false);
  if (
    json.topic !== undefined &&
    json.topic !== null &&
    (typeof json.topic !== 'string' || json.topic.length > 1024)
  ) {
    errors.add(['topic'], 'BASE_TYPE_MAX_LENGTH', 'Must be 1024 or fewer in length.');
  }
  errors.throwIfAny();
  if (!(perms & Permission.ManageChannels)) throw Errors.missingPermissions();
  if (typeof json.name === 'string') channel.name = json.name;
  if (json.topic !== undefined) channel.topic = (json.topic as string | null) ?? null;
  ctx.state.gateway.emit({ type: 'channelUpdate', channel });
  return { status: 200, body: channelObject(channel) };
}

function getChannel(ctx: RouteContext): RouteResult {
  const { channel } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  const body = channelObject(channel);
  // threads.mdx: "getting a channel will return the thread member object for the current user as a property on the
  // channel, if the current user is a member of the thread."
  if (channel.thread?.memberIds.has(ctx.user.id)) body.member = threadMember(channel, ctx.user.id);
  return { status: 200, body };
}

function threadMember(thread: StoredChannel, userId: string): Record<string, unknown> {
  return { id: thread.id, user_id: userId, join_timestamp: thread.thread!.createTimestamp, flags: 1 };
}

function deleteChannel(ctx: RouteContext): RouteResult {
  const { state } = ctx;
  const { channel, perms } = state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  const needed = channel.thread ? Permission.ManageThreads : Permission.ManageChannels;
  if (!(perms & needed)) throw Errors.missingPermissions();
  const body = channelObject(channel);
  for (const message of [...channel.messages]) state.removeMessage(channel, message);
  state.channels.delete(channel.id);
  const guild = state.guilds.get(channel.guildId);
  if (guild) guild.channelIds = guild.channelIds.filter((id) => id !== channel.id);
  // The parent message keeps its thread marker: whether Discord allows a new thread afterwards is unknown, and
  // refusing it (160004) is the stricter choice.
  if (channel.thread) state.gateway.emit({ type: 'threadDelete', thread: channel });
  else state.gateway.emit({ type: 'channelDelete', channel });
  return { status: 200, body };
}

function archivedPublicThreads(ctx: RouteContext): RouteResult {
  const { channel: parent, perms } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  const errors = new FormErrors();
  let limit = 50;
  const rawLimit = ctx.query.get('limit');
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || n < 2 || n > 100)
      errors.add(['limit'], 'NUMBER_TYPE_MIN', 'int value should be between 2 and 100.');
    else limit = n;
  }
  const rawBefore = ctx.query.get('before');
  const before = rawBefore === null ? Number.POSITIVE_INFINITY : Date.parse(rawBefore);
  if (Number.isNaN(before))
    errors.add(['before'], 'DATE_TYPE_PARSE', `Could not parse ${String(rawBefore)}. Should be ISO8601.`);
  errors.throwIfAny();
  if (!(perms & Permission.ReadMessageHistory)) throw Errors.missingAccess();
  const archived = [...ctx.state.channels.values()]
    .filter(
      (t) => t.parentId === parent.id && t.thread?.archived && Date.parse(t.thread.archiveTimestamp) < before,
    )
    .sort((a, b) => Date.parse(b.thread!.archiveTimestamp) - Date.parse(a.thread!.archiveTimestamp));
  const page = archived.slice(0, limit);
  const members = page
    .filter((t) => t.thread!.memberIds.has(ctx.user.id))
    .map((t) => threadMember(t, ctx.user.id));
  return {
    status: 200,
    body: { threads: page.map(channelObject), members, has_more: archived.length > limit },
  };
}

function typing(ctx: RouteContext): RouteResult {
  const { channel, perms } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  if (!(perms & (channel.thread ? Permission.SendMessagesInThreads : Permission.SendMessages)))
    throw Errors.missingPermissions();
  return { status: 204 };
}

function joinThread(ctx: RouteContext): RouteResult {
  const { channel } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  if (!channel.thread) throw Errors.wrongChannelType();
  if (channel.thread.archived) throw Errors.archivedThread();
  channel.thread.memberIds.add(ctx.user.id);
  return { status: 204 };
}

function activeThreads(ctx: RouteContext): RouteResult {
  const guild = ctx.state.guild(ctx.params.guild_id!);
  if (!guild.members.has(ctx.user.id)) throw Errors.missingAccess();
  const threads = ctx.state
    .activeThreads(guild.id)
    .filter((t) => ctx.state.permissions(ctx.user.id, t) !== 0n);
  const members = threads
    .filter((t) => t.thread!.memberIds.has(ctx.user.id))
    .map((t) => threadMember(t, ctx.user.id));
  return { status: 200, body: { threads: threads.map(channelObject), members } };
}

/** Channel and thread routes. */
export const threadRoutes: Route[] = [
  {
    method: 'GET',
    path: '/channels/{channel_id}',
    bucket: 'default',
    major: 'channel_id',
    handler: getChannel,
  },
  {
    method: 'PATCH',
    path: '/channels/{channel_id}',
    bucket: 'channelEdit',
    major: 'channel_id',
    handler: editChannel,
  },
  {
    method: 'POST',
    path: '/channels/{channel_id}/messages/{message_id}/threads',
    bucket: 'threadCreate',
    major: 'guild',
    handler: startFromMessage,
  },
  {
    method: 'GET',
    path: '/guilds/{guild_id}/threads/active',
    bucket: 'default',
    major: 'guild_id',
    handler: activeThreads,
  },
  {
    method: 'DELETE',
    path: '/channels/{channel_id}',
    bucket: 'channelEdit',
    major: 'channel_id',
    handler: deleteChannel,
  },
  {
    method: 'POST',
    path: '/channels/{channel_id}/typing',
    bucket: 'default',
    write: false,
    major: 'channel_id',
    handler: typing,
  },
  {
    method: 'PUT',
    path: '/channels/{channel_id}/thread-members/@me',
    bucket: 'default',
    major: 'channel_id',
    handler: joinThread,
  },
  {
    method: 'GET',
    path: '/channels/{channel_id}/threads/archived/public',
    bucket: 'default',
    major: 'channel_id',
    handler: archivedPublicThreads,
  },
];
