/**
 * `dorch requeue <task id>`: the operator's second chance for a task that was refused (🚫, its author was not
 * allowed then) or failed (❌). Checked against the allowlist as it is now; the copy gets fresh attempts.
 */
import type { Requeued } from '../../bus.js';
import { TaskInvalidError } from '../../../lib/errors.js';
import { isFleet, mayRun, type Life } from './context.js';
import { handBack, requeueHint } from './hand-back.js';
import { Marks, namedCopy, taskIdOf } from './names.js';
import { readMessage } from './reading.js';

/** Requeue a refused or failed task; throws `TaskInvalidError` saying why not. */
export async function requeue(life: Life, taskId: string): Promise<Requeued> {
  const match = /^discord-(\d{1,20})$/.exec(taskId);
  if (!match)
    throw new TaskInvalidError(`${taskId} is not a Discord task id (expected discord-<message id>)`);
  const queue = life.settings.taskQueueChannel;
  const message = await life.channel.message(queue, match[1]!);
  if (!message) throw new TaskInvalidError(`${taskId}: no such message in #task-queue`);
  const view = await readMessage(message, queue, (u) => isFleet(life, u));
  const copy = namedCopy(view.thread?.name);
  if (copy) throw new TaskInvalidError(`${taskId} was already handed back as ${taskIdOf(copy)}`);
  const state = await life.marks.first(queue, message, [Marks.refused, Marks.failed]);
  if (!state)
    throw new TaskInvalidError(
      `${taskId} is neither refused (🚫) nor failed (❌); only those can be requeued (a waiting or running task needs nothing, a finished one is done)`,
    );
  const author = view.task.authorId;
  if (!(await mayRun(life, author)))
    throw new TaskInvalidError(
      `${taskId} was posted by user ${author}, who may not submit under the current allowlist: ${requeueHint(taskId)}`,
    );
  const result = await handBack(life, {
    task: view.task,
    thread: view.thread,
    reason: 'requeued by the operator',
    caller: 'requeue',
    actor: life.settings.actor,
  });
  if (result.action === 'requeued' || result.action === 'failed') return { taskId, copyId: result.taskId };
  throw new TaskInvalidError(`${taskId} was not requeued: ${result.reason}`);
}
