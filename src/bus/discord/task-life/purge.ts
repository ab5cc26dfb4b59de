/**
 * Purge (the operator; `dorch clear`): delete the task messages that are waiting, by the rule a poll uses to offer
 * them ({@link pollState}), so a claimed, refused, finished, handed-back or cancelled task is never touched. `all`
 * deletes every message of the queue instead, whatever its state (the seed's clear-everything).
 *
 * Unlike a poll it reads the whole queue (a waiting task behind a page of finished ones is still waiting) and
 * changes nothing but what it deletes: no 🚫, no hand-back of a stranger's thread, no ♻️ (the next poll does those).
 * A retry copy counts as waiting while its original's thread names it as the live copy, settled or not.
 *
 * A worker may win a task between this read and the delete; the task then runs (once) and its marks fail on the
 * deleted message. That race is the operator's to avoid (stop the workers first), as with deleting by hand.
 */
import type { APIMessage } from 'discord-api-types/v10';
import { isFleet, type Life } from './context.js';
import { namedCopy } from './names.js';
import { originThread, pollState, type OriginThread } from './poll.js';
import { isTaskMessageType, readMessage, type TaskView } from './reading.js';

/** Bulk delete only takes messages younger than 14 days (a minute of margin for the request's own time). */
const BULK_MAX_AGE_MS = 14 * 24 * 3600 * 1000 - 60_000;

/** Delete the waiting task messages (every message with `all`); returns the task ids deleted. */
export async function purge(life: Life, options: { all?: boolean } = {}): Promise<string[]> {
  if (!options.all && !life.authorizer) throw new TypeError('DiscordBus.purge needs an `authorizer` option');
  const queue = life.settings.taskQueueChannel;
  const fleet = (id: string) => isFleet(life, id);
  const threads = new Map<string, OriginThread>();
  const purged: string[] = [];
  // Deleting as we go does not disturb the cursor: each page is read from before the last one's oldest id.
  for await (const page of life.channel.pages(queue, Infinity)) {
    const views = new Map<string, TaskView>();
    const doomed: APIMessage[] = [];
    for (const message of page) {
      if (options.all) {
        doomed.push(message);
        continue;
      }
      if (!isTaskMessageType(message)) continue;
      const view = await readMessage(message, queue, fleet);
      views.set(message.id, view);
      if ((await pollState(life, view)) !== 'waiting') continue;
      if (view.copyOf && !(await isLive(life, view, views, threads))) continue;
      doomed.push(message);
    }
    await deleteAll(life, queue, doomed);
    purged.push(...doomed.map((m) => `discord-${m.id}`));
  }
  return purged;
}

// The live-copy rule without its side effects: the original's thread names this copy.
async function isLive(
  life: Life,
  view: TaskView,
  views: Map<string, TaskView>,
  threads: Map<string, OriginThread>,
): Promise<boolean> {
  return namedCopy((await originThread(life, view, views, threads))?.name) === view.message.id;
}

// Bulk delete (one request per page) for messages young enough, one by one for the rest.
async function deleteAll(life: Life, channelId: string, messages: readonly APIMessage[]): Promise<void> {
  const now = life.settings.now();
  const young = messages.filter((m) => now - Date.parse(m.timestamp) < BULK_MAX_AGE_MS).map((m) => m.id);
  const single = messages.filter((m) => !young.includes(m.id)).map((m) => m.id);
  if (young.length >= 2) await life.channel.bulkDelete(channelId, young);
  else single.push(...young);
  for (const id of single) await life.channel.delete(channelId, id);
}
