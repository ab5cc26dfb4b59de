/**
 * What a bot may do in a channel: Discord's permission computation (guild roles, the member's roles, the channel's
 * overwrites), and the check a worker runs at start-up so a missing permission is one clear error naming the config
 * key, not a stream of 403s in the middle of a task. `dorch doctor` can use the same functions.
 *
 * The computation follows Discord's documented order ([perm] "Permission Overwrites"): the guild owner and
 * ADMINISTRATOR get everything; otherwise `@everyone` | the member's roles, then the channel's `@everyone`
 * overwrite, then all role overwrites (denies, then allows), then the member's own overwrite. Without VIEW_CHANNEL
 * nothing else applies; without SEND_MESSAGES the permissions that only matter when sending (attach files, embed
 * links, mention everyone) are lost too. Threads use their parent channel's overwrites.
 */
import type { REST } from '@discordjs/rest';
import {
  PermissionFlagsBits,
  Routes,
  type APIChannel,
  type APIGuild,
  type APIGuildMember,
  type APIOverwrite,
} from 'discord-api-types/v10';
import { toBusError } from './errors.js';

/** Every permission bit. */
const ALL = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

/** Permission names as Discord's client shows them. */
const NAMES: ReadonlyArray<[bigint, string]> = [
  [PermissionFlagsBits.ViewChannel, 'View Channel'],
  [PermissionFlagsBits.ReadMessageHistory, 'Read Message History'],
  [PermissionFlagsBits.SendMessages, 'Send Messages'],
  [PermissionFlagsBits.AttachFiles, 'Attach Files'],
  [PermissionFlagsBits.AddReactions, 'Add Reactions'],
  [PermissionFlagsBits.CreatePublicThreads, 'Create Public Threads'],
  [PermissionFlagsBits.SendMessagesInThreads, 'Send Messages in Threads'],
  [PermissionFlagsBits.ManageThreads, 'Manage Threads'],
  [PermissionFlagsBits.ManageMessages, 'Manage Messages'],
];

/** The name of one permission bit (`View Channel`), or its number. */
export function permissionName(bit: bigint): string {
  return NAMES.find(([b]) => b === bit)?.[1] ?? `permission ${bit}`;
}

/** What {@link effectivePermissions} needs to know. */
export interface PermissionInput {
  guildId: string;
  ownerId: string;
  /** Role id → permissions, `@everyone` (id = guild id) included. */
  roles: ReadonlyMap<string, bigint>;
  userId: string;
  /** The member's role ids (without `@everyone`). */
  memberRoles: readonly string[];
  /** The channel's overwrites (a thread: its parent's). */
  overwrites: ReadonlyArray<{ id: string; type: number; allow: bigint; deny: bigint }>;
}

