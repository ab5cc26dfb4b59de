/**
 * Transition 4, hand back: the one implementation behind the holder's release, the sweeper, the manager's
 * recovery of a dead worker's claim, a stranger's thread, and `dorch requeue`. See `task-life.ts` for the rule it
 * keeps (one live copy, named by the original's thread).
 */
import type { HandBack } from '../../bus.js';
import type { Task } from '../../../task/task.js';
import { buildTaskText } from '../../../task/tags.js';
import type { APIChannel } from 'discord-api-types/v10';
import { DiscordCode, hasDiscordCode } from '../errors.js';
import { randomNonce } from './channel.js';
import { complete } from './completion.js';
import { mayRun, type Life } from './context.js';
import { Marks, handedBackName, isEndStateName, namedCopy, refusedName, taskIdOf } from './names.js';
import { readThread, type ThreadView } from './reading.js';
import { closeThread, isClosedUnderUs, winThread } from './thread-claim.js';
import { isFleet } from './context.js';

/** Who hands a task back; each has its own precondition (checked by the caller, see `task-life.ts`). */
export type HandBackCaller = 'holder' | 'sweeper' | 'manager' | 'foreign' | 'requeue';

/** What {@link handBack} needs. */
export interface HandBackInput {
  /** The task message T (its origin author decides whether a copy may be made). */
  task: Task;
  /** T's thread as last read; undefined when T has none. */
  thread: ThreadView | undefined;
  reason: string;
  caller: HandBackCaller;
  /** Who hands it back (its name goes on a FAILED report's claim). */
  actor: string;
  /** The holder's progress message, when the caller holds the claim: edited first, as the fence. */
  progressId?: string;
}

/** How to run a refused task later. */
export function requeueHint(taskId: string): string {
  return `if the author should be allowed, add them to ALLOWED_SUBMITTERS (or give them a role in ALLOWED_ROLES), then run \`dorch requeue ${taskId}\``;
}

/**
 * Hand T back (transition 4): check the origin author (b), post the copy R (c), name R in T's thread while archiving
 * and locking it in one PATCH (d), read the name back (e), mark T ↩️ (f), and when R is out of attempts claim it and
 * report FAILED with the reason (g).
 */
export async function handBack(life: Life, input: HandBackInput): Promise<HandBack> {
  const { task, caller } = input;
  const queue = life.settings.taskQueueChannel;
  if (input.progressId) {
    try {
      await life.channel.edit(
        task.messageId,
        input.progressId,
        `↩️ Handed back by ${input.actor}: ${input.reason}`,
      );
    } catch (error) {
      if (isClosedUnderUs(error))
        return { action: 'lost', reason: `${task.id} was already closed (handed back or cancelled)` };
      throw error;
    }
  }
  // b. The right to run comes from the origin author: no copy of a task whose author may not submit.
  if (!(await mayRun(life, task.authorId))) {
    await refuse(life, task, input.thread, `its author ${task.authorId} may not submit`);
    return { action: 'refused', reason: `the author ${task.authorId} of ${task.id} may not submit` };
  }
  // c. The copy. A failed download stops the hand-back: a copy must never silently lose the task's files.
  const retry = caller === 'requeue' ? 0 : task.retry + 1;
  const content = buildTaskText({
    prompt: task.prompt,
    model: task.model,
    thinking: task.thinking,
    retry,
    origin: task.origin ?? task.id,
    author: task.authorId,
    parent: task.parent,
    depth: task.depth,
  });
  const files = [];
  for (const a of task.attachments)
    files.push({ name: a.filename, data: await life.settings.download(a.url) });
  const copy = await life.channel.post(
    queue,
    {
      content,
      // One copy per task and bot, also when this call is retried; an operator's requeue is a new request each time.
      nonce: caller === 'requeue' ? randomNonce() : `q${task.messageId}`,
      message_reference: { message_id: task.messageId, fail_if_not_exists: false },
    },
    files,
  );
  // d + e. The arbiter: only the hand-back whose PATCH named its copy (and reads it back) goes on.
  const named = await nameCopy(life, task, copy.id, input);
  if (!named.ok) {
    // Our copy lost: remove it (if the delete fails it stays non-live, and polls mark it ♻️).
    await life.channel.delete(queue, copy.id).catch((e: unknown) => debug(life, 'delete copy', e));
    return { action: 'lost', reason: named.reason };
  }
  const now = await life.channel.channel(task.messageId);
  if (namedCopy(now && 'name' in now ? now.name : null) !== copy.id) {
    await life.channel.delete(queue, copy.id).catch((e: unknown) => debug(life, 'delete copy', e));
    return { action: 'lost', reason: `${task.id} was handed back by another worker at the same moment` };
  }
  // f.
  await life.channel
    .react(queue, task.messageId, Marks.handedBack)
    .catch((e: unknown) => debug(life, 'mark', e));
  life.marks.note(task.messageId, Marks.handedBack);
  const copyTask: Task = {
    ...task,
    id: taskIdOf(copy.id),
    messageId: copy.id,
    retry,
    submittedAt: copy.timestamp,
  };
  // g.
  if (retry >= life.settings.maxAttempts) {
    await giveUp(life, copyTask, input.actor, input.reason);
    return { action: 'failed', taskId: copyTask.id };
  }
  return { action: 'requeued', taskId: copyTask.id };
}

