/**
 * The life of a task on Discord, in one place: its states, the transitions between them, and who may make each.
 * `DiscordBus` is a thin adapter over this; README's "How it stays correct" says it for users, and
 * test/integration/task-life.test.ts with the Bus contract (test/contract/) exercise each transition.
 *
 * Words. T is a task message in `#task-queue`. R is a retry copy of T: a new message a fleet bot posts with
 * `[retry:n] [origin:<first attempt>] [author:<origin author>]`, replying to T. A fleet bot is a user id of one of
 * the configured tokens (submitter, workers, BOT_TOKEN): only fleet bots' threads, reactions and thread messages
 * count as claims, marks or heartbeats. The origin author is T's author, or for a fleet copy its `[author]` tag
 * (honoured only in fleet-written text): a task's right to run comes from it, checked where a copy is made and
 * again where a copy is claimed.
 *
 * | state | how it looks | next (who) |
 * | --- | --- | --- |
 * | waiting | no thread; no fleet 🚫 ♻️ 🛑; origin author allowed | claimed (a worker), refused, cancelled (canceller) |
 * | refused 🚫 | fleet 🚫 (author not allowed when seen); its thread, if any, archived+locked | waiting again only by `dorch requeue` (operator) |
 * | claimed, running | a fleet bot's thread `<worker> · <task id>`, not archived; the claimer's progress message in it, edited as the heartbeat | done, failed, handed back (holder, sweeper, manager), cancelled (canceller) |
 * | done 🏁 / failed ❌ | fleet mark; thread archived+locked; one result in `#results` | – (failed: `dorch requeue`) |
 * | handed back ↩️ | thread archived+locked and renamed `↩️ <task id> → <copy id>`; fleet ↩️; R exists | – (R carries the task on) |
 * | duplicate ♻️ | a copy that is not the live one (T's thread does not name it) | – |
 * | foreign thread | a thread whose owner is not a fleet bot: not a claim | handed back at once (poll), or refused |
 * | cancelled 🛑 | fleet 🛑; thread archived+locked and named `🛑 <task id> (cancelled by X)`; one CANCELLED result | – |
 *
 * The arbiter rule. A retry copy R of T is live if and only if T's thread is named `↩️ … → discord-<R id>`.
 * Renaming and archiving happen in one `PATCH /channels/{T}` `{name, archived: true, locked: true}`; an archived
 * thread refuses any PATCH that does not unarchive it (50083), so at most one hand-back of T names its copy, and
 * every party reads the name back after its PATCH (a claimer checks again after winning R). Thread creation on R is
 * then the single atomic decision of who carries the task on: a late original run, a fresh worker, or the party
 * that reports FAILED.
 *
 * Transitions (each in its own file):
 * 1. claim (any worker; `claim.ts`): create T's thread; 160004 = lost; timeout/5xx = read the name; a long 429 or
 *    160006 = "not now" (claims pause, `claimHold`). A copy is checked again after winning (live, origin without a
 *    result, author allowed, attempts left). Then ✅ and the progress message; if that cannot be posted, hand back.
 * 2. heartbeat (the holder; `claim.ts`): edit the progress message, never post. 50083/160005/10008 = lease lost.
 * 3. complete (the holder, or an outbox replay; `completion.ts`): fence (edit the progress message with the short
 *    form), result with nonce `r<id>` (a replay looks for an earlier post first), 🏁/❌, archive+lock. Closed under
 *    us: claim the copy T names and report as it, or drop the report (`superseded`).
 * 4. hand back (`hand-back.ts`, one implementation for the holder, the sweeper, the manager, a stranger's thread and
 *    `dorch requeue`): author allowed now (else 🚫), post R (nonce `q<T>`, files re-uploaded), the PATCH above, read
 *    the name back, ↩️; R out of attempts → claim R and report FAILED with the reason.
 * 5. poll (any worker; `poll.ts`): see there.
 * 6. sweep (any worker, about every lease/3, busy or idle; `poll.ts`): silence = now − the owner's last message or
 *    edit in T's thread (else its creation); longer than the lease and no result yet → hand back.
 * 7. requeue (the operator; `requeue.ts`): a refused or failed T whose author is allowed now → a fresh copy.
 * 8. cancel (`cancel.ts`; the canceller is the operator's `dorch cancel` acting as the submitter bot, or a worker's
 *    poll acting for an allowed person who reacted 🛑; a stranger's 🛑 changes nothing): a waiting T gets a thread
 *    of the canceller's (the claim step, so it and a claimer cannot both win); a running T's thread, once its
 *    progress message exists and unless it shows a fenced report, is renamed and closed in one PATCH, so the
 *    holder's next heartbeat fails and it stops; a handed-back T's live copy is cancelled in its place. Then 🛑,
 *    the CANCELLED result (nonce `r<id>`), the thread closed. The holder's result counts instead when it fenced
 *    first. A sweep finishes a cancel whose canceller stopped half-way, never hands it back.
 * 9. purge (the operator, `dorch clear`; `purge.ts`): delete the waiting T (by poll's rule, without its side
 *    effects); `all` deletes every message.
 *
 * Reading states without changing them (`state.ts`): `dorch status` surveys the queue, `submit --wait` follows a
 * task from copy to copy to its live one.
 *
 * Margins. A sweeper hands back only after `leaseMs` of silence by Discord's own timestamps, so a holder that won
 * its claim or last renewed it (a heartbeat edit that succeeded) less than `leaseMs / 3` ago by its own monotonic
 * clock may post into its thread unchecked: nobody can have handed it back unless the clocks are off by more than
 * `2/3 leaseMs`. Every other report fences first (the fence edit carries the short form, so it costs no extra
 * request). What remains: a process frozen between a successful fence and its result post for longer than the
 * lease plus the retry copies' settle time; the copy's claimer then finds the original's result and drops the copy,
 * unless it looked just before the post landed.
 */
