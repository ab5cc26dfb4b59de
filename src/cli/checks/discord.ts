/**
 * Live checks of a Discord set-up, shared by `dorch doctor` and `dorch setup`: for each bot, whose token it is and
 * whether its Message Content intent is on; whether it is in the server; for each channel, that it exists, is a
 * text channel and sits in that server; for each bot and each channel its role uses, that it holds every permission
 * the role needs there (computed by `bus/discord/permissions.ts`, as Discord computes them).
 */
import type { REST } from '@discordjs/rest';
import {
  ApplicationFlags,
  ChannelType,
  Routes,
  type APIApplication,
  type APIChannel,
  type APIGuild,
  type APIUser,
} from 'discord-api-types/v10';
import { toBusError } from '../../bus/discord/errors.js';
import { explainDiscordError } from '../../bus/discord/explain-error.js';
import { checkChannelPermissions, SUBMITTER_NEEDS, WORKER_NEEDS } from '../../bus/discord/permissions.js';
import { createRest } from '../../bus/discord/rest.js';
import { DiscordApiError, errorMessage } from '../../lib/errors.js';
import type { Check } from './check.js';

/** The three channel keys. */
export const CHANNEL_KEYS = ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'] as const;
/** One of {@link CHANNEL_KEYS}. */
export type ChannelKey = (typeof CHANNEL_KEYS)[number];

/** What a bot is for: a worker (claims and runs tasks) or the submitter (`dorch submit`, `dorch clear`). */
export type BotRole = 'worker' | 'submitter';

/** A token to check, with the config key it came from. */
export interface BotSpec {
  key: string;
  token: string;
  role: BotRole;
}

/** A bot whose token works. */
export interface BotInfo extends BotSpec {
  userId: string;
  username: string;
  applicationId: string;
  /** The Message Content intent; `undefined` when it could not be read. */
  messageContent?: boolean;
  rest: REST;
}

/** A channel that exists and was read. */
export interface ChannelInfo {
  key: ChannelKey;
  id: string;
  name: string;
  guildId?: string;
}

/** Seams of the checks. */
export interface DiscordCheckDeps {
  /** @defaultValue `createRest` with no retries and a 10 s timeout */
  createRest?: (apiUrl: string, token: string) => REST;
}

/** The permissions each role needs, per channel key. */
export const ROLE_NEEDS: Record<BotRole, Partial<Record<ChannelKey, readonly bigint[]>>> = {
  worker: WORKER_NEEDS,
  submitter: SUBMITTER_NEEDS,
};

const DEVELOPER_PORTAL = 'https://discord.com/developers/applications';

function restFor(apiUrl: string, token: string, deps: DiscordCheckDeps): REST {
  return (
    deps.createRest ?? ((url, t) => createRest({ apiUrl: url, token: t, retries: 0, timeoutMs: 10_000 }))
  )(apiUrl, token);
}

