/**
 * Transition 3, complete (the holder only; claimed → done/failed), and its late case: a holder whose claim was
 * handed back while it ran either wins the live copy's claim and reports as that copy, or its report is dropped.
 */
import type { TaskReport } from '../../../task/report.js';
import type { Claim, CompleteOptions, Completion } from '../../bus.js';
import { readResultLine } from '../../../task/format.js';
import { lateNote, retargetReport } from '../../retarget.js';
import { isFleet, mayRun, type Life } from './context.js';
import { Marks, cancelledBy, finishedName, namedCopy } from './names.js';
import { readMessage } from './reading.js';
import { closeThread, isClosedUnderUs, winThread } from './thread-claim.js';

/** Pages of `#results` a look-up for a task's result reads at most. */
export const RESULT_PAGES = 5;

/**
 * Report a finished task (transition 3):
 * a. fence: edit the progress message with the short form (an edit fails with 50083 once the thread was archived,
 *    i.e. handed back or cancelled); without a progress message, only a fresh claim goes on unchecked;
 * b. post the result to `#results` (nonce `r<id>`; a replay first looks for an earlier post);
 * c. 🏁 or ❌ on the task; d. archive and lock the thread, renaming it to the short form's first line (one PATCH,
 *    so the outcome costs no extra request; Discord allows a thread two renames per 10 minutes, and a thread gets
 *    at most this one); e. the full short form goes into the thread only with the fence edit (a task that ended
 *    before its first heartbeat has no progress message, and needs none).
 * Closed under us at (a): {@link lateCompletion}.
 */
export async function complete(
  life: Life,
  claim: Claim,
  report: TaskReport,
  options: CompleteOptions = {},
): Promise<Completion> {
  const id = claim.task.messageId;
  const fencedAt = life.fencedAt(id);
  // The holder's own word when it gives one (it keeps the lease); else this process's record of the claim, never
  // for a replay (it may come long after).
  const fresh =
    options.fresh ??
    (!options.replay &&
      fencedAt !== undefined &&
      life.settings.monotonic() - fencedAt < life.settings.leaseMs / 3);
  if (claim.handle) {
    try {
      await life.channel.edit(id, claim.handle, report.summary);
    } catch (error) {
      if (!isClosedUnderUs(error)) throw error;
      return lateCompletion(life, claim, report, options);
    }
  } else if (!fresh) {
    const thread = await life.channel.channel(id);
    const archived = thread && 'thread_metadata' in thread ? thread.thread_metadata?.archived : true;
    if (archived) return lateCompletion(life, claim, report, options);
  }
  if (!(options.replay && (await findResult(life, claim.task.id)))) await postResult(life, id, report);
  await finish(life, id, report.outcome, finishedName(report.outcome, claim.workerId, report.summary));
  return { outcome: 'reported', taskId: claim.task.id };
}

/**
 * 3f: the claim was closed under its holder. If the thread names a live copy R, try to claim R: won → report as R
 * (with a note), lost → another run carries the task, drop this report. No copy named (cancelled, or archived by a
 * person): drop it. A replay whose result was already posted is done.
 */
export async function lateCompletion(
  life: Life,
  claim: Claim,
  report: TaskReport,
  options: CompleteOptions,
): Promise<Completion> {
  const task = claim.task;
  const earlier = options.replay ? await findResult(life, task.id) : null;
  if (earlier) {
    const outcome = outcomeOf(earlier);
    await finish(life, task.messageId, outcome, endName(outcome, claim.workerId, report.summary));
    return { outcome: 'reported', taskId: task.id };
  }
  const thread = await life.channel.channel(task.messageId);
  const name = thread && 'name' in thread ? thread.name : null;
  const copyId = namedCopy(name);
  const by = cancelledBy(name);
  if (by) return { outcome: 'superseded', reason: `${task.id} was cancelled by ${by} while it ran` };
  if (!copyId)
    return {
      outcome: 'superseded',
      reason: `${task.id} was closed while it ran, without a retry copy (archived by a person)`,
    };
  const message = await life.channel.message(life.settings.taskQueueChannel, copyId);
  if (!message) return { outcome: 'superseded', reason: `${task.id} was handed back; its copy is gone` };
  const copy = (await readMessage(message, life.settings.taskQueueChannel, (u) => isFleet(life, u))).task;
  const won = await winThread(life, copy, claim.workerId);
  if (!won.won)
    return {
      outcome: 'superseded',
      reason: `${task.id} was handed back as ${copy.id} while it ran here, and another run carries it`,
    };
  life.fenced(copy.messageId, won.sentAt);
  if (!(await mayRun(life, copy.authorId))) {
    await life.channel.react(life.settings.taskQueueChannel, copy.messageId, Marks.refused);
    await closeThread(life, copy.messageId);
    return { outcome: 'superseded', reason: `${copy.id}'s author may not submit any more` };
  }
  const note = lateNote(task.id);
  await postResult(life, copy.messageId, {
    ...report,
    content: retargetReport(report.content, task.id, copy.id, note),
  });
  await finish(
    life,
    copy.messageId,
    report.outcome,
    finishedName(report.outcome, claim.workerId, report.summary),
  );
  return { outcome: 'reported', taskId: copy.id, late: true };
}

