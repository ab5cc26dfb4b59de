/**
 * Transition 5, poll (any worker): read the queue, refuse what may not run, hand back strangers' threads, and offer
 * the waiting tasks (retry copies only while live). Transition 6, sweep (any worker, busy or idle): hand back
 * claims whose holder went silent for longer than the lease.
 */
import type { APIMessage } from 'discord-api-types/v10';
import type { SweptTask } from '../../bus.js';
import type { Task } from '../../../task/task.js';
import { endName, findResult, finish, outcomeOf } from './completion.js';
import { isFleet, mayRun, type Life } from './context.js';
import { handBack, refuse } from './hand-back.js';
import { cancel, finishCancel, stopRequest } from './cancel.js';
import { BLOCKING_MARKS, Marks, cancelledBy, claimerOf, compareSnowflakes, namedCopy } from './names.js';
import { isTaskMessageType, readMessage, type TaskView } from './reading.js';

/** What a poll read: the tasks it offers, the claims in flight (the sweeper's list), and every message it read. */
export interface PollReading {
  tasks: Task[];
  inFlight: TaskView[];
  views: Map<string, TaskView>;
}

/**
 * The state a poll reads from one task message (side-effect free; `poll` acts on it, `purge` deletes the waiting
 * ones). See the state table in `task-life.ts`:
 * - `in-flight`: a fleet thread, not archived (a claim); `closed`: a fleet thread, archived.
 * - `foreign`: a stranger's thread the fleet has not dealt with yet (no claim: poll hands it back at once);
 *   `foreign-closed`: one the fleet locked already.
 * - `refuse`: the origin author may not submit and no 🚫 is on it yet; `refused`: it carries 🚫.
 * - `ended`: a fleet 🚫 ♻️ 🛑 or final mark (a stranger's mark blocks nothing).
 * - `unreadable`: no text and no files (the bot lacks the Message Content intent).
 * - `waiting`: claimable; for a retry copy, only once {@link liveCopy} says it is the live one.
 */
export type PollState =
  | 'in-flight'
  | 'closed'
  | 'foreign'
  | 'foreign-closed'
  | 'refuse'
  | 'refused'
  | 'ended'
  | 'unreadable'
  | 'waiting';

/**
 * How poll sees one task message. Reaction lists are read only for an allowed task carrying a state mark this bot
 * did not set (rare: a stranger's mark, another bot's ♻️).
 */
export async function pollState(life: Life, view: TaskView): Promise<PollState> {
  const { message, thread } = view;
  if (thread?.fleetOwned) return thread.archived ? 'closed' : 'in-flight';
  // Locked: a stranger's thread the fleet already dealt with (only fleet bots lock). Its name alone proves nothing:
  // anyone may name a thread like an end state.
  if (thread) return thread.locked ? 'foreign-closed' : 'foreign';
  if (!(await mayRun(life, view.task.authorId))) {
    // Refused once, by whoever sees it first; whose 🚫 it carries does not matter (it is not run either way), so
    // no reaction list is read for it.
    return message.reactions?.some((r) => r.emoji.name === Marks.refused) ? 'refused' : 'refuse';
  }
  if (await life.marks.first(life.settings.taskQueueChannel, message, BLOCKING_MARKS)) return 'ended';
  if (message.content.trim() === '' && message.attachments.length === 0) return 'unreadable';
  return 'waiting';
}

/**
 * Read pages of the queue, newest first, and stop at a page with nothing waiting or in flight. Per message (see
 * {@link pollState}): a claim in flight goes on the sweeper's list; a stranger's thread is handed back at once (or
 * the task refused); an author who may not submit gets 🚫; an unreadable message is reported; a waiting retry copy
 * is offered only while it is live and settled.
 */
