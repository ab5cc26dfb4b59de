/**
 * Builds a ready-to-use `DiscordBus` from the configuration: resolves the fleet's bot user ids (so retries
 * posted by workers and tasks posted by the submitter bot are trusted) and sets up the submit allowlist. The lease,
 * attempts and model settings come from the same config keys for every bus (Discord and local).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../lib/errors.js';
import { Authorizer } from './discord/authorization.js';
import { DiscordBus } from './discord/discord-bus.js';
import { resolveUserIds } from './discord/identity.js';
import {
  WORKER_NEEDS,
  checkChannelPermissions,
  describePermissionProblems,
  type ChannelNeed,
} from './discord/permissions.js';
import { createRest } from './discord/rest.js';
import { fileStatusStore } from './discord/status-board.js';
import { FallbackBus } from './fallback-bus.js';
import { giveUpReporter } from './give-up.js';
import { LocalBus } from './local/local-bus.js';

/** Options for {@link createDiscordBus}. */
export interface CreateDiscordBusOptions {
  /** The token this bus acts as. */
  token: string;
  /** Workers poll and need the allowlist; a submitter only posts. @defaultValue 'worker' */
  role?: 'worker' | 'submitter';
  /** Who this bus acts as when it claims or hands back on its own (a worker id, `manager`). @defaultValue 'dorch' */
  actor?: string;
}

/** A DiscordBus for a worker (polling, with the allowlist) or a submitter (posting only). */
export async function createDiscordBus(
  config: Config,
  options: CreateDiscordBusOptions,
): Promise<DiscordBus> {
  const d = config.discord;
  const rest = createRest({ apiUrl: d.apiUrl, token: options.token });
  let authorizer: Authorizer | undefined;
  if ((options.role ?? 'worker') === 'worker') {
    const fleetTokens = [d.submitterToken, d.botToken, ...d.workerTokens, options.token].filter(
      (t): t is string => Boolean(t),
    );
    // Resolved on the first poll, not here: a worker must be able to start (and run local tasks) while Discord
    // is unreachable.
    const trustedBots = () =>
      resolveUserIds([...new Set(fleetTokens)], {
        apiUrl: d.apiUrl,
        cacheFile: join(config.worker.runtimeDir, 'identities.json'),
      });
    authorizer = new Authorizer(rest, {
      trustedBots,
      allowedUsers: d.allowedSubmitters,
      allowedRoles: d.allowedRoles,
      guildId: d.guildId,
    });
  }
  return new DiscordBus({
    apiUrl: d.apiUrl,
    token: options.token,
    taskQueueChannel: d.taskQueueChannel!,
    resultsChannel: d.resultsChannel,
    workerPoolChannel: d.workerPoolChannel,
    authorizer,
    rest,
    maxAttempts: config.worker.maxAttempts,
    leaseMs: config.worker.leaseTimeoutSec * 1000,
    actor: options.actor,
    giveUp: giveUpReporter(config.models),
    statusStore: fileStatusStore(join(config.worker.runtimeDir, 'status')),
  });
}

/** The local fallback queue of this machine, with the configured lease and attempts. */
export function createLocalBus(config: Config): LocalBus {
  const leaseMs = config.worker.leaseTimeoutSec * 1000;
  return new LocalBus({
    runtimeDir: config.worker.runtimeDir,
    leaseMs,
    // Sweep about every third of a lease, as the Discord sweep does.
    sweepIntervalMs: Math.max(1000, Math.round(leaseMs / 3)),
    maxAttempts: config.worker.maxAttempts,
    giveUp: giveUpReporter(config.models),
  });
}

/** A worker's or submitter's bus with the local fallback queue behind Discord. */
export interface ResilientBus {
  bus: FallbackBus;
  discord: DiscordBus;
  local: LocalBus;
}

/**
 * Discord first, the local queue under `RUNTIME_DIR` while Discord is unreachable: tasks submitted during an
 * outage wait locally (and are posted to Discord when it is back), workers keep running local tasks.
 */
export async function createResilientBus(
  config: Config,
  options: CreateDiscordBusOptions,
): Promise<ResilientBus> {
  const discord = await createDiscordBus(config, options);
  const local = createLocalBus(config);
  // Local tasks were first tried on Discord by `dorch submit` (the submitter's identity): drain them as the same
  // bot, so Discord's nonce check (per author) finds a post it took while the answer was lost.
  const submitter = config.discord.submitterToken;
  const drainTarget =
    submitter && submitter !== options.token
      ? await createDiscordBus(config, { token: submitter, role: 'submitter' })
      : undefined;
  return {
    bus: new FallbackBus(discord, local, drainTarget ? { drainTarget } : {}),
    discord,
    local,
  };
}

/** How long a passed permission check is trusted (workers restart after every task; permissions rarely change). */
export const PERMISSION_CHECK_TTL_MS = 10 * 60_000;

/**
 * Check that the bot behind `token` can do what a worker must in each configured channel (read, post, claim, mark,
 * close threads, attach files). Throws `ConfigError` naming the config key, the channel and the missing permission.
 * A passed check is remembered for {@link PERMISSION_CHECK_TTL_MS} under the runtime folder (by a hash of the
 * token, never the token). Throws `BusUnavailableError` when Discord cannot be reached (the caller decides).
 */
export async function checkWorkerPermissions(config: Config, token: string, label: string): Promise<void> {
  const d = config.discord;
  const needs: ChannelNeed[] = [];
  const add = (key: keyof typeof WORKER_NEEDS, channelId: string | undefined) => {
    if (channelId) needs.push({ key, channelId, needs: WORKER_NEEDS[key] });
  };
  add('TASK_QUEUE_CHANNEL', d.taskQueueChannel);
  add('RESULTS_CHANNEL', d.resultsChannel);
  add('WORKER_POOL_CHANNEL', d.workerPoolChannel);
  const key = createHash('sha256')
    .update([d.apiUrl, token, ...needs.map((n) => n.channelId)].join('\0'))
    .digest('hex')
    .slice(0, 32);
  const cacheFile = join(config.worker.runtimeDir, 'permission-checks.json');
  // No cache yet, or a broken one: check again (the cache only saves requests).
  const cache = await readFile(cacheFile, 'utf8')
    .then((t) => JSON.parse(t) as Record<string, number>)
    .catch(() => ({}) as Record<string, number>);
  if (Date.now() - (cache[key] ?? 0) < PERMISSION_CHECK_TTL_MS) return;
  const [userId] = await resolveUserIds([token], {
    apiUrl: d.apiUrl,
    cacheFile: join(config.worker.runtimeDir, 'identities.json'),
  });
  const problems = await checkChannelPermissions(createRest({ apiUrl: d.apiUrl, token }), userId!, needs);
  if (problems.length > 0)
    throw new ConfigError(describePermissionProblems(problems, `${label} (user ${userId})`));
  cache[key] = Date.now();
  // The cache only saves requests: failing to write it must not stop a worker.
  await mkdir(config.worker.runtimeDir, { recursive: true })
    .then(() => writeFile(cacheFile, JSON.stringify(cache), { mode: 0o600 }))
    .catch(() => undefined);
}