/** Post a result to `#results` under the task message's nonce (a retry within Discord's window is not doubled). */
export async function postResult(life: Life, messageId: string, report: TaskReport): Promise<void> {
  const channel = life.settings.resultsChannel;
  if (!channel) return;
  await life.channel.post(channel, { content: report.content, nonce: `r${messageId}` }, report.files);
}

/**
 * The end of a report: 🏁, ❌ or 🛑 on the task, its thread archived and locked (and renamed to `name`, if given:
 * one PATCH either way).
 */
export async function finish(
  life: Life,
  messageId: string,
  outcome: TaskReport['outcome'] | 'CANCELLED',
  name?: string,
): Promise<void> {
  const mark = outcome === 'SUCCESS' ? Marks.done : outcome === 'CANCELLED' ? Marks.cancelled : Marks.failed;
  await life.channel.react(life.settings.taskQueueChannel, messageId, mark);
  life.marks.note(messageId, mark);
  await closeThread(life, messageId, name ? { name } : {});
}

/** The finished thread's name for an outcome ({@link finishedName}); a cancelled thread keeps the canceller's name. */
export function endName(
  outcome: TaskReport['outcome'] | 'CANCELLED',
  workerId: string,
  summary: string,
): string | undefined {
  return outcome === 'CANCELLED' ? undefined : finishedName(outcome, workerId, summary);
}

/** The result message text for a task id, or null: the newest pages of `#results`. */
export async function findResult(
  life: Life,
  taskId: string,
  maxPages = RESULT_PAGES,
): Promise<string | null> {
  return (await findResultMessage(life, taskId, maxPages))?.content ?? null;
}

/** A result message as found in the results channel: its text, attachments and when it was posted. */
export interface FoundResult {
  content: string;
  attachments: { name: string; url: string; size: number }[];
  /** ISO time of the post. */
  postedAt: string;
}

/** The result message for a task id, with its attachments, or null while there is none. */
export async function findResultMessage(
  life: Life,
  taskId: string,
  maxPages = RESULT_PAGES,
): Promise<FoundResult | null> {
  const channel = life.settings.resultsChannel;
  if (!channel) return null;
  const needle = `] ${taskId} by `;
  for await (const messages of life.channel.pages(channel, maxPages)) {
    let hit: (typeof messages)[number] | undefined;
    for (const m of messages) {
      if (m.content.includes(needle) && (await isResultAuthor(life, m.author))) {
        hit = m;
        break;
      }
    }
    if (hit)
      return {
        content: hit.content,
        attachments: hit.attachments.map((a) => ({ name: a.filename, url: a.url, size: a.size })),
        postedAt: hit.timestamp,
      };
  }
  return null;
}

/**
 * Only the fleet posts results: a message in `#results` counts when a fleet bot wrote it (where this bus knows the
 * fleet: workers), else when a bot did (a person, a stranger included, cannot post as a bot). Anyone else's
 * look-alike result is no result: it cannot end a wait, a gather or a cost roll-up.
 */
async function isResultAuthor(life: Life, author: { id: string; bot?: boolean }): Promise<boolean> {
  return life.authorizer ? isFleet(life, author.id) : author.bot === true;
}

/** The outcome a posted result shows, or FAILED when it cannot be read. */
export function outcomeOf(content: string): TaskReport['outcome'] | 'CANCELLED' {
  return readResultLine(content)?.outcome ?? 'FAILED';
}
