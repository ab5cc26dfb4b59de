/**
 * Transition 8, cancel (waiting → cancelled, claimed → cancelled). Who may make it: the operator's CLI (`dorch
 * cancel`, acting as the submitter bot), or any worker on behalf of an allowed person who reacted 🛑 to the task
 * (a stranger's 🛑 changes nothing). What it keeps: one report per task (a CANCELLED result, or the holder's own
 * result when it finished first), nothing posted into a claim thread, every thread archived and locked at the end,
 * and the task's retry copies cancelled too (the live copy is the one the original's thread names).
 *
 * - Waiting: 🛑 on T first (polls stop offering it), then T's thread is created by the canceller, named
 *   `🛑 <task> (cancelled by X)`: the same atomic step as a claim, so a worker claiming at that moment gets 160004
 *   and one of the two wins. Lost → T is claimed now: handle it as running.
 * - Running: wait until the holder's progress message exists (it posts one at its first heartbeat, `leaseMs / 6`
 *   after winning at the latest; a post into a closed thread would reopen it), then, unless that message already shows the finished run's short form (the
 *   holder fenced: its result counts), rename and close T's thread in one `PATCH {name, archived, locked}`. From
 *   then on every heartbeat and fence of the holder fails (50083): it stops its agent within one heartbeat and its
 *   report is dropped (no copy is named). 50083 on our PATCH = someone closed it first: read it again (finished, or
 *   handed back: then cancel the copy it names). After the PATCH the progress message is read once more: a fence
 *   that landed just before it means the holder's result counts.
 * - Handed back: 🛑 on T, then cancel the copy T's thread names (and so on down the chain).
 * - Then the report: 🛑 on the task, the CANCELLED result in `#results` (nonce `r<id>`, the result's own), the
 *   thread archived and locked. A canceller that stopped half-way is finished by the next `dorch cancel` of the
 *   task, or by a sweep (an open thread named 🛑 whose owner went silent is closed and reported, never handed back).
 */
import type { APIMessage } from 'discord-api-types/v10';
import { TaskInvalidError } from '../../../lib/errors.js';
import { sleep } from '../../../lib/sleep.js';
import { formatCancelled, isReportSummary, readResultLine } from '../../../task/format.js';
import type { Reactor } from './channel.js';
import { findResult } from './completion.js';
import { isFleet, mayRun, type CancelOutcome, type Canceller, type Life } from './context.js';
import { DiscordCode, hasDiscordCode } from '../errors.js';
import { Marks, cancelledBy, cancelledName, claimerOf, namedCopy, taskIdOf } from './names.js';
import { isTaskMessageType, readMessage, type TaskView } from './reading.js';
import { closeThread } from './thread-claim.js';

export type { CancelOutcome, Canceller } from './context.js';

/** How often the canceller looks again while a fresh claim has not posted its progress message yet. */
const SETTLE_POLL_MS = 500;
/** How long the canceller waits for the result of a holder that finished just before the cancel. */
const FINISHING_WAIT_MS = 10_000;

/** Cancel a task (by its id, an original or a copy): see the module comment. */
export async function cancel(life: Life, taskId: string, by: Canceller): Promise<CancelOutcome> {
  const match = /^discord-(\d{1,20})$/.exec(taskId);
  if (!match)
    throw new TaskInvalidError(`${taskId} is not a Discord task id (expected discord-<message id>)`);
  return cancelMessage(life, match[1]!, by, 0);
}