/** The member's permissions in the channel (see the module comment for the order). */
export function effectivePermissions(input: PermissionInput): bigint {
  if (input.userId === input.ownerId) return ALL;
  let perms = input.roles.get(input.guildId) ?? 0n;
  for (const role of input.memberRoles) perms |= input.roles.get(role) ?? 0n;
  if (perms & PermissionFlagsBits.Administrator) return ALL;
  const everyone = input.overwrites.find((o) => o.id === input.guildId);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  let deny = 0n;
  let allow = 0n;
  for (const o of input.overwrites) {
    if (o.type === 0 && o.id !== input.guildId && input.memberRoles.includes(o.id)) {
      deny |= o.deny;
      allow |= o.allow;
    }
  }
  perms = (perms & ~deny) | allow;
  const own = input.overwrites.find((o) => o.type === 1 && o.id === input.userId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  if (!(perms & PermissionFlagsBits.ViewChannel)) return 0n;
  if (!(perms & PermissionFlagsBits.SendMessages))
    perms &= ~(
      PermissionFlagsBits.AttachFiles |
      PermissionFlagsBits.EmbedLinks |
      PermissionFlagsBits.MentionEveryone
    );
  return perms;
}

/** A channel a bot must be able to use, and for what. */
export interface ChannelNeed {
  /** The config key that names the channel (for the error). */
  key: string;
  channelId: string;
  needs: readonly bigint[];
}

/** One channel where the bot lacks something. */
export interface PermissionProblem {
  key: string;
  channelId: string;
  /** Permission names, e.g. `Manage Threads`. */
  missing: string[];
}

const P = PermissionFlagsBits;

/** What a worker does in each channel: the permissions the start-up check requires. */
export const WORKER_NEEDS = {
  /** Read and claim tasks, mark them, post retry copies (with their files), run and close claim threads. */
  TASK_QUEUE_CHANNEL: [
    P.ViewChannel,
    P.ReadMessageHistory,
    P.SendMessages,
    P.AttachFiles,
    P.AddReactions,
    P.CreatePublicThreads,
    P.SendMessagesInThreads,
    P.ManageThreads,
  ],
  /** Post results (with files) and look for a task's result. */
  RESULTS_CHANNEL: [P.ViewChannel, P.ReadMessageHistory, P.SendMessages, P.AttachFiles],
  /** Post status lines. */
  WORKER_POOL_CHANNEL: [P.ViewChannel, P.SendMessages],
} as const;

/** What the submitter bot does in each channel (`dorch submit`, `submit --wait`, `clear`, `cancel`, `status`). */
export const SUBMITTER_NEEDS = {
  /**
   * Post tasks (with files), list the queue and delete waiting tasks (`clear`: others' messages too); `cancel`
   * marks a task 🛑, takes a waiting one with a thread and closes a running one's thread.
   */
  TASK_QUEUE_CHANNEL: [
    P.ViewChannel,
    P.ReadMessageHistory,
    P.SendMessages,
    P.AttachFiles,
    P.ManageMessages,
    P.AddReactions,
    P.CreatePublicThreads,
    P.ManageThreads,
  ],
  /** `submit --wait` and `status` read results; `cancel` posts the CANCELLED one. */
  RESULTS_CHANNEL: [P.ViewChannel, P.ReadMessageHistory, P.SendMessages],
  /** `status` reads the workers' status lines. */
  WORKER_POOL_CHANNEL: [P.ViewChannel, P.ReadMessageHistory],
} as const;

/**
 * Check what `userId` may do in each channel. Reads each channel (its guild and overwrites), the guild (roles,
 * owner) and the member (roles). A channel the bot cannot even see (403) lacks everything. Errors other than 403
 * and 404 (Discord unreachable) are thrown, mapped.
 */
export async function checkChannelPermissions(
  rest: REST,
  userId: string,
  channels: readonly ChannelNeed[],
): Promise<PermissionProblem[]> {
  const problems: PermissionProblem[] = [];
  const guilds = new Map<string, Promise<{ guild: APIGuild; member: APIGuildMember }>>();
  for (const need of channels) {
    let channel: APIChannel;
    try {
      channel = (await rest.get(Routes.channel(need.channelId))) as APIChannel;
    } catch (raw) {
      const error = toBusError(raw, 'GET', '/channels/:id');
      const status = (error as { status?: number }).status;
      if (status !== 403 && status !== 404) throw error;
      problems.push({ ...pick(need), missing: need.needs.map(permissionName) });
      continue;
    }
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    if (!guildId) continue; // a DM channel: no guild permissions apply
    if (!guilds.has(guildId)) guilds.set(guildId, readGuild(rest, guildId, userId));
    const { guild, member } = await guilds.get(guildId)!;
    const overwrites = ('permission_overwrites' in channel ? (channel.permission_overwrites ?? []) : []).map(
      (o: APIOverwrite) => ({ id: o.id, type: o.type, allow: BigInt(o.allow), deny: BigInt(o.deny) }),
    );
    const perms = effectivePermissions({
      guildId,
      ownerId: guild.owner_id,
      roles: new Map(guild.roles.map((r) => [r.id, BigInt(r.permissions)])),
      userId,
      memberRoles: member.roles,
      overwrites,
    });
    const missing = need.needs.filter((bit) => !(perms & bit)).map(permissionName);
    if (missing.length > 0) problems.push({ ...pick(need), missing });
  }
  return problems;
}

/** One line per problem: `TASK_QUEUE_CHANNEL (123…): the bot lacks Manage Threads, Add Reactions`. */
export function describePermissionProblems(problems: readonly PermissionProblem[], bot: string): string[] {
  return problems.map(
    (p) =>
      `${p.key}: ${bot} lacks ${p.missing.join(', ')} in channel ${p.channelId}; grant it in the channel's ` +
      `permissions (or the bot's role) and start again`,
  );
}

function pick(need: ChannelNeed): { key: string; channelId: string } {
  return { key: need.key, channelId: need.channelId };
}

async function readGuild(
  rest: REST,
  guildId: string,
  userId: string,
): Promise<{ guild: APIGuild; member: APIGuildMember }> {
  try {
    const guild = (await rest.get(Routes.guild(guildId))) as APIGuild;
    const member = (await rest.get(Routes.guildMember(guildId, userId))) as APIGuildMember;
    return { guild, member };
  } catch (error) {
    throw toBusError(error, 'GET', '/guilds/:id');
  }
}
