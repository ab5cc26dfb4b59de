/**
 * Reading a task's state without changing anything: the state table of `task-life.ts` applied to a message as a
 * read returns it. `dorch status` reads the queue this way, and `submit --wait` follows one task through its retry
 * copies (the live copy is the one the original's thread names).
 *
 * What counts is what a fleet bot did: a thread's name only when a fleet bot owns the thread or locked it (only
 * fleet bots lock), a state mark on a task without a thread only when a fleet bot set it. Final marks on a task
 * whose thread the fleet closed are taken as they are: that thread already says the task ended, the mark only which
 * way, and `#results` holds the truth.
 */
import { TaskInvalidError } from '../../../lib/errors.js';
import type { Task } from '../../../task/task.js';
import { isFleet, mayRun, type Life } from './context.js';
import { Marks, cancelledBy, claimerOf, compareSnowflakes, namedCopy, taskIdOf } from './names.js';
import { isTaskMessageType, readMessage, type TaskView } from './reading.js';

/** A task's state (see the table in `task-life.ts`). */
export type TaskStateName =
  | 'waiting'
  | 'running'
  | 'done'
  | 'failed'
  | 'cancelled'
  | 'handed-back'
  | 'refused'
  | 'duplicate'
  /** The fleet closed its thread without a final mark yet (a report on its way, or a run that was dropped). */
  | 'closed';

/** One task message's state. */
export interface TaskState {
  state: TaskStateName;
  task: Task;
  /** The worker that claimed it (running, or the last one), from its thread's name. */
  worker?: string;
  /** When it was claimed (its thread was created), epoch ms. */
  claimedAt?: number;
  /** handed-back: the task id of the copy that carries it on. */
  copyId?: string;
  /** cancelled: who cancelled it. */
  cancelledBy?: string;
}

/** The state of a task as read now (see the module comment for what counts). */
export async function stateOf(life: Life, view: TaskView): Promise<TaskState> {
  const queue = life.settings.taskQueueChannel;
  const { message, task, thread } = view;
  const base: TaskState = { state: 'waiting', task };
  if (thread && (thread.fleetOwned || thread.locked)) {
    const claimed = claimerOf(thread.name);
    if (claimed !== 'unknown worker') base.worker = claimed;
    if (thread.createdAt !== undefined) base.claimedAt = thread.createdAt;
    const copy = namedCopy(thread.name);
    if (copy) return { ...base, state: 'handed-back', copyId: taskIdOf(copy) };
    const by = cancelledBy(thread.name);
    if (by) return { ...base, state: 'cancelled', cancelledBy: by };
    if (thread.name.startsWith(Marks.duplicate)) return { ...base, state: 'duplicate' };
    if (thread.name.startsWith(Marks.refused) || !thread.fleetOwned) return { ...base, state: 'refused' };
    if (!thread.archived) return { ...base, state: 'running' };
    const has = (emoji: string) => message.reactions?.some((r) => r.emoji.name === emoji) ?? false;
    if (has(Marks.failed)) return { ...base, state: 'failed' };
    if (has(Marks.done)) return { ...base, state: 'done' };
    if (has(Marks.refused)) return { ...base, state: 'refused' };
    return { ...base, state: 'closed' };
  }
  // No thread, or a stranger's open one (no claim: a worker hands it back): only fleet marks end it.
  const mark = await life.marks.first(queue, message, [
    Marks.cancelled,
    Marks.refused,
    Marks.duplicate,
    Marks.failed,
    Marks.done,
  ]);
  if (mark === Marks.cancelled) return { ...base, state: 'cancelled' };
  if (mark === Marks.refused) return { ...base, state: 'refused' };
  if (mark === Marks.duplicate) return { ...base, state: 'duplicate' };
  if (mark === Marks.failed) return { ...base, state: 'failed' };
  if (mark === Marks.done) return { ...base, state: 'done' };
  if (life.authorizer && !(await mayRun(life, task.authorId))) return { ...base, state: 'refused' };
  return base;
}

