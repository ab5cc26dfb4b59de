/**
 * How task messages in #task-queue are read: marks, claim-thread names, and which messages are claimable or
 * in flight. Pure functions over Discord message objects.
 */
import { MessageType, type APIMessage } from 'discord-api-types/v10';
import { discordTaskId, type Task } from '../../task/task.js';
import { parseTaskText } from '../../task/tags.js';

const THREAD_NAME_MAX = 100;

/** Emoji marks on task messages. ✅ is the claim cue people already know from the seed. */
export const Marks = {
  claimed: '✅',
  done: '🏁',
  failed: '❌',
  released: '↩️',
  rejected: '🚫',
  duplicate: '♻️',
} as const;

/** Marks that say a claimed task is over (finished, failed, or handed back). */
export const FINAL_MARKS: readonly string[] = [Marks.done, Marks.failed, Marks.released];

/** The thread name that records a claim: worker id plus task id, so the owner can be checked after a timeout. */
export function claimThreadName(workerId: string, taskId: string): string {
  return `${workerId} · ${taskId}`.slice(0, THREAD_NAME_MAX);
}

/** Compare two snowflakes numerically. */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A claimed task that is not over: a thread, not archived, no final mark. */
export function isInFlight(message: APIMessage): boolean {
  const thread = message.thread;
  if (!thread || ('thread_metadata' in thread && thread.thread_metadata?.archived)) return false;
  return !message.reactions?.some((r) => r.emoji.name !== null && FINAL_MARKS.includes(r.emoji.name ?? ''));
}

export function isCandidate(message: APIMessage): boolean {
  if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return false;
  if (message.thread) return false; // claimed (or finished) by some worker
  if (message.reactions?.some((r) => r.emoji.name === Marks.rejected || r.emoji.name === Marks.duplicate))
    return false;
  return true;
}

export function toTask(message: APIMessage): Task {
  const parsed = parseTaskText(message.content);
  return {
    id: discordTaskId(message.id),
    messageId: message.id,
    prompt: parsed.prompt,
    rawText: message.content,
    model: parsed.model,
    thinking: parsed.thinking,
    retry: parsed.retry,
    origin: parsed.origin,
    authorId: message.author.id,
    submittedAt: message.timestamp,
    attachments: message.attachments.map((a) => ({ filename: a.filename, url: a.url, size: a.size })),
    ...(parsed.errors.length ? { tagErrors: parsed.errors } : {}),
  };
}