/** The link that adds a bot to a server with the permissions its role needs. */
export function inviteUrl(applicationId: string, role: BotRole): string {
  const bits = Object.values(ROLE_NEEDS[role])
    .flat()
    .reduce((all, bit) => all | bit, 0n);
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot&permissions=${bits}`;
}

/** True when an application's flags show the Message Content intent switched on (either flavour). */
export function hasMessageContentIntent(flags: number | undefined): boolean {
  const bits = ApplicationFlags.GatewayMessageContent | ApplicationFlags.GatewayMessageContentLimited;
  return ((flags ?? 0) & bits) !== 0;
}

function unreachable(apiUrl: string, error: unknown): Pick<Check, 'message' | 'fix'> {
  return {
    message: `could not reach Discord at ${apiUrl} (${errorMessage(error)})`,
    fix: 'check the network and DISCORD_API_URL, then try again.',
  };
}

/** What {@link identifyBot} found. */
export interface BotIdentification {
  /** Set when the token works. */
  bot?: BotInfo;
  checks: Check[];
  /** The token itself is wrong (refused, or a user's), as opposed to Discord being unreachable. */
  rejected?: boolean;
}

/** Whose token this is (`GET /users/@me`) and its Message Content intent (`GET /applications/@me`). */
export async function identifyBot(
  apiUrl: string,
  spec: BotSpec,
  deps: DiscordCheckDeps = {},
): Promise<BotIdentification> {
  const rest = restFor(apiUrl, spec.token, deps);
  let me: APIUser;
  try {
    me = (await rest.get(Routes.user('@me'))) as APIUser;
  } catch (raw) {
    const error = toBusError(raw, 'GET', '/users/@me');
    const explained = explainDiscordError(error, { tokenKey: spec.key });
    const detail = explained
      ? { message: explained.problem, fix: explained.fix }
      : error instanceof DiscordApiError
        ? { message: error.message, fix: 'check the token; run `dorch setup` to enter it again.' }
        : unreachable(apiUrl, error);
    return {
      checks: [{ status: 'fail', key: spec.key, ...detail }],
      rejected: error instanceof DiscordApiError,
    };
  }
  if (!me.bot) {
    return {
      rejected: true,
      checks: [
        {
          status: 'fail',
          key: spec.key,
          message: `this is the token of the user account "${me.username}", not of a bot.`,
          fix: `create a bot (${DEVELOPER_PORTAL} → New Application → Bot → Reset Token) and use its token.`,
        },
      ],
    };
  }
  const bot: BotInfo = { ...spec, userId: me.id, username: me.username, applicationId: me.id, rest };
  const checks: Check[] = [
    { status: 'ok', key: spec.key, message: `bot "${me.username}" (user id ${me.id}), ${spec.role}` },
  ];
  try {
    const app = (await rest.get(Routes.currentApplication())) as APIApplication;
    bot.applicationId = app.id;
    bot.messageContent = hasMessageContentIntent(app.flags);
  } catch (raw) {
    checks.push({
      status: 'warn',
      key: spec.key,
      scope: 'intent',
      message: `could not read the bot's application settings (${errorMessage(toBusError(raw, 'GET', '/applications/@me'))}), so the Message Content intent is unverified.`,
      fix: `check it by hand: ${DEVELOPER_PORTAL}/${bot.applicationId}/bot → Privileged Gateway Intents → Message Content Intent.`,
    });
    return { bot, checks };
  }
  checks.push(
    bot.messageContent
      ? { status: 'ok', key: spec.key, scope: 'intent', message: 'Message Content intent is on' }
      : {
          status: 'fail',
          key: spec.key,
          scope: 'intent',
          message:
            `bot "${me.username}" has the Message Content intent off: Discord gives it other users' messages with ` +
            `empty text (${spec.role === 'worker' ? 'it would read every task as empty' : '`submit --wait` could not read results'}).`,
          fix: `${DEVELOPER_PORTAL}/${bot.applicationId}/bot → Privileged Gateway Intents → turn on Message Content Intent → Save Changes.`,
        },
  );
  return { bot, checks };
}

/** Whether `bot` is a member of the server (`GET /guilds/{id}`); resolves to the check and the server's name. */
export async function checkMembership(
  bot: BotInfo,
  guildId: string,
  apiUrl: string,
): Promise<{ check: Check; guildName?: string }> {
  try {
    const guild = (await bot.rest.get(Routes.guild(guildId))) as APIGuild;
    return {
      check: { status: 'ok', key: bot.key, scope: 'GUILD_ID', message: `member of server "${guild.name}"` },
      guildName: guild.name,
    };
  } catch (raw) {
    const error = toBusError(raw, 'GET', '/guilds/:id');
    if (error instanceof DiscordApiError && [403, 404].includes(error.status)) {
      return {
        check: {
          status: 'fail',
          key: bot.key,
          scope: 'GUILD_ID',
          message: `bot "${bot.username}" is not in server ${guildId} (or GUILD_ID is wrong).`,
          fix: `invite it: open ${inviteUrl(bot.applicationId, bot.role)} , pick the server, Authorize. Check GUILD_ID: right-click the server icon → Copy Server ID.`,
        },
      };
    }
    return { check: { status: 'fail', key: bot.key, scope: 'GUILD_ID', ...unreachable(apiUrl, error) } };
  }
}

