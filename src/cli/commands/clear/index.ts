/**
 * `dorch clear`: delete waiting (unclaimed) tasks from #task-queue; `--all` deletes every message there.
 */
import { Routes } from 'discord-api-types/v10';
import { createRest } from '../../../bus/discord/rest.js';
import { channelPages } from '../../../bus/discord/pages.js';
import { toBusError } from '../../../bus/discord/errors.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { loadRuntime } from '../../runtime.js';

/** Options of `dorch clear`. */
export interface ClearOptions {
  config?: string;
  all?: boolean;
  print?: (line: string) => void;
}

/** Bulk delete only accepts messages younger than 14 days. */
const BULK_MAX_AGE_MS = 14 * 24 * 3600 * 1000 - 60_000;

/** Delete queue messages; returns how many were deleted. */
export async function clear(options: ClearOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config } = await loadRuntime({ config: options.config, name: 'clear' });
  requireDiscordKeys(config, 'submit', { file: options.config });
  const token = config.discord.submitterToken ?? config.discord.botToken ?? config.discord.workerTokens[0]!;
  const rest = createRest({ apiUrl: config.discord.apiUrl, token });
  const channel = config.discord.taskQueueChannel!;
  let deleted = 0;
  try {
    // Deleting as we go does not disturb the cursor: each page is read from before the last one's oldest id.
    for await (const page of channelPages(rest, channel)) {
      const doomed = page.filter((m) => options.all || !m.thread);
      const young = doomed
        .filter((m) => Date.now() - Date.parse(m.timestamp) < BULK_MAX_AGE_MS)
        .map((m) => m.id);
      const old = doomed.filter((m) => !young.includes(m.id)).map((m) => m.id);
      if (young.length >= 2)
        await rest.post(Routes.channelBulkDelete(channel), { body: { messages: young } });
      else old.push(...young);
      for (const id of old) await rest.delete(Routes.channelMessage(channel, id));
      deleted += doomed.length;
    }
  } catch (error) {
    throw toBusError(error, 'DELETE', '/channels/:id/messages');
  }
  print(`Deleted ${deleted} ${options.all ? '' : 'unclaimed '}task message(s) from #task-queue.`);
  return deleted;
}
