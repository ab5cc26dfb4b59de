/** Discord permission bits and the guild → channel overwrite computation. */
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { StoredChannel, StoredGuild } from './models.js';

/** The permission bits the emulator checks, named as Discord names them. */
export const Permission = PermissionFlagsBits;

/** Every permission bit set: what the guild owner and administrators get. */
export const ALL_PERMISSIONS = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** What `@everyone` may do in the seeded guild: a normal member of a working server. */
export const EVERYONE_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.ReadMessageHistory |
  Permission.AddReactions |
  Permission.CreatePublicThreads |
  Permission.SendMessagesInThreads |
  Permission.AttachFiles |
  Permission.EmbedLinks |
  Permission.UseExternalEmojis;

/** Extra permissions of each seeded bot's managed role. */
export const BOT_PERMISSIONS =
  EVERYONE_PERMISSIONS | Permission.ManageMessages | Permission.ManageThreads | Permission.MentionEveryone;

/** Extra permissions of the seeded `operator` role. */
export const OPERATOR_PERMISSIONS = EVERYONE_PERMISSIONS | Permission.MentionEveryone;

/**
 * A member's permissions in a channel, following Discord's order: base (everyone + roles), administrator
 * short-cut, then overwrites for everyone, for the member's roles (all denies, then all allows), for the member.
 * Threads use their parent's overwrites. Without VIEW_CHANNEL nothing else applies.
 */
export function computePermissions(
  guild: StoredGuild,
  userId: string,
  channel: StoredChannel | undefined,
  parent?: StoredChannel,
): bigint {
  const member = guild.members.get(userId);
  if (!member) return 0n;
  if (guild.ownerId === userId) return ALL_PERMISSIONS;
  let perms = guild.roles.get(guild.id)?.permissions ?? 0n;
  for (const roleId of member.roles) perms |= guild.roles.get(roleId)?.permissions ?? 0n;
  if (perms & Permission.Administrator) return ALL_PERMISSIONS;
  const source = parent ?? channel;
  if (!source) return perms;
  const overwrites = source.overwrites;
  const everyone = overwrites.find((o) => o.id === guild.id);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let roleDeny = 0n;
  let roleAllow = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && o.id !== guild.id && member.roles.includes(o.id)) {
      roleDeny |= o.deny;
      roleAllow |= o.allow;
    }
  }
  perms = (perms & ~roleDeny) | roleAllow;
  const own = overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  if (!(perms & Permission.ViewChannel)) return 0n;
  return perms;
}