const CHANNEL_TYPE_NAMES: Partial<Record<number, string>> = {
  [ChannelType.GuildVoice]: 'voice channel',
  [ChannelType.GuildCategory]: 'category',
  [ChannelType.GuildAnnouncement]: 'announcement channel',
  [ChannelType.GuildStageVoice]: 'stage channel',
  [ChannelType.GuildForum]: 'forum',
  [ChannelType.GuildMedia]: 'media channel',
  [ChannelType.PublicThread]: 'thread',
  [ChannelType.PrivateThread]: 'thread',
  [ChannelType.AnnouncementThread]: 'thread',
  [ChannelType.DM]: 'direct message',
};

const COPY_CHANNEL_ID =
  'User Settings → Advanced → Developer Mode on, then right-click the channel → Copy Channel ID';

/**
 * Read the channel `id` as each bot in turn until one can see it: it must exist, be a text channel, and (when
 * `guildId` is given) be in that server.
 */
export async function checkChannel(
  key: ChannelKey,
  id: string,
  bots: readonly BotInfo[],
  options: { guildId?: string; apiUrl: string },
): Promise<{ check: Check; channel?: ChannelInfo }> {
  let lastError: unknown;
  let hidden = false;
  for (const bot of bots) {
    let channel: APIChannel;
    try {
      channel = (await bot.rest.get(Routes.channel(id))) as APIChannel;
    } catch (raw) {
      lastError = toBusError(raw, 'GET', '/channels/:id');
      if (lastError instanceof DiscordApiError && lastError.status === 403) {
        hidden = true;
        continue;
      }
      if (lastError instanceof DiscordApiError && lastError.status === 404) {
        const explained = explainDiscordError(lastError, {
          tokenKey: bot.key,
          bot: bot.username,
          channelKey: key,
          channelId: id,
        });
        return { check: { status: 'fail', key, message: explained!.problem, fix: explained!.fix } };
      }
      return { check: { status: 'fail', key, ...unreachable(options.apiUrl, lastError) } };
    }
    const name = 'name' in channel && channel.name ? channel.name : id;
    const guildId = 'guild_id' in channel ? channel.guild_id : undefined;
    if (channel.type !== ChannelType.GuildText) {
      const kind = CHANNEL_TYPE_NAMES[channel.type] ?? `channel of type ${channel.type}`;
      return {
        check: {
          status: 'fail',
          key,
          message: `${id} is a ${kind} ("${name}"), not a text channel.`,
          fix: `create a text channel (or pick one) and put its id into ${key} (${COPY_CHANNEL_ID}).`,
        },
      };
    }
    if (options.guildId && guildId !== options.guildId) {
      return {
        check: {
          status: 'fail',
          key,
          message: `#${name} (${id}) is in server ${guildId ?? '?'}, not in GUILD_ID ${options.guildId}.`,
          fix: `use a channel of server ${options.guildId}, or correct GUILD_ID.`,
        },
      };
    }
    return {
      check: {
        status: 'ok',
        key,
        message: `#${name} (${id}), a text channel${guildId ? ` in server ${guildId}` : ''}`,
      },
      channel: { key, id, name, ...(guildId ? { guildId } : {}) },
    };
  }
  if (hidden) {
    return {
      check: {
        status: 'fail',
        key,
        message: `no bot can see channel ${id}: it does not exist for them, or they lack View Channel there.`,
        fix: `check the id (${COPY_CHANNEL_ID}); allow the bots View Channel in it (Edit Channel → Permissions).`,
      },
    };
  }
  return {
    check: {
      status: 'skip',
      key,
      message: `not checked: no working bot token to read it with${lastError ? ` (${errorMessage(lastError)})` : ''}.`,
    },
  };
}