import { EventEmitter } from 'node:events';
import type {
  Claim,
  ClaimHold,
  CompleteOptions,
  Completion,
  HandBack,
  Requeued,
  SweptTask,
} from '../../bus.js';
import type { TaskReport } from '../../../task/report.js';
import type { Task } from '../../../task/task.js';
import type { Authorizer } from '../authorization.js';
import { TaskChannel } from './channel.js';
import { claim, heartbeat } from './claim.js';
import { complete, findResult, findResultMessage, type FoundResult } from './completion.js';
import type { Life, TaskLifeEvents, TaskLifeSettings } from './context.js';
import { isFleet } from './context.js';
import { handBack } from './hand-back.js';
import { offer } from './offer.js';
import { poll, sweep } from './poll.js';
import { purge } from './purge.js';
import { MarkReader, type TaskView, type ThreadView } from './reading.js';
import { claimThreadName } from './names.js';
import { requeue } from './requeue.js';
import { cancel, type CancelOutcome, type Canceller } from './cancel.js';
import { follow, survey, type Followed, type QueueSurvey } from './state.js';

/** The protocol, with the state a process keeps between calls (last poll, its own claims' fences, a claim pause). */
export class TaskLife extends EventEmitter<TaskLifeEvents> implements Life {
  readonly channel: TaskChannel;
  readonly authorizer: Authorizer | undefined;
  readonly marks: MarkReader;
  readonly settings: TaskLifeSettings;
  #views = new Map<string, TaskView>();
  readonly #offered = new Map<string, TaskView>();
  #inFlight: TaskView[] = [];
  #polledAt = Number.NEGATIVE_INFINITY;
  readonly #fences = new Map<string, number>();
  #hold: ClaimHold | null = null;

  constructor(channel: TaskChannel, authorizer: Authorizer | undefined, settings: TaskLifeSettings) {
    super();
    this.channel = channel;
    this.authorizer = authorizer;
    this.settings = settings;
    this.marks = new MarkReader(channel, (u) => isFleet(this, u));
  }

