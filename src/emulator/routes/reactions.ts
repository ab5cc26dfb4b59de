/** Reaction routes: per-user reactions, a user list sorted by user id, and removal. */
import { Errors, FormErrors } from '../api-error.js';
import { parseEmoji } from '../emoji.js';
import type { StoredChannel, StoredMessage } from '../models.js';
import { Permission } from '../permissions.js';
import type { Route, RouteContext, RouteResult } from '../router.js';
import { userObject } from '../serialize.js';
import { isSnowflake } from '../snowflake.js';
import { assertThreadActive } from './thread-rules.js';

const MAX_DISTINCT_EMOJI = 20;

function target(ctx: RouteContext): { channel: StoredChannel; perms: bigint; message: StoredMessage } {
  const { channel, perms } = ctx.state.visibleChannel(ctx.user.id, ctx.params.channel_id!);
  const message = ctx.state.message(channel, ctx.params.message_id!);
  return { channel, perms, message };
}

function addOwn(ctx: RouteContext): RouteResult {
  const { channel, perms, message } = target(ctx);
  const { key, emoji } = parseEmoji(ctx.params.emoji!);
  if (!(perms & Permission.ReadMessageHistory)) throw Errors.missingAccess();
  assertThreadActive(channel);
  let reaction = message.reactions.get(key);
  if (!reaction) {
    // Only the first reactor of an emoji needs ADD_REACTIONS.
    if (!(perms & Permission.AddReactions)) throw Errors.missingPermissions();
    if (message.reactions.size >= MAX_DISTINCT_EMOJI) throw Errors.maxReactions();
    reaction = { emoji, userIds: new Set() };
    message.reactions.set(key, reaction);
  }
  if (!reaction.userIds.has(ctx.user.id)) {
    reaction.userIds.add(ctx.user.id);
    ctx.state.gateway.emit({
      type: 'reactionAdd',
      channel,
      message,
      userId: ctx.user.id,
      emoji: reaction.emoji,
    });
  }
  return { status: 204 };
}

function removeUser(ctx: RouteContext, userId: string): RouteResult {
  const { channel, perms, message } = target(ctx);
  const { key } = parseEmoji(ctx.params.emoji!);
  if (userId !== ctx.user.id && !(perms & Permission.ManageMessages)) throw Errors.missingPermissions();
  assertThreadActive(channel);
  const reaction = message.reactions.get(key);
  if (reaction?.userIds.delete(userId)) {
    if (reaction.userIds.size === 0) message.reactions.delete(key);
    ctx.state.gateway.emit({ type: 'reactionRemove', channel, message, userId, emoji: reaction.emoji });
  }
  return { status: 204 };
}

function listUsers(ctx: RouteContext): RouteResult {
  const { perms, message } = target(ctx);
  const { key } = parseEmoji(ctx.params.emoji!);
  const errors = new FormErrors();
  let limit = 25;
  const rawLimit = ctx.query.get('limit');
  if (rawLimit !== null) {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || rawLimit.trim() === '')
      errors.add(['limit'], 'NUMBER_TYPE_COERCE', `Value "${rawLimit}" is not int.`);
    else if (n < 1)
      errors.add(['limit'], 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 1.');
    else if (n > 100)
      errors.add(['limit'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
    else limit = n;
  }
  const rawAfter = ctx.query.get('after');
  if (rawAfter !== null && !isSnowflake(rawAfter))
    errors.add(['after'], 'NUMBER_TYPE_COERCE', `Value "${rawAfter}" is not snowflake.`);
  const rawType = ctx.query.get('type');
  if (rawType !== null && rawType !== '0' && rawType !== '1')
    errors.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {0, 1}.');
  errors.throwIfAny();
  if (!(perms & Permission.ReadMessageHistory)) throw Errors.missingAccess();
  // Burst (super) reactions are never created here, so type=1 is always empty.
  if (rawType === '1') return { status: 200, body: [] };
  const after = rawAfter === null ? -1n : BigInt(rawAfter);
  const ids = [...(message.reactions.get(key)?.userIds ?? [])]
    .map((id) => BigInt(id))
    .filter((id) => id > after)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, limit);
  const body = ids.flatMap((id) => {
    const user = ctx.state.users.get(id.toString());
    return user ? [userObject(user)] : [];
  });
  return { status: 200, body };
}

function clearEmoji(ctx: RouteContext): RouteResult {
  const { channel, perms, message } = target(ctx);
  const { key } = parseEmoji(ctx.params.emoji!);
  if (!(perms & Permission.ManageMessages)) throw Errors.missingPermissions();
  assertThreadActive(channel);
  const reaction = message.reactions.get(key);
  if (reaction && message.reactions.delete(key))
    ctx.state.gateway.emit({ type: 'reactionRemoveEmoji', channel, message, emoji: reaction.emoji });
  return { status: 204 };
}

function clearAll(ctx: RouteContext): RouteResult {
  const { channel, perms, message } = target(ctx);
  if (!(perms & Permission.ManageMessages)) throw Errors.missingPermissions();
  assertThreadActive(channel);
  if (message.reactions.size > 0) {
    message.reactions.clear();
    ctx.state.gateway.emit({ type: 'reactionRemoveAll', channel, message });
  }
  return { status: 204 };
}

const base = '/channels/{channel_id}/messages/{message_id}/reactions';

/** The reaction routes. All share one bucket per channel, as on Discord. */
export const reactionRoutes: Route[] = [
  { method: 'PUT', path: `${base}/{emoji}/@me`, bucket: 'reaction', major: 'channel_id', handler: addOwn },
  {
    method: 'DELETE',
    path: `${base}/{emoji}/@me`,
    bucket: 'reaction',
    major: 'channel_id',
    handler: (ctx) => removeUser(ctx, ctx.user.id),
  },
  {
    method: 'DELETE',
    path: `${base}/{emoji}/{user_id}`,
    bucket: 'reaction',
    major: 'channel_id',
    handler: (ctx) => removeUser(ctx, ctx.params.user_id!),
  },
  { method: 'GET', path: `${base}/{emoji}`, bucket: 'default', major: 'channel_id', handler: listUsers },
  { method: 'DELETE', path: `${base}/{emoji}`, bucket: 'reaction', major: 'channel_id', handler: clearEmoji },
  { method: 'DELETE', path: base, bucket: 'reaction', major: 'channel_id', handler: clearAll },
];