/**
 * Claim a copy that is out of attempts and report it FAILED with the last reason. A late original run that wins
 * the copy first reports its real result instead; either way one report. Returns false when this party lost.
 */
export async function giveUp(life: Life, copy: Task, actor: string, reason: string): Promise<boolean> {
  const won = await winThread(life, copy, actor);
  if (!won.won) return false;
  life.fenced(copy.messageId, won.sentAt);
  const report = life.settings.giveUp(copy, actor, copy.retry, reason);
  await complete(life, { task: copy, workerId: actor, handle: '', claimedAt: life.settings.now() }, report, {
    fresh: true,
  });
  return true;
}

/** Refuse a task: 🚫, its thread (if any) archived and locked so it stays out of the way. */
export async function refuse(
  life: Life,
  task: Task,
  thread: ThreadView | undefined,
  why: string,
): Promise<void> {
  await life.channel.react(life.settings.taskQueueChannel, task.messageId, Marks.refused);
  life.marks.note(task.messageId, Marks.refused);
  if (thread && !thread.archived)
    await closeThread(life, thread.id, thread.fleetOwned ? {} : { name: refusedName(task.id) });
  life.emit('rejected', {
    messageId: task.messageId,
    authorId: task.authorId,
    taskId: task.id,
    how: `${why}; ${requeueHint(task.id)}`,
  });
}

type Named = { ok: true } | { ok: false; reason: string };

/**
 * d. `PATCH /channels/{T}` `{name: "↩️ T → R", archived, locked}` in one request: an archived thread refuses any
 * PATCH that does not unarchive it (50083), so only one hand-back can name its copy. T without a thread (a refused
 * task being requeued) gets one, named so, first. Two cases unarchive first, each after a fresh read: a stranger's
 * own thread that the stranger archived (it is not locked: only fleet bots can lock), and the operator's requeue of
 * a finished or refused task (never one already handed back).
 */
async function nameCopy(life: Life, task: Task, copyId: string, input: HandBackInput): Promise<Named> {
  const name = handedBackName(task.id, taskIdOf(copyId));
  if (!input.thread) {
    try {
      await life.channel.createThread(life.settings.taskQueueChannel, task.messageId, name);
      await closeThread(life, task.messageId);
      return { ok: true };
    } catch (error) {
      if (!hasDiscordCode(error, DiscordCode.ThreadAlreadyCreated)) throw error;
    }
  }
  try {
    await life.channel.patchThread(task.messageId, { name, archived: true, locked: true });
    return { ok: true };
  } catch (error) {
    if (!hasDiscordCode(error, DiscordCode.ThreadArchived)) throw error;
  }
  const raw: APIChannel | null = await life.channel.channel(task.messageId);
  if (!raw) return { ok: false, reason: `${task.id}'s thread is gone` };
  const current = await readThread(raw, (u) => isFleet(life, u));
  // The same copy: a retried PATCH whose first answer was lost, or another process of this bot (same nonce).
  if (namedCopy(current.name) === copyId) return { ok: true };
  const strangerArchived = !current.fleetOwned && !current.locked && !isEndStateName(current.name);
  const operatorRequeue = input.caller === 'requeue' && !namedCopy(current.name);
  if (current.archived && (strangerArchived || operatorRequeue)) {
    await life.channel.patchThread(task.messageId, { name, archived: false, locked: true });
    await closeThread(life, task.messageId);
    return { ok: true };
  }
  return {
    ok: false,
    reason: `${task.id} was already closed (finished or handed back by another worker first)`,
  };
}

function debug(life: Life, what: string, error: unknown): void {
  life.emit('debug', `[task-life] ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
