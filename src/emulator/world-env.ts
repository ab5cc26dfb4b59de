/**
 * The configuration that points a fleet at an emulator world: the seed-compatible `discord-config.env` keys.
 */
import type { EmulatorWorld } from './world.js';

/** Config entries for `world`; `workers` limits how many `WORKERn_TOKEN` keys are included. */
export function worldConfig(
  world: EmulatorWorld,
  options: { workers?: number } = {},
): Record<string, string> {
  const entries: Record<string, string> = {
    DISCORD_API_URL: world.apiUrl,
    GUILD_ID: world.guildId,
    TASK_QUEUE_CHANNEL: world.channels.taskQueue,
    RESULTS_CHANNEL: world.channels.results,
    WORKER_POOL_CHANNEL: world.channels.workerPool,
    SUBMITTER_TOKEN: world.tokens.submitter,
    ALLOWED_SUBMITTERS: world.users.operator,
    ALLOWED_ROLES: world.roles.operator,
  };
  world.tokens.workers
    .slice(0, options.workers ?? world.tokens.workers.length)
    .forEach((token, i) => (entries[`WORKER${i + 1}_TOKEN`] = token));
  return entries;
}
