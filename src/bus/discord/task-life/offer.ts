/**
 * Transition 5b, offer (any worker): a task message the gateway pushed, checked the way a poll checks one before
 * anyone claims it. Only what a poll would offer passes: a task message in the queue, without a thread, without a
 * fleet 🚫 ♻️ 🛑 or final mark, whose origin author may submit (else 🚫), readable, and for a retry copy only while
 * it is the live, settled copy. The claim that follows is the same thread creation as after a poll.
 */
import type { APIMessage } from 'discord-api-types/v10';
import type { Task } from '../../../task/task.js';
import { isFleet, mayRun, type Life } from './context.js';
import { refuse } from './hand-back.js';
import { BLOCKING_MARKS } from './names.js';
import { liveCopy } from './poll.js';
import { isTaskMessageType, memberRoles, readMessage } from './reading.js';

/** The task to claim, or null when a poll would not offer it either. */
export async function offer(life: Life, payload: unknown): Promise<Task | null> {
  if (!life.authorizer) throw new TypeError('DiscordBus.offer needs an `authorizer` option');
  const queue = life.settings.taskQueueChannel;
  const message = payload as APIMessage;
  if (typeof message !== 'object' || message === null || message.channel_id !== queue) return null;
  if (typeof message.id !== 'string' || !/^\d+$/.test(message.id) || !message.author) return null;
  if (!isTaskMessageType(message)) return null;
  const view = await readMessage(message, queue, (u) => isFleet(life, u));
  if (view.thread) return null;
  // The roles Discord sent are the message author's: they decide only for a person's own message, not for a fleet
  // copy (whose origin author is the one its tag names).
  const roles = view.fleetAuthored ? undefined : memberRoles(message);
  if (!(await mayRun(life, view.task.authorId, roles))) {
    await refuse(life, view.task, undefined, `its author ${view.task.authorId} may not submit`);
    return null;
  }
  if (await life.marks.first(queue, message, BLOCKING_MARKS)) return null;
  if (message.content.trim() === '' && message.attachments.length === 0) {
    life.emit('unreadable', { messageId: message.id, authorId: message.author.id });
    return null;
  }
  if (view.copyOf && !(await liveCopy(life, view, new Map(), new Map()))) return null;
  life.remember(view);
  return view.task;
}
