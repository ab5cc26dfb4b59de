/**
 * `dorch clear`: delete the waiting tasks, the ones a worker would claim next (by the rule claiming uses: no claim,
 * not refused, finished, handed back or cancelled), from #task-queue and from this machine's local queue; `--all`
 * deletes every message of #task-queue (and every local task, claimed ones too).
 */
import { createResilientBus } from '../../../bus/create-bus.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { loadRuntime } from '../../runtime.js';

/** Options of `dorch clear`. */
export interface ClearOptions {
  config?: string;
  all?: boolean;
  print?: (line: string) => void;
}

/** Delete queued tasks; returns how many were deleted. Throws `BusUnavailableError` when Discord was not reached. */
export async function clear(options: ClearOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config } = await loadRuntime({ config: options.config, name: 'clear' });
  requireDiscordKeys(config, 'submit', { file: options.config });
  const token = config.discord.submitterToken ?? config.discord.botToken ?? config.discord.workerTokens[0]!;
  // A worker's view (the allowlist, the fleet's bots): "waiting" is decided the way a worker decides it.
  const { bus } = await createResilientBus(config, { token, role: 'worker', actor: 'clear' });
  let unreachable: Error | undefined;
  bus.on('primary-down', ({ error }) => (unreachable = error));
  try {
    const purged = await bus.purge({ all: options.all ?? false });
    const what = `${purged.length} ${options.all ? '' : 'waiting '}task(s)`;
    if (unreachable) {
      print(`Deleted ${what} from the local queue.`);
      throw unreachable;
    }
    print(`Deleted ${what} from #task-queue and the local queue.`);
    return purged.length;
  } finally {
    await bus.close();
  }
}
