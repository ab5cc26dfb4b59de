/**
 * Transition 1, claim (any worker; waiting → claimed), and 2, heartbeat (the holder only; edits, never posts).
 */
import type { Claim } from '../../bus.js';
import type { Task } from '../../../task/task.js';
import { LeaseLostError } from '../../../lib/errors.js';
import { complete, findResult } from './completion.js';
import { isFleet, mayRun, type Life } from './context.js';
import { handBack, refuse } from './hand-back.js';
import { Marks, cancelledBy, claimThreadName, duplicateName, namedCopy } from './names.js';
import { readMessage, type TaskView, type ThreadView } from './reading.js';
import { closeThread, isClosedUnderUs, winThread } from './thread-claim.js';

/**
 * Claim a task for `workerId`: win its thread, then, for a retry copy, check again that it is the live copy and
 * that the original has no result yet, and that the origin author may still submit; a copy out of attempts is
 * reported FAILED instead of run. The winner marks ✅ and posts its progress message (the claim is seconds old:
 * nobody can have handed it back); a claim whose progress message cannot be posted is handed back at once.
 */
export async function claim(life: Life, task: Task, workerId: string): Promise<Claim | null> {
  const won = await winThread(life, task, workerId);
  if (!won.won) {
    life.emit('lost', { taskId: task.id, reason: won.reason });
    return null;
  }
  life.fenced(task.messageId, won.sentAt);
  const queue = life.settings.taskQueueChannel;
  const view = await viewOf(life, task);
  const ownThread: ThreadView = {
    id: task.messageId,
    name: claimThreadName(workerId, task.id),
    ownerId: '',
    fleetOwned: true,
    archived: false,
    locked: false,
  };
  if (view?.copyOf && !(await isLive(life, view, ownThread))) return null;
  if (!(await mayRun(life, task.authorId))) {
    await refuse(life, task, ownThread, `its author ${task.authorId} may not submit`);
    life.emit('lost', { taskId: task.id, reason: 'refused' });
    return null;
  }
  if (view?.copyOf && task.retry >= life.settings.maxAttempts) {
    await giveUpClaimed(life, task, workerId);
    return null;
  }
  await life.channel
    .react(queue, task.messageId, Marks.claimed)
    .catch((e: unknown) => debug(life, 'claim mark', e));
  let progressId: string;
  try {
    const progress = await life.channel.post(task.messageId, {
      content: `⏳ Claimed by **${workerId}**; starting…`,
      nonce: `p${task.messageId}`,
    });
    progressId = progress.id;
  } catch (error) {
    const reason = `could not post the progress message in the claim thread (${error instanceof Error ? error.message : String(error)})`;
    await handBack(life, { task, thread: ownThread, reason, caller: 'holder', actor: workerId }).catch(
      (e: unknown) => debug(life, 'hand-back after a failed progress post', e),
    );
    return null;
  }
  return { task, workerId, handle: progressId, claimedAt: life.settings.now() };
}

/** 2. Edit the progress message; a thread closed under us (handed back, cancelled) is a lost lease. */
export async function heartbeat(life: Life, claim: Claim, progress: string): Promise<void> {
  if (!claim.handle)
    throw new TypeError(`Expected a claim with a progress message, got none for ${claim.task.id}`);
  const sentAt = life.settings.monotonic();
  try {
    await life.channel.edit(claim.task.messageId, claim.handle, progress);
  } catch (error) {
    if (isClosedUnderUs(error))
      throw new LeaseLostError(`${claim.task.id} ${await closedHow(life, claim.task.messageId)}`, {
        cause: error,
      });
    throw error;
  }
  life.fenced(claim.task.messageId, sentAt);
}

/** How a claim thread was closed under its holder, read from its name: cancelled, handed back, or otherwise. */
export async function closedHow(life: Life, threadId: string): Promise<string> {
  const thread = await life.channel.channel(threadId).catch(() => null);
  const name = thread && 'name' in thread ? thread.name : null;
  const by = cancelledBy(name);
  if (by) return `was cancelled by ${by}`;
  const copy = namedCopy(name);
  if (copy) return `was handed back as discord-${copy} by another party (it thought this run was gone)`;
  return 'was closed by another party';
}

// The live-copy rule, checked after winning: T's thread must name this copy, and T must have no result yet (a
// holder that was only slow may have reported after the hand-back). Not live: ♻️, its thread closed.
async function isLive(life: Life, view: TaskView, ownThread: ThreadView): Promise<boolean> {
  const task = view.task;
  const original = await life.channel.channel(view.copyOf!);
  const name = original && 'name' in original ? original.name : null;
  let why: string | null = null;
  if (namedCopy(name) !== task.messageId) why = `${view.copyOf} does not name it as its live copy`;
  else if (await findResult(life, `discord-${view.copyOf}`, 2))
    why = `discord-${view.copyOf} has a result already`;
  if (!why) return true;
  await life.channel.react(life.settings.taskQueueChannel, task.messageId, Marks.duplicate);
  life.marks.note(task.messageId, Marks.duplicate);
  await closeThread(life, ownThread.id, { name: duplicateName(task.id) });
  life.emit('duplicate', { taskId: task.id, copyOf: `discord-${view.copyOf}`, why });
  life.emit('lost', { taskId: task.id, reason: 'not-live' });
  return false;
}

// A copy out of attempts whose hand-back party stopped before reporting: report FAILED now (we hold it already).
async function giveUpClaimed(life: Life, task: Task, workerId: string): Promise<void> {
  const reason = 'the party that handed it back stopped before reporting; the last reason is unknown';
  const report = life.settings.giveUp(task, workerId, task.retry, reason);
  await complete(life, { task, workerId, handle: '', claimedAt: life.settings.now() }, report, {
    fresh: true,
  });
  life.emit('lost', { taskId: task.id, reason: 'gave-up' });
}

// The task as the last poll read it; read it now when it was not seen (a task from elsewhere that may be a copy).
async function viewOf(life: Life, task: Task): Promise<TaskView | undefined> {
  const seen = life.view(task.messageId);
  if (seen || !task.origin) return seen;
  const message = await life.channel.message(life.settings.taskQueueChannel, task.messageId);
  return message ? readMessage(message, life.settings.taskQueueChannel, (u) => isFleet(life, u)) : undefined;
}

function debug(life: Life, what: string, error: unknown): void {
  life.emit('debug', `[task-life] ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
