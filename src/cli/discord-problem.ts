/**
 * A Discord error met by any command, in configuration terms: which key, which bot, what to do. It finds the channel
 * the failed request was about by matching the request's URL against the configured channel ids, so a worker's
 * `GET /channels/:id/messages failed: 404 [10003]` reads `TASK_QUEUE_CHANNEL: the bot of WORKER2_TOKEN finds no
 * channel … Fix: …`. Errors a configuration change cannot fix (outages, rate limits) are left alone.
 */
import { DiscordAPIError } from '@discordjs/rest';
import {
  explainDiscordError,
  formatConfigProblem,
  type ConfigProblem,
} from '../bus/discord/explain-error.js';
import { SUBMITTER_NEEDS, WORKER_NEEDS } from '../bus/discord/permissions.js';
import type { Config } from '../config/schema.js';

/** Who made the failing request. */
export interface Requester {
  /** The config key of its token: `WORKER2_TOKEN`, `BOT_TOKEN`, `SUBMITTER_TOKEN`. */
  tokenKey: string;
  /** Its role, for the permissions a fix names. */
  role: 'worker' | 'submitter';
  /** The config file named in fixes. @defaultValue `discord-config.env` */
  file?: string;
}

const CHANNEL_KEYS = ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'] as const;

/** The configuration problem behind `error`, or undefined when a change of configuration would not fix it. */
export function configProblem(config: Config, error: unknown, who: Requester): ConfigProblem | undefined {
  const d = config.discord;
  const ids: Record<(typeof CHANNEL_KEYS)[number], string | undefined> = {
    TASK_QUEUE_CHANNEL: d.taskQueueChannel,
    RESULTS_CHANNEL: d.resultsChannel,
    WORKER_POOL_CHANNEL: d.workerPoolChannel,
  };
  const url = requestUrl(error);
  // A claim thread's id is its task message's id, not a configured channel: such requests are the queue's.
  const channelKey =
    CHANNEL_KEYS.find((k) => ids[k] && url?.includes(`/channels/${ids[k]}`)) ??
    (url?.includes('/channels/') ? 'TASK_QUEUE_CHANNEL' : undefined);
  const table: Record<string, readonly bigint[]> = who.role === 'worker' ? WORKER_NEEDS : SUBMITTER_NEEDS;
  return explainDiscordError(error, {
    tokenKey: who.tokenKey,
    ...(channelKey
      ? { channelKey, channelId: ids[channelKey as keyof typeof ids], needs: table[channelKey] }
      : {}),
    ...(who.file ? { file: who.file } : {}),
  });
}

/** {@link configProblem} as one line (`KEY: problem Fix: fix`), or undefined. */
export function describeConfigProblem(config: Config, error: unknown, who: Requester): string | undefined {
  const problem = configProblem(config, error, who);
  return problem ? formatConfigProblem(problem) : undefined;
}

/** The config key of the token a worker uses: its own `WORKERn_TOKEN`, else `BOT_TOKEN`. */
export function workerTokenKey(config: Config, token: string): string {
  const n = config.discord.workerTokens.indexOf(token);
  return n >= 0 ? `WORKER${n + 1}_TOKEN` : 'BOT_TOKEN';
}

// The URL of the request that failed, from `@discordjs/rest`'s error somewhere in the cause chain.
function requestUrl(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof DiscordAPIError) return e.url;
  return undefined;
}