async function cancelMessage(
  life: Life,
  messageId: string,
  by: Canceller,
  hops: number,
): Promise<CancelOutcome> {
  const queue = life.settings.taskQueueChannel;
  const id = taskIdOf(messageId);
  if (hops > life.settings.maxAttempts + 2) throw new TaskInvalidError(`${id}: too many copies to follow`);
  // Each round reads the task afresh; another party changing it under us (a claim, a hand-back) starts a new one.
  for (let round = 0; round < 10; round++) {
    const message = await life.channel.message(queue, messageId);
    if (!message || !isTaskMessageType(message))
      throw new TaskInvalidError(`${id}: no such task in #task-queue (deleted, or the id is wrong)`);
    const view = await readMessage(message, queue, (u) => isFleet(life, u));
    const thread = view.thread;
    if (!thread) {
      const state = await life.marks.first(queue, message, [
        Marks.refused,
        Marks.duplicate,
        Marks.failed,
        Marks.done,
      ]);
      if (state === Marks.refused)
        throw new TaskInvalidError(`${id} was refused (🚫) and never ran: nothing to cancel`);
      if (state === Marks.duplicate)
        throw new TaskInvalidError(
          `${id} is not the live copy of its task${view.copyOf ? `; cancel discord-${view.copyOf}` : ''}`,
        );
      if (state) return finished(life, id, false);
      await mark(life, message);
      try {
        await life.channel.createThread(queue, messageId, cancelledName(id, by.name));
      } catch (error) {
        if (hasDiscordCode(error, DiscordCode.ThreadAlreadyCreated)) continue; // claimed this moment: running
        throw error;
      }
      return report(life, view, by);
    }
    // Only fleet bots lock: a locked thread's name is the fleet's even when a stranger opened it.
    const trusted = thread.fleetOwned || thread.locked;
    if (trusted) {
      const copy = namedCopy(thread.name);
      if (copy) {
        await mark(life, message);
        return cancelMessage(life, copy, by, hops + 1);
      }
      const already = cancelledBy(thread.name);
      if (already) {
        const posted = await findResult(life, id);
        if (posted) {
          await closeThread(life, messageId);
          return { action: 'already', taskId: id, by: readResultLine(posted)?.by ?? already };
        }
        // A cancel that stopped half-way: finish it in the name it was started with.
        return report(life, view, { ...by, name: already });
      }
      if (thread.name.startsWith(Marks.duplicate))
        throw new TaskInvalidError(`${id} is not the live copy of its task`);
      if (thread.name.startsWith(Marks.refused) || !thread.fleetOwned)
        throw new TaskInvalidError(`${id} was refused (🚫) and never ran: nothing to cancel`);
      if (thread.archived) return finished(life, id, false);
      // Running.
      const progress = await settledProgress(life, view);
      if (progress === 'closed') continue;
      if (progress && isReportSummary(progress.content)) return finished(life, id, true);
      try {
        await life.channel.patchThread(messageId, {
          name: cancelledName(id, by.name),
          archived: true,
          locked: true,
        });
      } catch (error) {
        if (hasDiscordCode(error, DiscordCode.ThreadArchived)) continue; // closed by someone else first
        throw error;
      }
      const after = progress ? await ownerMessage(life, view) : null;
      if (after && isReportSummary(after.content)) return finished(life, id, true);
      return report(life, view, by, {
        worker: claimerOf(thread.name),
        ...(thread.createdAt !== undefined ? { since: thread.createdAt } : {}),
      });
    }
    // A stranger's open thread is no claim: the task is waiting. Close that thread under our name.
    await mark(life, message);
    try {
      await life.channel.patchThread(messageId, {
        name: cancelledName(id, by.name),
        archived: true,
        locked: true,
      });
    } catch (error) {
      if (!hasDiscordCode(error, DiscordCode.ThreadArchived)) throw error;
      // The stranger archived it: reopen, then close it as ours (only fleet bots lock).
      await life.channel.patchThread(messageId, {
        name: cancelledName(id, by.name),
        archived: false,
        locked: true,
      });
      await closeThread(life, messageId);
    }
    return report(life, view, by);
  }
  throw new TaskInvalidError(`${id} kept changing while it was being cancelled; try again`);
}

/**
 * The allowed person who reacted 🛑 to a task, when no fleet bot has (a fleet 🛑 means it was cancelled already,
 * or is being cancelled). A stranger's 🛑 counts for nothing. Reads the reaction list once per count.
 */
export async function stopRequest(life: Life, message: APIMessage): Promise<Reactor | null> {
  const queue = life.settings.taskQueueChannel;
  const reaction = message.reactions?.find((r) => r.emoji.name === Marks.cancelled);
  if (!reaction || reaction.me) return null;
  if (await life.marks.has(queue, message, Marks.cancelled)) return null;
  for (const user of await life.marks.reactors(queue, message, Marks.cancelled))
    if (!(await isFleet(life, user.id)) && (await mayRun(life, user.id))) return user;
  return null;
}

