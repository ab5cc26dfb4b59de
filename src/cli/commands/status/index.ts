/**
 * `dorch status`: the fleet at a glance, read from Discord, so it works on any machine with the config (not only
 * where the workers run): queue depth, the tasks in flight (worker, machine, elapsed, model), recent results, each
 * worker's last status and machine, and today's spend. `--json` prints the same as one object.
 */
import { RESTEvents } from '@discordjs/rest';
import { createDiscordBus } from '../../../bus/create-bus.js';
import { formatConfigProblem } from '../../../bus/discord/explain-error.js';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { ConfigError } from '../../../lib/errors.js';
import { configProblem } from '../../discord-problem.js';
import { loadRuntime } from '../../runtime.js';
import { readFleetStatus, type FleetStatus } from './read.js';
import { renderStatus } from './render.js';

/** Options of `dorch status`. */
export interface StatusCommandOptions {
  config?: string;
  /** Print one JSON object. @defaultValue false */
  json?: boolean;
  /** Recent results to list. @defaultValue 10 */
  results?: number;
  /** Print a line (default console.log). */
  print?: (line: string) => void;
}

/** What `status --json` prints: the status, and how many Discord requests reading it took. */
export interface StatusReport extends FleetStatus {
  ok: true;
  requests: number;
}

/** Read and print the fleet's status. */
export async function status(options: StatusCommandOptions): Promise<StatusReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const { config, warnings } = await loadRuntime({ config: options.config, name: 'status' });
  for (const w of [...warnings, ...requireDiscordKeys(config, 'submit', { file })])
    if (!options.json) console.error(`warning: ${w}`);
  const d = config.discord;
  const token = d.submitterToken ?? d.botToken ?? d.workerTokens[0]!;
  const tokenKey = d.submitterToken ? 'SUBMITTER_TOKEN' : d.botToken ? 'BOT_TOKEN' : 'WORKER1_TOKEN';
  const bus = await createDiscordBus(config, { token, actor: 'status' });
  let requests = 0;
  bus.rest.on(RESTEvents.Response, () => requests++);
  try {
    const read = await readFleetStatus(bus, config, { results: options.results ?? 10 }).catch(
      (error: unknown) => {
        const problem = configProblem(config, error, { tokenKey, role: 'submitter', file });
        throw problem ? new ConfigError([formatConfigProblem(problem)], { cause: error }) : error;
      },
    );
    const report: StatusReport = { ok: true, ...read, requests };
    if (options.json) print(JSON.stringify(report));
    else for (const line of renderStatus(read, requests)) print(line);
    return report;
  } finally {
    await bus.close();
  }
}
