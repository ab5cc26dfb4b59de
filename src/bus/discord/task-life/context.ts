/**
 * What every step of the task protocol shares: the channel calls, who is the fleet and who may submit, the
 * settings, the clocks, and where events go.
 */
import type { HandBack } from '../../bus.js';
import type { GiveUpReport } from '../../give-up.js';
import type { Authorizer } from '../authorization.js';
import type { TaskChannel } from './channel.js';
import type { MarkReader, TaskView } from './reading.js';

/** Events of the task protocol (the DiscordBus re-emits them). */
export interface TaskLifeEvents {
  /** A task whose author may not submit was refused (🚫). `how` says how to run it later. */
  rejected: [info: { messageId: string; authorId: string; taskId: string; how: string }];
  /** A claim attempt lost (or was deferred). */
  lost: [
    info: {
      taskId: string;
      reason:
        'taken' | 'rate-limited' | 'thread-cap' | 'unconfirmed' | 'not-live' | 'refused' | 'gave-up' | 'done';
    },
  ];
  /**
   * A message whose text came back empty: the bot most likely lacks the Message Content intent (Discord blanks
   * other users' messages for it). Skipped, never run with an empty prompt.
   */
  unreadable: [info: { messageId: string; authorId: string }];
  /** A thread opened on a task by someone who is not a fleet bot was handed back (or the task refused). */
  foreign: [info: { taskId: string; ownerId: string; result: HandBack }];
  /** An allowed person's 🛑 cancelled a task (or found it finished or cancelled already). */
  cancelled: [info: { taskId: string; by: string; byId: string; outcome: CancelOutcome }];
  /** A retry copy that is not the live one was marked ♻️. */
  duplicate: [info: { taskId: string; copyOf: string; why: string }];
  /** Prefixed diagnostic text. */
  debug: [message: string];
}

/** Settings of the protocol. */
export interface TaskLifeSettings {
  taskQueueChannel: string;
  resultsChannel?: string;
  workerPoolChannel?: string;
  /** Runs per task; a copy whose retry number reaches it is reported FAILED instead of run. */
  maxAttempts: number;
  /** Silence after which a claim counts as abandoned. */
  leaseMs: number;
  /** A live retry copy is claimable only once it is this old. */
  retrySettleMs: number;
  /** Pages of 100 messages a poll reads at most. */
  maxPollPages: number;
  /** Who this process is when it claims or hands back on its own behalf (thread names, FAILED reports). */
  actor: string;
  /** Wall clock (compared with Discord's timestamps). */
  now: () => number;
  /** Monotonic clock (the claim holder's own margins). */
  monotonic: () => number;
  /** Builds the FAILED report of a task out of attempts. */
  giveUp: GiveUpReport;
  /** Downloads an attachment (retry copies re-upload them). */
  download: (url: string) => Promise<Buffer>;
}

/** The shared state of one protocol instance. */
export interface Life {
  readonly channel: TaskChannel;
  readonly authorizer: Authorizer | undefined;
  readonly marks: MarkReader;
  readonly settings: TaskLifeSettings;
  /** Emit a protocol event. */
  emit<E extends keyof TaskLifeEvents>(event: E, ...args: TaskLifeEvents[E]): void;
  /** The last poll's (or offer's) reading of a message, if it saw it. */
  view(messageId: string): TaskView | undefined;
  /** Keep a reading of a message (an offered task) for the claim that follows. */
  remember(view: TaskView): void;
  /** Remember when a claim this process holds was won or last fenced (monotonic ms), by task message id. */
  fenced(messageId: string, at: number): void;
  /** When a claim this process holds was won or last fenced, if known. */
  fencedAt(messageId: string): number | undefined;
  /** Note that claims are paused until `until` (a long rate limit, the active-thread cap). */
  hold(detail: string, until: number): void;
  /** True while claims are paused. */
  held(): boolean;
}

/** True when a user is a fleet bot (false without an authorizer: a submit-only bus knows no fleet). */
export async function isFleet(life: Life, userId: string): Promise<boolean> {
  return life.authorizer ? life.authorizer.isFleetBot(userId) : false;
}

/**
 * True when the origin author may submit (false without an authorizer). `memberRoles`: the author's roles as Discord
 * sent them with the message, when known (pushed messages), which saves a member look-up.
 */
export async function mayRun(
  life: Life,
  authorId: string,
  memberRoles?: readonly string[],
): Promise<boolean> {
  return life.authorizer ? life.authorizer.isAllowed(authorId, memberRoles) : false;
}

/** Who cancels a task. */
export interface Canceller {
  /** One word, shown in the result and the thread's name: a user name, `operator`. */
  name: string;
  /** How, finishing "Cancelled …" in the result: `with a 🛑 reaction`, `with dorch cancel on build-box`. */
  how: string;
}

/** What a cancel (`cancel.ts`) did. */
export type CancelOutcome =
  /** Cancelled: `taskId` is the copy that was live (the one the CANCELLED result names). */
  | { action: 'cancelled'; taskId: string; was: 'waiting' | 'running'; worker?: string }
  /** It was cancelled before (by `by`). */
  | { action: 'already'; taskId: string; by: string }
  /** It finished first: its own result counts (`outcome` null while that result is not in `#results` yet). */
  | { action: 'finished'; taskId: string; outcome: 'SUCCESS' | 'FAILED' | 'CANCELLED' | null };
