/**
 * `DiscordBus`: the task queue on Discord channels, over `@discordjs/rest`. A thin adapter: the protocol (states,
 * transitions, who may make them) lives in `task-life/task-life.ts`; this class wires it to the {@link Bus}
 * interface, and adds what is not about one task's life (submitting, status lines, publishing local results).
 */
import { EventEmitter } from 'node:events';
import type { REST } from '@discordjs/rest';
import type {
  Bus,
  Claim,
  ClaimHold,
  CompleteOptions,
  Completion,
  HandBack,
  PushedTask,
  PurgeOptions,
  Requeued,
  SubmitOptions,
  Submitted,
  SweptTask,
} from '../bus.js';
import type { TaskReport, WorkerStatus } from '../../task/report.js';
import { discordTaskId, type Task } from '../../task/task.js';
import { formatStatus } from '../../task/format.js';
import { DEFAULT_LEASE_TIMEOUT_SEC, DEFAULT_MAX_ATTEMPTS } from '../../config/defaults.js';
import { DEFAULT_GIVE_UP_REPORT, type GiveUpReport } from '../give-up.js';
import type { Authorizer } from './authorization.js';
import { createRest } from './rest.js';
import { MEMORY_STATUS_STORE, StatusBoard, type StatusStore } from './status-board.js';
import { TaskChannel } from './task-life/channel.js';
import type { TaskLifeEvents } from './task-life/context.js';
import { TaskLife } from './task-life/task-life.js';
import type { CancelOutcome, Canceller } from './task-life/cancel.js';
import type { Followed, QueueSurvey } from './task-life/state.js';
import type { FoundResult } from './task-life/completion.js';
import type { APIMessage } from 'discord-api-types/v10';

export { Marks, claimThreadName, compareSnowflakes } from './task-life/names.js';
export type { FoundResult } from './task-life/completion.js';

/** Events a DiscordBus emits instead of logging (the protocol's, see `task-life/context.ts`). */
export type DiscordBusEvents = TaskLifeEvents;

/** Options for {@link DiscordBus}. */
export interface DiscordBusOptions {
  /** API base without version. */
  apiUrl: string;
  /** The token this bus acts as (a worker's, or the submitter's for `submit`). */
  token: string;
  taskQueueChannel: string;
  resultsChannel?: string;
  workerPoolChannel?: string;
  /** Who may submit and who is the fleet; required for `poll`, `sweep` and hand-backs. */
  authorizer?: Authorizer;
  /**
   * Runs per task: a copy whose retry number reaches it is reported FAILED instead of run.
   * @defaultValue 3
   */
  maxAttempts?: number;
  /**
   * A claim whose holder has been silent this long is abandoned (the sweep hands it back).
   * @defaultValue 90000
   */
  leaseMs?: number;
  /**
   * Pages of 100 messages `poll` reads at most. Paging stops early at a page with nothing waiting or in flight,
   * so in steady state a poll is one request.
   * @defaultValue 5
   */
  maxPollPages?: number;
  /**
   * A live retry copy is claimable only once it is this old: should Discord ever let two hand-backs rename the same
   * thread, the name has settled by then, and the claimer reads it again after winning.
   * @defaultValue 5000
   */
  retrySettleMs?: number;
  /**
   * Who this process is when it claims or hands back on its own behalf (sweeps, FAILED reports).
   * @defaultValue 'dorch'
   */
  actor?: string;
  /** The FAILED report of a task out of attempts. @defaultValue the task's own model tag */
  giveUp?: GiveUpReport;
  /** Injected wall clock. @defaultValue Date.now */
  now?: () => number;
  /** Injected monotonic clock (ms). @defaultValue performance.now */
  monotonic?: () => number;
  /** Injected download seam (attachments of handed-back tasks). @defaultValue global fetch */
  fetch?: typeof fetch;
  /** Injected REST client (tests); default built from apiUrl and token. */
  rest?: REST;
  /** Separate client for thread creation, without internal retries, so a 160004 always means another worker. */
  claimRest?: REST;
  /**
   * Where each worker's status message id is kept between processes. @defaultValue in memory (each process posts
   * its own status message)
   */
  statusStore?: StatusStore;
  /** Debounce of status writes (see `status-board.ts`). @defaultValue 1500 */
  statusDebounceMs?: number;
}

/** The Discord implementation of {@link Bus}. */
export class DiscordBus extends EventEmitter<DiscordBusEvents> implements Bus {
  readonly name = 'discord';
  readonly #options: DiscordBusOptions;
  readonly #channel: TaskChannel;
  readonly #life: TaskLife;
  readonly #boards = new Map<string, StatusBoard>();
  readonly #statusStore: StatusStore;
  #closed = false;

