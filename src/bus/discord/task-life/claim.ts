/**
 * Transition 1, claim (any worker; waiting → claimed), and 2, heartbeat (the holder only; edits, and posts only its
 * first progress message, inside the margin).
 */
import type { Claim } from '../../bus.js';
import type { Task } from '../../../task/task.js';
import { DiscordApiError, LeaseLostError } from '../../../lib/errors.js';
import { complete, findResult } from './completion.js';
import { isFleet, mayRun, type Life } from './context.js';
import { handBack, refuse } from './hand-back.js';
import { Marks, cancelledBy, claimThreadName, duplicateName, namedCopy } from './names.js';
import { memberRoles, readMessage, type TaskView, type ThreadView } from './reading.js';
import { closeThread, isClosedUnderUs, winThread } from './thread-claim.js';

/**
 * Claim a task for `workerId`: win its thread, then, for a retry copy, check again that it is the live copy and
 * that the original has no result yet, and that the origin author may still submit; a copy out of attempts is
 * reported FAILED instead of run. Winning costs one request: ✅ and the progress message wait for the first
 * heartbeat (see {@link heartbeat}).
 */
export async function claim(life: Life, task: Task, workerId: string): Promise<Claim | null> {
  const won = await winThread(life, task, workerId);
  if (!won.won) {
    life.emit('lost', { taskId: task.id, reason: won.reason });
    return null;
  }
  life.fenced(task.messageId, won.sentAt);
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
  const roles = view && !view.fleetAuthored ? memberRoles(view.message) : undefined;
  if (!(await mayRun(life, task.authorId, roles))) {
    await refuse(life, task, ownThread, `its author ${task.authorId} may not submit`);
    life.emit('lost', { taskId: task.id, reason: 'refused' });
    return null;
  }
  if (view?.copyOf && task.retry >= life.settings.maxAttempts) {
    await giveUpClaimed(life, task, workerId);
    return null;
  }
  // No ✅ and no progress message yet: a task that ends before its first heartbeat needs neither (the thread is the
  // claim; its final name and 🏁/❌ tell the outcome). The first heartbeat adds both.
  return { task, workerId, handle: '', claimedAt: life.settings.now() };
}

/**
 * 2. Renew the lease: edit the progress message; a thread closed under us (handed back, cancelled) is a lost lease.
 * The first heartbeat of a claim posts the progress message (and ✅) instead, after reading the thread (a post, unlike
 * an edit, would revive an archived thread): that is safe only while the claim is younger than `leaseMs / 3` (no
 * sweeper can have handed it back; see the margins in `task-life.ts`), which the worker's first heartbeat is
 * (`LeaseManager` fires it at `leaseMs / 6` at the latest). A process that stalled past that point posts nothing: the
 * claim then runs unmarked, its lease runs out, and the arbiter decides at completion (3f).
 */
export async function heartbeat(life: Life, claim: Claim, progress: string): Promise<void> {
  if (!claim.handle) return startProgress(life, claim, progress);
  const sentAt = life.settings.monotonic();
  try {
    await life.channel.edit(claim.task.messageId, claim.handle, progress);
  } catch (error) {
    if (isClosedUnderUs(error)) {
      // Lost: a later `complete` must fence, not trust the margin.
      life.fenced(claim.task.messageId, UNMARKED);
      throw new LeaseLostError(`${claim.task.id} ${await closedHow(life, claim.task.messageId)}`, {
        cause: error,
      });
    }
    throw error;
  }
  life.fenced(claim.task.messageId, sentAt);
}

// The first heartbeat: ✅ on the task and the progress message in its thread (`claim.handle` from then on).
async function startProgress(life: Life, claim: Claim, progress: string): Promise<void> {
  const id = claim.task.messageId;
  const since = life.fencedAt(id);
  if (since === UNMARKED) return;
  // A post into an archived thread would revive it (workers hold MANAGE_THREADS), so look first: a claim closed
  // before its first heartbeat (cancelled, handed back) is lost. Only tasks that outlive a heartbeat pay this read.
  const thread = await life.channel.channel(id);
  if (!thread || !('thread_metadata' in thread) || thread.thread_metadata?.archived) {
    life.fenced(id, UNMARKED);
    throw new LeaseLostError(`${claim.task.id} ${await closedHow(life, id)} before its first heartbeat`);
  }
  const sentAt = life.settings.monotonic();
  if (since === undefined || sentAt - since >= life.settings.leaseMs / 3) {
    life.fenced(id, UNMARKED);
    throw new Error(
      `the claim on ${claim.task.id} could not be marked in time (this process stalled for ` +
        `${Math.round((sentAt - (since ?? sentAt)) / 1000)} s); it runs without heartbeats, and its result counts only ` +
        'if nobody handed it back meanwhile',
    );
  }
  await life.channel
    .react(life.settings.taskQueueChannel, id, Marks.claimed)
    .catch((e: unknown) => debug(life, 'claim mark', e));
  let message;
  try {
    message = await life.channel.post(id, { content: progress, nonce: `p${id}` });
  } catch (error) {
    life.fenced(id, UNMARKED);
    if (isClosedUnderUs(error))
      throw new LeaseLostError(`the claim on ${claim.task.id} was closed before its first heartbeat`, {
        cause: error,
      });
    if (!(error instanceof DiscordApiError)) throw error;
    // Refused (a missing permission): without a progress message the claim cannot be kept, so hand it back now
    // rather than let it be swept a lease later.
    const reason = `could not post the progress message in the claim thread (${error.message})`;
    await handBack(life, {
      task: claim.task,
      thread: {
        id,
        name: claimThreadName(claim.workerId, claim.task.id),
        ownerId: '',
        fleetOwned: true,
        archived: false,
        locked: false,
      },
      reason,
      caller: 'holder',
      actor: claim.workerId,
    }).catch((e: unknown) => debug(life, 'hand-back after a failed progress post', e));
    throw new LeaseLostError(`the claim on ${claim.task.id} was handed back: ${reason}`, { cause: error });
  }
  claim.handle = message.id;
  life.fenced(id, sentAt);
}

/** `fencedAt` of a claim whose first heartbeat came too late to post its progress message. */
const UNMARKED = Number.NEGATIVE_INFINITY;

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
