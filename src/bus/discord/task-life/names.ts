/**
 * The words of the task protocol on Discord: reaction marks, and the names a claim thread carries in each state.
 * A thread's name is part of the protocol: the name of a handed-back thread is what makes exactly one retry copy
 * live (see `task-life.ts`).
 */
import { discordTaskId } from '../../../task/task.js';

/** Reactions on task messages. ✅ is only the cue people know from the seed; the others are state. */
export const Marks = {
  claimed: '✅',
  done: '🏁',
  failed: '❌',
  handedBack: '↩️',
  refused: '🚫',
  duplicate: '♻️',
  /** Cancelled by an allowed person's 🛑 or by `dorch cancel` (see `cancel.ts`). */
  cancelled: '🛑',
} as const;

/** Marks that change a task's state; only a fleet bot's count. */
export const STATE_MARKS: readonly string[] = [
  Marks.done,
  Marks.failed,
  Marks.handedBack,
  Marks.refused,
  Marks.duplicate,
  Marks.cancelled,
];

/** Marks that keep a task from being claimed (finished, refused, not the live copy, cancelled). */
export const BLOCKING_MARKS: readonly string[] = STATE_MARKS;

const THREAD_NAME_MAX = 100;

/** The thread name that records a claim: worker id and task id, so the owner can be checked after a timeout. */
export function claimThreadName(workerId: string, taskId: string): string {
  return `${workerId} · ${taskId}`.slice(0, THREAD_NAME_MAX);
}

/** The name of a handed-back thread: it names the one live retry copy. */
export function handedBackName(taskId: string, copyTaskId: string): string {
  return `${Marks.handedBack} ${taskId} → ${copyTaskId}`;
}

/**
 * The name of a finished task's thread: its outcome mark, the worker, and the first line of the short form
 * (`🏁 worker-1 · SUCCESS in 1.2 s · 180 in / 61 out · $0.000218`), at most 100 characters.
 */
export function finishedName(outcome: 'SUCCESS' | 'FAILED', workerId: string, summary: string): string {
  const first = (summary.split('\n', 1)[0] ?? '').replace(/^(?:✅|❌)\s*/u, '').trim();
  const name = `${outcome === 'SUCCESS' ? Marks.done : Marks.failed} ${workerId} · ${first || outcome}`;
  if (name.length <= THREAD_NAME_MAX) return name;
  // Cut at a code point, so an emoji is never split in half.
  let cut = '';
  for (const ch of name) {
    if (cut.length + ch.length > THREAD_NAME_MAX - 1) break;
    cut += ch;
  }
  return `${cut}…`;
}

/** The name of a copy's thread when the copy turned out not to be the live one. */
export function duplicateName(taskId: string): string {
  return `${Marks.duplicate} ${taskId} (not the live copy)`;
}

/**
 * The name of a cancelled task's thread: the canceller's thread on a task that was waiting, or the holder's thread
 * renamed when a running task is stopped. `by` is who cancelled it (one word).
 */
export function cancelledName(taskId: string, by: string): string {
  return `${Marks.cancelled} ${taskId} (cancelled by ${by})`.slice(0, THREAD_NAME_MAX);
}

const CANCELLED = /^🛑 \S+ \(cancelled by (.+)\)$/u;

/** Who cancelled a task, read from its thread's name, or null when the name is not a cancelled thread's. */
export function cancelledBy(threadName: string | undefined | null): string | null {
  if (!threadName?.startsWith(Marks.cancelled)) return null;
  return CANCELLED.exec(threadName)?.[1] ?? 'someone';
}

/** The name of a refused task's thread (a stranger's thread on a stranger's task). */
export function refusedName(taskId: string): string {
  return `${Marks.refused} ${taskId} (author not allowed)`;
}

const HANDED_BACK = /→ discord-(\d{1,20})$/;

/** The message id of the copy a handed-back thread names, or null for any other name. */
export function namedCopy(threadName: string | undefined | null): string | null {
  if (!threadName?.startsWith(Marks.handedBack)) return null;
  return HANDED_BACK.exec(threadName)?.[1] ?? null;
}

/** True when a thread name is one of the protocol's end-state names (handed back, duplicate, refused, cancelled). */
export function isEndStateName(threadName: string | undefined | null): boolean {
  return (
    !!threadName &&
    (threadName.startsWith(Marks.handedBack) ||
      threadName.startsWith(Marks.duplicate) ||
      threadName.startsWith(Marks.refused) ||
      threadName.startsWith(Marks.cancelled))
  );
}

/** The claiming worker's id in a claim thread name, or `unknown worker`. */
export function claimerOf(threadName: string | undefined | null): string {
  const [worker, task] = (threadName ?? '').split(' · ');
  return task && worker ? worker : 'unknown worker';
}

/** `discord-<id>` for a message id. */
export const taskIdOf = discordTaskId;

/** Compare two snowflakes numerically. */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