  constructor(options: DiscordBusOptions) {
    super();
    if (!/^\d+$/.test(options.taskQueueChannel))
      throw new TypeError(
        `Expected \`taskQueueChannel\` to be a channel id, got \`${options.taskQueueChannel}\``,
      );
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new TypeError(`Expected \`maxAttempts\` to be an integer >= 1, got \`${maxAttempts}\``);
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_TIMEOUT_SEC * 1000;
    if (!Number.isFinite(leaseMs) || leaseMs <= 0)
      throw new TypeError(`Expected \`leaseMs\` to be a finite number > 0, got \`${leaseMs}\``);
    this.#options = options;
    this.#statusStore = options.statusStore ?? MEMORY_STATUS_STORE();
    const rest = options.rest ?? createRest({ apiUrl: options.apiUrl, token: options.token });
    const claimRest =
      options.claimRest ?? createRest({ apiUrl: options.apiUrl, token: options.token, retries: 0 });
    this.#channel = new TaskChannel(rest, claimRest, () => !this.#closed);
    const download = options.fetch ?? globalThis.fetch;
    this.#life = new TaskLife(this.#channel, options.authorizer, {
      taskQueueChannel: options.taskQueueChannel,
      resultsChannel: options.resultsChannel,
      workerPoolChannel: options.workerPoolChannel,
      maxAttempts,
      leaseMs,
      retrySettleMs: options.retrySettleMs ?? 5000,
      maxPollPages: options.maxPollPages ?? 5,
      actor: options.actor ?? 'dorch',
      now: options.now ?? Date.now,
      monotonic: options.monotonic ?? (() => performance.now()),
      giveUp: options.giveUp ?? DEFAULT_GIVE_UP_REPORT,
      download: async (url) => {
        const response = await download(url);
        if (!response.ok) throw new Error(`could not download ${url}: HTTP ${response.status}`);
        return Buffer.from(await response.arrayBuffer());
      },
    });
    for (const event of [
      'rejected',
      'lost',
      'unreadable',
      'foreign',
      'duplicate',
      'cancelled',
      'debug',
    ] as const)
      this.#life.on(event, (...args: unknown[]) =>
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      );
  }

  /** The underlying REST client (for commands that need plain reads, like `doctor`). */
  get rest(): REST {
    return this.#channel.rest;
  }

  async submit(text: string, options: SubmitOptions = {}): Promise<Submitted> {
    const message = await this.#channel.post(
      this.#options.taskQueueChannel,
      { content: text, ...(options.nonce ? { nonce: options.nonce } : {}) },
      options.files,
    );
    return { taskId: discordTaskId(message.id), messageId: message.id, via: 'discord' };
  }

  poll(): Promise<Task[]> {
    return this.#life.poll();
  }

  offer(pushed: PushedTask): Promise<Task | null> {
    return this.#life.offer(pushed.payload);
  }

  claim(task: Task, workerId: string): Promise<Claim | null> {
    return this.#life.claim(task, workerId);
  }

  heartbeat(claim: Claim, progress: string): Promise<void> {
    return this.#life.heartbeat(claim, progress);
  }

  complete(claim: Claim, report: TaskReport, options?: CompleteOptions): Promise<Completion> {
    return this.#life.complete(claim, report, options);
  }

  handBack(claim: Claim, reason: string): Promise<HandBack> {
    return this.#life.handBack(claim, reason);
  }

  sweep(): Promise<SweptTask[]> {
    return this.#life.sweep();
  }

  claimHold(): ClaimHold | null {
    return this.#life.claimHold();
  }

  requeue(taskId: string): Promise<Requeued> {
    return this.#life.requeue(taskId);
  }

  purge(options?: PurgeOptions): Promise<string[]> {
    return this.#life.purge(options);
  }

  async publish(report: TaskReport, key: string): Promise<void> {
    if (!this.#options.resultsChannel) return;
    // Discord nonces are at most 25 characters: keep the key's digits.
    const nonce = `p${key.replace(/\D/g, '').slice(-24)}`;
    await this.#channel.post(this.#options.resultsChannel, { content: report.content, nonce }, report.files);
  }

  /**
   * Show a worker's status in its own `#worker-pool` message, edited in place: coalesced, debounced and written in
   * the background (see `status-board.ts`), so it never waits for Discord and never delays a task's requests.
   * RESTARTING is transient: the next process's READY replaces it, so it is written only if it lasts.
   */
  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    const channelId = this.#options.workerPoolChannel;
    if (!channelId || this.#closed) return;
    let board = this.#boards.get(workerId);
    if (!board) {
      board = new StatusBoard({
        channel: this.#channel,
        channelId,
        workerId,
        store: this.#statusStore,
        ...(this.#options.statusDebounceMs !== undefined
          ? { debounceMs: this.#options.statusDebounceMs }
          : {}),
      });
      board.on('warning', (message) => this.emit('debug', `[status] ${workerId}: ${message}`));
      this.#boards.set(workerId, board);
    }
    board.set(formatStatus(workerId, status, detail), status === 'RESTARTING');
  }

  findResult(taskId: string): Promise<string | null> {
    return this.#life.findResult(taskId);
  }

  /** The result message for a task id with its attachments and post time, or null while there is none. */
  findResultMessage(taskId: string): Promise<FoundResult | null> {
    return this.#life.findResultMessage(taskId);
  }

  /**
   * Cancel a task (waiting or running; a handed-back task's live copy): see `task-life/cancel.ts`. Throws
   * `TaskInvalidError` saying why when there is nothing to cancel (refused, not the live copy, no such task).
   */
  cancel(taskId: string, by: Canceller): Promise<CancelOutcome> {
    return this.#life.cancel(taskId, by);
  }

  /** Where a task is now: its live copy's state, read without changing anything. */
  follow(taskId: string): Promise<Followed> {
    return this.#life.follow(taskId);
  }

  /** The queue's recent tasks with their states, read without changing anything. */
  survey(): Promise<QueueSurvey> {
    return this.#life.survey();
  }

  /** Pages (of up to 100 messages) of a channel's history, newest first, at most `maxPages`; stop iterating to stop. */
  history(channelId: string, maxPages: number): AsyncGenerator<APIMessage[]> {
    return this.#channel.pages(channelId, maxPages);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // The last status of each worker is written before the client goes (a transient RESTARTING is not).
    await Promise.all([...this.#boards.values()].map((b) => b.flush()));
    this.#closed = true;
    this.#life.removeAllListeners();
    this.removeAllListeners();
  }
}