export async function poll(life: Life): Promise<PollReading> {
  if (!life.authorizer) throw new TypeError('DiscordBus.poll needs an `authorizer` option');
  const queue = life.settings.taskQueueChannel;
  const fleet = (id: string) => isFleet(life, id);
  const waiting: TaskView[] = [];
  const inFlight: TaskView[] = [];
  const views = new Map<string, TaskView>();
  for await (const page of life.channel.pages(queue, life.settings.maxPollPages)) {
    let open = 0;
    for (const message of page) {
      if (!isTaskMessageType(message)) continue;
      const view = await readMessage(message, queue, fleet);
      views.set(message.id, view);
      const thread = view.thread;
      // An allowed person's 🛑 on a task that is waiting, running or was handed back (its copy carries it on).
      if ((!thread || !thread.archived || namedCopy(thread.name)) && (await cancelOnRequest(life, view)))
        continue;
      switch (await pollState(life, view)) {
        case 'in-flight':
          inFlight.push(view);
          open++;
          break;
        case 'foreign':
          open++;
          await handBackForeign(life, view);
          break;
        case 'refuse':
          await refuse(life, view.task, undefined, `its author ${view.task.authorId} may not submit`);
          break;
        case 'unreadable':
          life.emit('unreadable', { messageId: message.id, authorId: message.author.id });
          break;
        case 'waiting':
          open++;
          waiting.push(view);
          break;
        default:
          break;
      }
    }
    if (open === 0) break;
  }
  waiting.sort((a, b) => compareSnowflakes(a.message.id, b.message.id));
  const tasks: Task[] = [];
  const threads = new Map<string, OriginThread>();
  for (const view of waiting) {
    if (!view.copyOf || (await liveCopy(life, view, views, threads))) tasks.push(view.task);
  }
  return { tasks, inFlight, views };
}