/** Where a task is now: the state of its live copy, and the copies on the way there. */
export interface Followed {
  /** The live copy's state (the task itself when it was never handed back). */
  live: TaskState;
  /** Task ids from the one asked about to the live copy. */
  chain: string[];
}

/** True for states after which nothing more happens to that copy (its result is in `#results`, or none comes). */
export function isFinal(state: TaskStateName): boolean {
  return state !== 'waiting' && state !== 'running' && state !== 'handed-back';
}

/**
 * Follow a task to its live copy: read it, and while its thread names a copy, read that copy. One request per
 * copy. Throws `TaskInvalidError` when the id is no Discord task or its message is gone.
 */
export async function follow(life: Life, taskId: string): Promise<Followed> {
  let messageId = messageIdOf(taskId);
  const chain: string[] = [];
  const queue = life.settings.taskQueueChannel;
  // A chain is at most as long as the attempts allow; the bound only guards against a loop of names.
  for (let hop = 0; hop <= life.settings.maxAttempts + 2; hop++) {
    const message = await life.channel.message(queue, messageId);
    if (!message)
      throw new TaskInvalidError(
        hop === 0
          ? `${taskId}: no such message in #task-queue (deleted, or the id is wrong)`
          : `${taskId}: its copy ${taskIdOf(messageId)} was deleted`,
      );
    const state = await stateOf(life, await readMessage(message, queue, (u) => isFleet(life, u)));
    chain.push(state.task.id);
    if (state.state !== 'handed-back' || !state.copyId) return { live: state, chain };
    messageId = messageIdOf(state.copyId);
  }
  throw new TaskInvalidError(`${taskId}: too many copies to follow (${chain.join(' → ')})`);
}

/** What {@link survey} read from the queue. */
export interface QueueSurvey {
  /** Every task message read, newest first. */
  tasks: TaskState[];
  /** Pages of `#task-queue` read. */
  pages: number;
}

/**
 * Read the queue as a poll does (pages newest first, stopping at a page with nothing waiting or running) and say
 * each task's state, changing nothing. A retry copy counts as waiting only while its original's thread names it.
 */
export async function survey(life: Life): Promise<QueueSurvey> {
  const queue = life.settings.taskQueueChannel;
  const fleet = (id: string) => isFleet(life, id);
  const views = new Map<string, TaskView>();
  const states: TaskState[] = [];
  let pages = 0;
  for await (const page of life.channel.pages(queue, life.settings.maxPollPages)) {
    pages++;
    let open = 0;
    for (const message of page) {
      if (!isTaskMessageType(message)) continue;
      const view = await readMessage(message, queue, fleet);
      views.set(message.id, view);
      const state = await stateOf(life, view);
      if (state.state === 'waiting' || state.state === 'running') open++;
      states.push(state);
    }
    if (open === 0) break;
  }
  const names = new Map<string, string | null>();
  for (const state of states) {
    const copyOf = views.get(state.task.messageId)?.copyOf;
    if (state.state !== 'waiting' || !copyOf) continue;
    if (!names.has(copyOf)) {
      const seen = views.get(copyOf);
      const channel = seen ? null : await life.channel.channel(copyOf);
      names.set(
        copyOf,
        seen ? (seen.thread?.name ?? null) : channel && 'name' in channel ? (channel.name ?? null) : null,
      );
    }
    if (namedCopy(names.get(copyOf)) !== state.task.messageId) state.state = 'duplicate';
  }
  states.sort((a, b) => compareSnowflakes(b.task.messageId, a.task.messageId));
  return { tasks: states, pages };
}

function messageIdOf(taskId: string): string {
  const match = /^discord-(\d{1,20})$/.exec(taskId);
  if (!match)
    throw new TaskInvalidError(`${taskId} is not a Discord task id (expected discord-<message id>)`);
  return match[1]!;
}
