/** Mentions in message content, filtered by `allowed_mentions` as Discord does. */
import { FormErrors } from './api-error.js';
import type { StoredGuild } from './models.js';
import { Permission } from './permissions.js';
import type { EmulatorState } from './state.js';

/** The resolved mention fields of a message. */
export interface ResolvedMentions {
  mentionIds: string[];
  mentionRoleIds: string[];
  mentionEveryone: boolean;
}

const PARSE_TYPES = new Set(['users', 'roles', 'everyone']);

/**
 * Resolve `<@id>`, `<@&role>` and `@everyone`/`@here`. Absent `allowed_mentions` allows all; `{parse: []}` allows
 * none. `@everyone` also needs MENTION_EVERYONE. A reply pings its author unless `replied_user` is false (absent
 * `allowed_mentions` counts as true).
 */
export function resolveMentions(init: {
  state: EmulatorState;
  guild: StoredGuild;
  content: string;
  allowed: unknown;
  perms: bigint;
  repliedUserId?: string;
}): ResolvedMentions {
  const { state, guild, content, allowed, perms } = init;
  let parse = PARSE_TYPES as Set<string>;
  let users: string[] = [];
  let roles: string[] = [];
  let repliedUser = true;
  if (allowed !== undefined && allowed !== null) {
    const errors = new FormErrors();
    if (typeof allowed !== 'object' || Array.isArray(allowed)) {
      errors.add(['allowed_mentions'], 'DICT_TYPE_CONVERT', 'Only dictionaries may be used in a DictType');
      errors.throwIfAny();
    }
    const a = allowed as { parse?: unknown; users?: unknown; roles?: unknown; replied_user?: unknown };
    parse = new Set();
    if (a.parse !== undefined) {
      if (!Array.isArray(a.parse))
        errors.add(['allowed_mentions', 'parse'], 'BASE_TYPE_LIST', 'Must be an array.');
      else
        a.parse.forEach((p, i) => {
          if (typeof p === 'string' && PARSE_TYPES.has(p)) parse.add(p);
          else
            errors.add(
              ['allowed_mentions', 'parse', String(i)],
              'BASE_TYPE_CHOICES',
              'Value must be one of {"everyone", "roles", "users"}.',
            );
        });
    }
    users = Array.isArray(a.users) ? a.users.map(String) : [];
    roles = Array.isArray(a.roles) ? a.roles.map(String) : [];
    if (users.length > 100)
      errors.add(['allowed_mentions', 'users'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (roles.length > 100)
      errors.add(['allowed_mentions', 'roles'], 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
    if (parse.has('users') && users.length > 0) {
      errors.add(
        ['allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        'parse:["users"] and users: [ids] are mutually exclusive.',
      );
    }
    if (parse.has('roles') && roles.length > 0) {
      errors.add(
        ['allowed_mentions'],
        'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE',
        'parse:["roles"] and roles: [ids] are mutually exclusive.',
      );
    }
    errors.throwIfAny();
    repliedUser = a.replied_user === true;
  }
  const mentionIds: string[] = [];
  for (const match of content.matchAll(/<@!?(\d{17,20})>/g)) {
    const id = match[1]!;
    if (!mentionIds.includes(id) && state.users.has(id) && (parse.has('users') || users.includes(id)))
      mentionIds.push(id);
  }
  if (init.repliedUserId && repliedUser && !mentionIds.includes(init.repliedUserId))
    mentionIds.push(init.repliedUserId);
  const mentionRoleIds: string[] = [];
  for (const match of content.matchAll(/<@&(\d{17,20})>/g)) {
    const id = match[1]!;
    if (!mentionRoleIds.includes(id) && guild.roles.has(id) && (parse.has('roles') || roles.includes(id)))
      mentionRoleIds.push(id);
  }
  const mentionEveryone =
    /@(everyone|here)\b/.test(content) &&
    parse.has('everyone') &&
    (perms & Permission.MentionEveryone) !== 0n;
  return { mentionIds, mentionRoleIds, mentionEveryone };
}
