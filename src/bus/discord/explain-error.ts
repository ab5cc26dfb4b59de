/**
 * What a Discord error says about the configuration: which key to change and what to do. `submit` uses it today;
 * the worker and the manager can use it at start-up, so a wrong channel id reads "TASK_QUEUE_CHANNEL: there is no
 * channel 123 …; copy the id again …" instead of "POST /channels/:id/messages failed: 404 [10003] Unknown Channel".
 *
 * Only errors that a change of configuration (or of the bot's rights in Discord) fixes are explained; anything
 * else (rate limits, outages, a thread that already exists) returns `undefined` and keeps its own message.
 */
import { DiscordApiError } from '../../lib/errors.js';
import { toBusError } from './errors.js';
import { permissionName } from './permissions.js';

/** The request that failed, in configuration terms. */
export interface DiscordErrorContext {
  /** The config key of the token the request used, e.g. `SUBMITTER_TOKEN`. */
  tokenKey: string;
  /** The bot's name, when known (`dorch-submitter`). */
  bot?: string;
  /** The config key that names the channel the request was about, e.g. `TASK_QUEUE_CHANNEL`. */
  channelKey?: string;
  /** That channel's id. */
  channelId?: string;
  /** The permissions the request needs in that channel (named in the fix). */
  needs?: readonly bigint[];
  /** The config file named in fixes. @defaultValue `discord-config.env` */
  file?: string;
}

/** A configuration problem read from a Discord error. */
export interface ConfigProblem {
  /** The key to change. */
  key: string;
  /** What is wrong, naming the bot and the channel. */
  problem: string;
  /** What to do about it. */
  fix: string;
  /** Discord's HTTP status and JSON code, for logs and `--json`. */
  status: number;
  discordCode: number;
}

/** Discord's JSON error codes that point at the configuration ([codes] in the Discord API reference). */
const Code = {
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  Unauthorized: 40001,
  MissingAccess: 50001,
  CannotSendInNonText: 50008,
  MissingPermissions: 50013,
  WrongChannelType: 50024,
} as const;

type Explainer = (ctx: Required<Pick<DiscordErrorContext, 'tokenKey' | 'file'>> & DiscordErrorContext) => {
  key: string;
  problem: string;
  fix: string;
};

const COPY_ID =
  'User Settings → Advanced → Developer Mode on, then right-click the channel → Copy Channel ID';

function bot(ctx: DiscordErrorContext): string {
  return ctx.bot ? `bot "${ctx.bot}" (${ctx.tokenKey})` : `the bot of ${ctx.tokenKey}`;
}

function channel(ctx: DiscordErrorContext): string {
  const key = ctx.channelKey ?? 'the channel';
  return ctx.channelId ? `${key} (${ctx.channelId})` : key;
}

function needs(ctx: DiscordErrorContext): string {
  return ctx.needs?.length ? ctx.needs.map(permissionName).join(', ') : 'the permissions it needs';
}

const unauthorized: Explainer = (ctx) => ({
  key: ctx.tokenKey,
  problem: `Discord rejected ${ctx.tokenKey} (401 Unauthorized): the token is wrong, was reset, or is not a bot token.`,
  fix:
    `Copy the bot's token again (Developer Portal → your application → Bot → Reset Token) into ${ctx.tokenKey} ` +
    `in ${ctx.file}, or run \`dorch setup\`.`,
});

/** The table: Discord code → explanation (STYLE rule 7). A 401 is explained whatever its code. */
const BY_CODE: ReadonlyMap<number, Explainer> = new Map<number, Explainer>([
  [Code.Unauthorized, unauthorized],
  [
    Code.UnknownChannel,
    (ctx) => ({
      key: ctx.channelKey ?? 'channel',
      problem: `${bot(ctx)} finds no channel ${channel(ctx)}: the id is wrong, or the channel was deleted.`,
      fix: `Copy the channel's id again (${COPY_ID}) into ${ctx.channelKey ?? 'the channel key'} in ${ctx.file}, or run \`dorch setup\`.`,
    }),
  ],
  [
    Code.UnknownGuild,
    (ctx) => ({
      key: 'GUILD_ID',
      problem: `${bot(ctx)} is not in that server, or GUILD_ID is wrong.`,
      fix: `Invite the bot to the server (\`dorch setup\` prints the invite link), and check GUILD_ID (right-click the server icon → Copy Server ID).`,
    }),
  ],
  [
    Code.MissingAccess,
    (ctx) => ({
      key: ctx.channelKey ?? ctx.tokenKey,
      problem: `${bot(ctx)} cannot see ${channel(ctx)}: it is not in that server, or lacks View Channel there.`,
      fix:
        `Invite the bot to the server and allow it ${needs(ctx)} in that channel (Edit Channel → Permissions → ` +
        'add the bot or its role), then run `dorch doctor`.',
    }),
  ],
  [
    Code.MissingPermissions,
    (ctx) => ({
      key: ctx.channelKey ?? ctx.tokenKey,
      problem: `${bot(ctx)} lacks a permission in ${channel(ctx)}.`,
      fix:
        `Allow it ${needs(ctx)} in that channel (Edit Channel → Permissions → add the bot or its role); ` +
        '`dorch doctor` names the missing one.',
    }),
  ],
  [Code.CannotSendInNonText, wrongType],
  [Code.WrongChannelType, wrongType],
]);

function wrongType(ctx: DiscordErrorContext & { file: string }): {
  key: string;
  problem: string;
  fix: string;
} {
  return {
    key: ctx.channelKey ?? 'channel',
    problem: `${channel(ctx)} is not a text channel (a voice channel, category, forum or thread?).`,
    fix: `Put the id of a text channel into ${ctx.channelKey ?? 'the channel key'} in ${ctx.file} (${COPY_ID}).`,
  };
}

/**
 * Explain `error` in configuration terms, or return `undefined` when it is not a configuration problem. Accepts
 * this project's {@link DiscordApiError} or what `@discordjs/rest` throws.
 */
export function explainDiscordError(error: unknown, context: DiscordErrorContext): ConfigProblem | undefined {
  const mapped = error instanceof DiscordApiError ? error : toBusError(error, '', '');
  if (!(mapped instanceof DiscordApiError)) return undefined;
  const ctx = { ...context, file: context.file ?? 'discord-config.env' };
  const explain = mapped.status === 401 ? unauthorized : BY_CODE.get(mapped.discordCode);
  if (!explain) return undefined;
  return { ...explain(ctx), status: mapped.status, discordCode: mapped.discordCode };
}

/** `KEY: problem Fix: fix` on one line. */
export function formatConfigProblem(problem: Pick<ConfigProblem, 'key' | 'problem' | 'fix'>): string {
  return `${problem.key}: ${problem.problem} Fix: ${problem.fix}`;
}
