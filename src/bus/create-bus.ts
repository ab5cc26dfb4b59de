/**
 * Builds a ready-to-use `DiscordBus` from the configuration: resolves the fleet's bot user ids (so retries
 * posted by workers and tasks posted by the submitter bot are trusted) and sets up the submit allowlist.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { Authorizer } from './discord/authorization.js';
import { DiscordBus } from './discord/discord-bus.js';
import { resolveUserIds } from './discord/identity.js';
import { createRest } from './discord/rest.js';
import { FallbackBus } from './fallback-bus.js';
import { LocalBus } from './local/local-bus.js';

/** Options for {@link createDiscordBus}. */
export interface CreateDiscordBusOptions {
  /** The token this bus acts as. */
  token: string;
  /** Workers poll and need the allowlist; a submitter only posts. @defaultValue 'worker' */
  role?: 'worker' | 'submitter';
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
  const local = new LocalBus({ runtimeDir: config.worker.runtimeDir });
  // One attempt per report: the worker's outbox keeps undelivered reports and retries them between polls, so
  // an outage never stalls a worker that could be running local tasks.
  return { bus: new FallbackBus(discord, local, { reportAttempts: 1 }), discord, local };
}