/** One check per channel the bot's role uses: does it hold every permission the role needs there? */
export async function checkBotRights(
  bot: BotInfo,
  channels: readonly ChannelInfo[],
  apiUrl: string,
): Promise<Check[]> {
  const checks: Check[] = [];
  for (const channel of channels) {
    const needs = ROLE_NEEDS[bot.role][channel.key];
    if (!needs) continue;
    try {
      const [problem] = await checkChannelPermissions(bot.rest, bot.userId, [
        { key: channel.key, channelId: channel.id, needs },
      ]);
      checks.push(
        problem
          ? {
              status: 'fail',
              key: bot.key,
              scope: channel.key,
              message: `bot "${bot.username}" lacks ${problem.missing.join(', ')} in #${channel.name}.`,
              fix:
                `in Discord: #${channel.name} → Edit Channel → Permissions → add "${bot.username}" (or its role) → ` +
                `allow ${problem.missing.join(', ')} → Save; then run \`dorch doctor\`.`,
            }
          : {
              status: 'ok',
              key: bot.key,
              scope: channel.key,
              message: `has the ${needs.length} permissions a ${bot.role} needs in #${channel.name}`,
            },
      );
    } catch (error) {
      checks.push({ status: 'fail', key: bot.key, scope: channel.key, ...unreachable(apiUrl, error) });
    }
  }
  return checks;
}

/** What {@link verifyDiscord} checks. */
export interface DiscordSetup {
  apiUrl: string;
  guildId?: string;
  channels: Partial<Record<ChannelKey, string>>;
  /** Every bot, in the order to report them. */
  bots: readonly BotSpec[];
}

/** Everything {@link verifyDiscord} found. */
export interface DiscordVerification {
  checks: Check[];
  bots: BotInfo[];
  channels: ChannelInfo[];
}

/** Run every Discord check of a set-up, in report order: bots, server membership, channels, rights. */
export async function verifyDiscord(
  setup: DiscordSetup,
  deps: DiscordCheckDeps = {},
): Promise<DiscordVerification> {
  const checks: Check[] = [];
  const bots: BotInfo[] = [];
  const byUser = new Map<string, string>();
  for (const spec of setup.bots) {
    const found = await identifyBot(setup.apiUrl, spec, deps);
    checks.push(...found.checks);
    if (!found.bot) continue;
    const earlier = byUser.get(found.bot.userId);
    if (earlier) {
      checks.push({
        status: 'warn',
        key: spec.key,
        message: `same bot as ${earlier} ("${found.bot.username}").`,
        fix:
          spec.role === 'submitter' || earlier === 'SUBMITTER_TOKEN'
            ? 'give the submitter a bot of its own, so workers can tell tasks from retries.'
            : 'give each worker its own bot, so claims and #worker-pool lines say which worker it was.',
      });
    } else byUser.set(found.bot.userId, spec.key);
    bots.push(found.bot);
  }

  const members: BotInfo[] = [];
  if (setup.guildId) {
    for (const bot of bots) {
      const { check } = await checkMembership(bot, setup.guildId, setup.apiUrl);
      checks.push(check);
      if (check.status === 'ok') members.push(bot);
    }
  } else {
    members.push(...bots);
    checks.push({
      status: 'warn',
      key: 'GUILD_ID',
      message: 'not set: server membership is not checked, and ALLOWED_ROLES cannot work.',
      fix: 'set GUILD_ID (right-click the server icon → Copy Server ID), or run `dorch setup`.',
    });
  }

  const channels: ChannelInfo[] = [];
  const seen = new Map<string, ChannelKey>();
  for (const key of CHANNEL_KEYS) {
    const id = setup.channels[key];
    if (!id) {
      checks.push({
        status: 'fail',
        key,
        message: 'missing.',
        fix: `put the channel's id into ${key} (${COPY_CHANNEL_ID}), or run \`dorch setup\`.`,
      });
      continue;
    }
    const twin = seen.get(id);
    if (twin) {
      checks.push({
        status: 'fail',
        key,
        message: `the same channel as ${twin} (${id}).`,
        fix: 'use three different channels: #task-queue, #results and #worker-pool.',
      });
      continue;
    }
    seen.set(id, key);
    const { check, channel } = await checkChannel(key, id, members.length ? members : bots, {
      guildId: setup.guildId,
      apiUrl: setup.apiUrl,
    });
    checks.push(check);
    if (channel) channels.push(channel);
  }

  for (const bot of bots) {
    if (!members.includes(bot)) {
      checks.push({
        status: 'skip',
        key: bot.key,
        scope: 'channels',
        message: 'channel permissions not checked: the bot is not in the server.',
      });
      continue;
    }
    checks.push(...(await checkBotRights(bot, channels, setup.apiUrl)));
  }
  return { checks, bots, channels };
}