  view(messageId: string): TaskView | undefined {
    return this.#views.get(messageId) ?? this.#offered.get(messageId);
  }

  remember(view: TaskView): void {
    this.#offered.set(view.message.id, view);
    // Only the latest few matter: each is claimed (or dropped) right after it is offered.
    while (this.#offered.size > 100) this.#offered.delete(this.#offered.keys().next().value!);
  }

  fenced(messageId: string, at: number): void {
    this.#fences.set(messageId, at);
  }

  fencedAt(messageId: string): number | undefined {
    return this.#fences.get(messageId);
  }

  hold(detail: string, until: number): void {
    this.#hold = { status: 'THROTTLED', detail, until };
  }

  held(): boolean {
    return this.claimHold() !== null;
  }

  /** Why claims are paused, or null. */
  claimHold(): ClaimHold | null {
    if (this.#hold && this.settings.now() >= (this.#hold.until ?? 0)) this.#hold = null;
    return this.#hold;
  }

  /** 5. Tasks waiting now, oldest first. */
  async poll(): Promise<Task[]> {
    const reading = await poll(this);
    this.#views = reading.views;
    this.#inFlight = reading.inFlight;
    this.#polledAt = this.settings.now();
    return reading.tasks;
  }

  /** 5b. A pushed task message: the task if a poll would offer it, else null. */
  offer(payload: unknown): Promise<Task | null> {
    return offer(this, payload);
  }

  /** 1. */
  claim(task: Task, workerId: string): Promise<Claim | null> {
    return claim(this, task, workerId);
  }

  /** 2. */
  heartbeat(claimed: Claim, progress: string): Promise<void> {
    return heartbeat(this, claimed, progress);
  }

  /** 3. */
  async complete(claimed: Claim, report: TaskReport, options?: CompleteOptions): Promise<Completion> {
    const done = await complete(this, claimed, report, options);
    this.#fences.delete(claimed.task.messageId);
    return done;
  }

  /** 4, by the holder (or its manager): the claim's own thread. */
  async handBack(claimed: Claim, reason: string): Promise<HandBack> {
    // The holder's own claim thread; if it was closed meanwhile, the fence edit or the PATCH says so.
    const thread: ThreadView = {
      id: claimed.task.messageId,
      name: claimThreadName(claimed.workerId, claimed.task.id),
      ownerId: '',
      fleetOwned: true,
      archived: false,
      locked: false,
    };
    const result = await handBack(this, {
      task: claimed.task,
      thread,
      reason,
      caller: 'holder',
      actor: claimed.workerId,
      ...(claimed.handle ? { progressId: claimed.handle } : {}),
    });
    this.#fences.delete(claimed.task.messageId);
    return result;
  }

  /** 6. Uses the last poll's claims in flight when it is recent, else polls first. */
  async sweep(): Promise<SweptTask[]> {
    if (this.settings.now() - this.#polledAt > this.settings.leaseMs / 6) await this.poll();
    return sweep(this, this.#inFlight);
  }

  /** 7. */
  requeue(taskId: string): Promise<Requeued> {
    return requeue(this, taskId);
  }

  /** 9. The waiting tasks (every message with `all`), deleted; their task ids. */
  purge(options?: { all?: boolean }): Promise<string[]> {
    return purge(this, options);
  }

  /** 8. */
  cancel(taskId: string, by: Canceller): Promise<CancelOutcome> {
    return cancel(this, taskId, by);
  }

  /** Where a task is now: the state of its live copy (read-only). */
  follow(taskId: string): Promise<Followed> {
    return follow(this, taskId);
  }

  /** Every task of the queue's recent pages with its state (read-only; pages as a poll reads them). */
  survey(): Promise<QueueSurvey> {
    return survey(this);
  }

  /** The result message text for a task id, or null. */
  findResult(taskId: string): Promise<string | null> {
    return findResult(this, taskId);
  }

  findResultMessage(taskId: string): Promise<FoundResult | null> {
    return findResultMessage(this, taskId);
  }
}