/** Finish a cancel whose canceller stopped before closing its thread (a sweep found it silent). */
export async function finishCancel(life: Life, view: TaskView): Promise<CancelOutcome> {
  const by = cancelledBy(view.thread?.name) ?? 'someone';
  if (await findResult(life, view.task.id)) {
    await mark(life, view.message);
    await closeThread(life, view.task.messageId);
    return { action: 'already', taskId: view.task.id, by };
  }
  return report(life, view, { name: by, how: '' });
}

// 🛑 on the task (once).
async function mark(life: Life, message: APIMessage): Promise<void> {
  const queue = life.settings.taskQueueChannel;
  if (message.reactions?.some((r) => r.emoji.name === Marks.cancelled && r.me)) return;
  await life.channel.react(queue, message.id, Marks.cancelled);
  life.marks.note(message.id, Marks.cancelled);
}

// The report of a cancel that won: 🛑, the CANCELLED result, the thread closed.
async function report(
  life: Life,
  view: TaskView,
  by: Canceller,
  running?: { worker: string; since?: number },
): Promise<CancelOutcome> {
  const task = view.task;
  await mark(life, view.message);
  if (life.settings.resultsChannel) {
    const content = formatCancelled({
      taskId: task.id,
      by: by.name,
      how: by.how,
      prompt: task.prompt,
      ...(running ? { worker: running.worker } : {}),
      ...(running?.since !== undefined ? { ranMs: life.settings.now() - running.since } : {}),
    });
    await life.channel.post(life.settings.resultsChannel, { content, nonce: `r${task.messageId}` });
  }
  await closeThread(life, task.messageId);
  return {
    action: 'cancelled',
    taskId: task.id,
    was: running ? 'running' : 'waiting',
    ...(running ? { worker: running.worker } : {}),
  };
}

// The task finished (or is finishing) before the cancel: its own result counts. `finishing`: the holder fenced
// moments ago and is posting it now, so wait a little for it.
async function finished(life: Life, taskId: string, finishing: boolean): Promise<CancelOutcome> {
  const deadline = life.settings.now() + (finishing ? FINISHING_WAIT_MS : 0);
  for (;;) {
    const posted = await findResult(life, taskId);
    if (posted) return { action: 'finished', taskId, outcome: readResultLine(posted)?.outcome ?? null };
    if (life.settings.now() >= deadline) return { action: 'finished', taskId, outcome: null };
    await sleep(SETTLE_POLL_MS);
  }
}

/**
 * The holder's progress message, once it exists: a claim posts it at its first heartbeat, and nothing may be closed
 * under that post (it would reopen the thread). A claim older than the lease without one never posts it (its holder
 * is gone). `closed` when the thread was closed meanwhile (a hand-back, or the claim's own checks).
 */
async function settledProgress(life: Life, view: TaskView): Promise<APIMessage | null | 'closed'> {
  const thread = view.thread!;
  for (let look = 0; ; look++) {
    const message = await ownerMessage(life, view);
    if (message) return message;
    if (thread.createdAt === undefined || life.settings.now() - thread.createdAt > life.settings.leaseMs)
      return null;
    // A claim posts at its first heartbeat (within `leaseMs / 6`); one whose claimer died first is waited out.
    await sleep(Math.min(SETTLE_POLL_MS * 2 ** look, 5000));
    const now = await life.channel.channel(view.task.messageId);
    if (!now || ('thread_metadata' in now && now.thread_metadata?.archived)) return 'closed';
  }
}

// The first message the thread's owner wrote in it (the progress message), or null.
async function ownerMessage(life: Life, view: TaskView): Promise<APIMessage | null> {
  const owner = view.thread!.ownerId;
  const messages = await life.channel.threadMessages(view.task.messageId);
  const own = messages.filter((m) => m.author.id === owner);
  return own.at(-1) ?? null;
}