// Cancel a task an allowed person put 🛑 on (see `cancel.ts`); true when it was cancelled (or had ended anyway).
async function cancelOnRequest(life: Life, view: TaskView): Promise<boolean> {
  if (!view.message.reactions?.some((r) => r.emoji.name === Marks.cancelled)) return false;
  // A task that may not run is refused whatever else it carries.
  if (!view.thread && !(await mayRun(life, view.task.authorId))) return false;
  const person = await stopRequest(life, view.message);
  if (!person) return false;
  try {
    const outcome = await cancel(life, view.task.id, { name: person.name, how: 'with a 🛑 reaction' });
    life.emit('cancelled', { taskId: view.task.id, by: person.name, byId: person.id, outcome });
    return true;
  } catch (error) {
    life.emit(
      'debug',
      `[task-life] cancel of ${view.task.id} for ${person.id} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return false;
  }
}

// A stranger's thread is not a claim: hand the task back at once as a retry copy (refused if its author may not
// submit), saying why.
async function handBackForeign(life: Life, view: TaskView): Promise<void> {
  const thread = view.thread!;
  const reason = `a thread on it was opened by ${thread.ownerId}, who is not a fleet bot (a stranger's thread is not a claim)`;
  const result = await handBack(life, {
    task: view.task,
    thread,
    reason,
    caller: 'foreign',
    actor: life.settings.actor,
  });
  life.emit('foreign', { taskId: view.task.id, ownerId: thread.ownerId, result });
}

/** What a poll knows of an original's thread: none, or its name and whether it ended (archived, locked). */
export type OriginThread = { name: string | null; archived: boolean; locked: boolean } | null;

/**
 * The thread of a copy's original (`view.copyOf`), from the messages read so far or else one request, cached in
 * `threads` for the rest of the poll (poll's live-copy rule and purge's read it the same way).
 */
export async function originThread(
  life: Life,
  view: TaskView,
  views: Map<string, TaskView>,
  threads: Map<string, OriginThread>,
): Promise<OriginThread> {
  const origin = view.copyOf!;
  if (!threads.has(origin)) {
    const seen = views.get(origin);
    if (seen)
      threads.set(
        origin,
        seen.thread
          ? { name: seen.thread.name, archived: seen.thread.archived, locked: seen.thread.locked }
          : null,
      );
    else {
      const channel = await life.channel.channel(origin);
      threads.set(
        origin,
        channel && 'name' in channel
          ? {
              name: channel.name ?? null,
              archived: ('thread_metadata' in channel && channel.thread_metadata?.archived) || false,
              locked: ('thread_metadata' in channel && channel.thread_metadata?.locked) || false,
            }
          : null,
      );
    }
  }
  return threads.get(origin) ?? null;
}

/**
 * The live-copy rule at poll time: a retry copy R of T is offered only while T's thread names it and R has settled
 * (is at least `retrySettleMs` old). R is marked ♻️ once it can never become live: T names another copy; T's thread
 * was closed by the fleet (archived and locked) without naming it; or R is older than the lease while T has no thread
 * or a closed one not naming it. Two hand-backs rename a closed thread (`dorch requeue` of a finished task, and a
 * stranger's thread the stranger archived), so their copies get the lease before "closed without naming it" counts.
 * While T's claim is still open, R waits unmarked however old it is: a hand-back that died after posting R leaves it
 * so, and the next hand-back of T by the same bot gets R back from Discord's nonce check and names it.
 */
export async function liveCopy(
  life: Life,
  view: TaskView,
  views: Map<string, TaskView>,
  threads: Map<string, OriginThread>,
): Promise<boolean> {
  const origin = view.copyOf!;
  const thread = await originThread(life, view, views, threads);
  const named = namedCopy(thread?.name);
  const age = life.settings.now() - Date.parse(view.message.timestamp);
  if (named === view.message.id) return age >= life.settings.retrySettleMs;
  const old = age > life.settings.leaseMs;
  let why: string | null = null;
  if (named) why = `discord-${origin} names discord-${named} as its live copy`;
  else if (thread?.archived && ((thread.locked && view.task.retry > 0) || old))
    why = `discord-${origin} ended without naming it`;
  else if (!thread && old) why = `discord-${origin} never named it (its hand-back did not finish)`;
  if (why) {
    await life.channel.react(life.settings.taskQueueChannel, view.message.id, Marks.duplicate);
    life.marks.note(view.message.id, Marks.duplicate);
    life.emit('duplicate', { taskId: view.task.id, copyOf: `discord-${origin}`, why });
  }
  return false;
}

/**
 * 6. For each claim in flight older than the lease: its silence is the time since the last message its thread's
 * owner wrote or edited there (only the owner's messages count: a stranger editing a message in the thread every
 * few seconds changes nothing), else since the thread was created. Silent longer than the lease: if its result was
 * posted already (a holder killed between posting and archiving) finish it, else hand it back.
 */
export async function sweep(life: Life, inFlight: readonly TaskView[]): Promise<SweptTask[]> {
  const swept: SweptTask[] = [];
  const now = life.settings.now();
  const lease = life.settings.leaseMs;
  for (const view of inFlight) {
    const thread = view.thread!;
    if (thread.createdAt !== undefined && now - thread.createdAt <= lease) continue;
    const messages = await life.channel.threadMessages(thread.id);
    const last = lastSign(messages, thread.ownerId) ?? thread.createdAt ?? 0;
    const silentMs = now - last;
    if (silentMs <= lease) continue;
    const from = claimerOf(thread.name);
    const reason = `no heartbeat from ${from} for ${Math.round(silentMs / 1000)} s (presumed gone)`;
    if (cancelledBy(thread.name)) {
      // A canceller that stopped before closing its thread: finish the cancel, never hand it back.
      await finishCancel(life, view);
      swept.push({
        taskId: view.task.id,
        from,
        reason,
        result: { action: 'finished', taskId: view.task.id },
      });
      continue;
    }
    const posted = await findResult(life, view.task.id);
    if (posted) {
      const outcome = outcomeOf(posted);
      await finish(
        life,
        view.task.messageId,
        outcome,
        endName(outcome, from, `${outcome} (closed by ${life.settings.actor})`),
      );
      swept.push({
        taskId: view.task.id,
        from,
        reason,
        result: { action: 'finished', taskId: view.task.id },
      });
      continue;
    }
    const result = await handBack(life, {
      task: view.task,
      thread,
      reason,
      caller: 'sweeper',
      actor: life.settings.actor,
    });
    swept.push({ taskId: view.task.id, from, reason, result });
  }
  return swept;
}

// The latest sign of life the thread's owner left: its messages' last edit or post time.
function lastSign(messages: readonly APIMessage[], ownerId: string): number | undefined {
  let last: number | undefined;
  for (const m of messages) {
    if (m.author.id !== ownerId) continue;
    const at = Date.parse(m.edited_timestamp ?? m.timestamp);
    if (Number.isFinite(at) && (last === undefined || at > last)) last = at;
  }
  return last;
}
