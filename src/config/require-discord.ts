/**
 * Per-command checks that the Discord part of the configuration is complete. `loadConfig` accepts a config
 * without Discord keys (the offline demo and `doctor` need that); commands that talk to Discord call this first.
 */
import { ConfigError } from '../lib/errors.js';
import { DEFAULT_CONFIG_FILE } from './defaults.js';
import { CONFIG_KEYS, type Config } from './schema.js';

/** Which command is about to use Discord. */
export type DiscordUse = 'worker' | 'submit' | 'manager';

/** Options for {@link requireDiscordKeys}. */
export interface RequireDiscordOptions {
  /**
   * For `manager`: how many workers it will start (each needs `WORKERn_TOKEN`, unless `BOT_TOKEN` is shared).
   * @defaultValue 1
   */
  workers?: number;
  /**
   * The config file name used in hints.
   * @defaultValue `'discord-config.env'`
   */
  file?: string;
}

type ChannelKey = 'TASK_QUEUE_CHANNEL' | 'RESULTS_CHANNEL' | 'WORKER_POOL_CHANNEL';

const CHANNELS: Record<DiscordUse, ChannelKey[]> = {
  worker: ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'],
  manager: ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'],
  submit: ['TASK_QUEUE_CHANNEL'],
};

function channelValue(config: Config, key: ChannelKey): string | undefined {
  if (key === 'TASK_QUEUE_CHANNEL') return config.discord.taskQueueChannel;
  if (key === 'RESULTS_CHANNEL') return config.discord.resultsChannel;
  return config.discord.workerPoolChannel;
}

/**
 * Throw a {@link ConfigError} naming every key `use` needs that is missing; return warnings for setups that work
 * but are weaker than intended. Messages name keys only, never values.
 *
 * - `worker`: a token (`BOT_TOKEN` or `WORKER1_TOKEN`), and the three channels.
 * - `submit`: `SUBMITTER_TOKEN` (or `BOT_TOKEN`, with a warning), and `TASK_QUEUE_CHANNEL`.
 * - `manager`: `WORKER1_TOKEN`…`WORKERn_TOKEN` for n workers or a shared `BOT_TOKEN`, and the three channels.
 */
export function requireDiscordKeys(
  config: Config,
  use: DiscordUse,
  options: RequireDiscordOptions = {},
): string[] {
  const file = options.file ?? DEFAULT_CONFIG_FILE;
  const { discord } = config;
  const issues: string[] = [];
  const warnings: string[] = [];
  const hint = `set it in ${file} or the environment, or run \`dorch setup\``;

  if (use === 'worker' && !discord.botToken && discord.workerTokens.length === 0) {
    issues.push(`BOT_TOKEN: missing (this worker's bot token; WORKER1_TOKEN also works); ${hint}`);
  }
  if (use === 'submit' && !discord.submitterToken) {
    if (discord.botToken) {
      warnings.push(
        'SUBMITTER_TOKEN is not set; submitting with BOT_TOKEN. Workers run only tasks from the submitter bot ' +
          'or from ALLOWED_SUBMITTERS/ALLOWED_ROLES, so set SUBMITTER_TOKEN to a bot of its own',
      );
    } else {
      issues.push(`SUBMITTER_TOKEN: missing (${CONFIG_KEYS.SUBMITTER_TOKEN}); ${hint}`);
    }
  }
  if (use === 'manager') {
    const wanted = Math.max(1, Math.floor(options.workers ?? 1));
    const have = discord.workerTokens.length;
    if (have < wanted && !discord.botToken) {
      const missing = Array.from({ length: wanted - have }, (_, i) => `WORKER${have + i + 1}_TOKEN`);
      issues.push(
        `${missing.join(', ')}: missing; ${wanted} worker(s) need WORKER1_TOKEN..WORKER${wanted}_TOKEN ` +
          `(found ${have}), or set BOT_TOKEN to share one token; ${hint}`,
      );
    } else if (have < wanted) {
      warnings.push(
        `Only ${have} of ${wanted} workers have their own WORKERn_TOKEN; the others share BOT_TOKEN ` +
          '(they appear as one Discord user, which works but makes #worker-pool harder to read)',
      );
    }
  }
  for (const key of CHANNELS[use]) {
    if (!channelValue(config, key)) issues.push(`${key}: missing (${CONFIG_KEYS[key]}); ${hint}`);
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return warnings;
}
