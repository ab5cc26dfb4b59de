/**
 * One look at a submitted task: where it is now, or its result. Used by everything that waits for tasks (the
 * library API, `dorch submit --wait`, `dorch wait`, the worker's delegation endpoint). On Discord the task is followed
 * to its live copy (a requeued task goes on as a retry copy), and only then is its result looked up, under the id
 * it was reported as; a task in the local queue (Discord was down) is looked up by id.
 */
import type { Bus } from './bus.js';
import type { DiscordBus, FoundResult } from './discord/discord-bus.js';
import { isFinal, type TaskState } from './discord/task-life/state.js';
import { BusUnavailableError, RateLimitedError } from '../lib/errors.js';

/** Where a task is. */
export type TaskLook =
  /** Not finished: `live` is its live copy's state on Discord (absent for a local task, or Discord was down). */
  | { state: 'pending'; taskId: string; live?: TaskState; chain?: string[] }
  /** Refused (its author may not submit): it never runs, no result comes. */
  | { state: 'refused'; taskId: string }
  /** Finished: `taskId` is the id the result was reported under (the live copy's). */
  | { state: 'result'; taskId: string; found: FoundResult };

/** What {@link lookAt} needs. */
export interface LookSources {
  /** The Discord side, or null when the task waits in the local queue. */
  discord: Pick<DiscordBus, 'follow' | 'findResultMessage'> | null;
  /** The bus the task went to (a local task's result). */
  bus: Pick<Bus, 'findResult'>;
}

/** Look once. Discord being briefly unreachable or throttled reads as "pending" (look again later). */
export async function lookAt(sources: LookSources, taskId: string): Promise<TaskLook> {
  try {
    if (!sources.discord || !taskId.startsWith('discord-')) {
      const content = await sources.bus.findResult(taskId);
      if (!content) return { state: 'pending', taskId };
      return {
        state: 'result',
        taskId,
        found: { content, attachments: [], postedAt: new Date().toISOString() },
      };
    }
    const followed = await sources.discord.follow(taskId);
    const live = followed.live;
    if (live.state === 'refused') return { state: 'refused', taskId: live.task.id };
    if (!isFinal(live.state)) return { state: 'pending', taskId, live, chain: followed.chain };
    const found = await sources.discord.findResultMessage(live.task.id);
    if (!found) return { state: 'pending', taskId, live, chain: followed.chain };
    return { state: 'result', taskId: live.task.id, found };
  } catch (error) {
    if (error instanceof BusUnavailableError || error instanceof RateLimitedError)
      return { state: 'pending', taskId };
    throw error;
  }
}
