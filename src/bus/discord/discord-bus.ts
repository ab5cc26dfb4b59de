/**
 * `DiscordBus`: the task queue on Discord channels, over `@discordjs/rest`.
 *
 * - a task is a message in `#task-queue`;
 * - a claim is a thread created from that message: Discord allows one per message, so the second creator gets
 *   400/160004 and loses (reactions cannot do this: every bot's ✅ gets 204);
 * - progress is a message in the thread, edited as the heartbeat;
 * - a report is a message in `#results` plus a short form in the thread, a mark on the task, the thread archived.
 */
import { EventEmitter } from 'node:events';
import type { REST } from '@discordjs/rest';
import {
  Routes,
  ThreadAutoArchiveDuration,
  type APIChannel,
  type APIThreadChannel,
  type APIMessage,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord-api-types/v10';
import type {
  AbandonedClaim,
  Bus,
  Claim,
  ReportFile,
  Submitted,
  SubmitOptions,
  TaskReport,
  WorkerStatus,
} from '../bus.js';
import { discordTaskId, type Task } from '../../task/task.js';
import { buildTaskText } from '../../task/tags.js';
import { formatStatus } from '../../task/format.js';
import { BusUnavailableError, DiscordApiError, LeaseLostError, RateLimitedError } from '../../lib/errors.js';
import { createRest } from './rest.js';
import { channelPages } from './pages.js';
import {
  Marks,
  claimThreadName,
  compareSnowflakes,
  isCandidate,
  isInFlight,
  toTask,
} from './task-messages.js';

export { Marks, claimThreadName, compareSnowflakes } from './task-messages.js';
import { DiscordCode, hasDiscordCode, toBusError } from './errors.js';
import type { Authorizer } from './authorization.js';

/** Events a DiscordBus emits instead of logging. */
export interface DiscordBusEvents {
  /** A message from an author who may not submit was seen and marked 🚫. */
  rejected: [info: { messageId: string; authorId: string }];
  /** A claim attempt lost the race (or was deferred by a long rate limit). */
  lost: [info: { taskId: string; reason: 'taken' | 'rate-limited' | 'unconfirmed' }];
  /**
   * A message whose text came back empty: the bot most likely lacks the Message Content intent (Discord blanks
   * other users' messages for it). Skipped, never run with an empty prompt.
   */
  unreadable: [info: { messageId: string; authorId: string }];
  /** Prefixed diagnostic text. */
  debug: [message: string];
}

/** Options for {@link DiscordBus}. */
export interface DiscordBusOptions {
  /** API base without version. */
  apiUrl: string;
  /** The token this bus acts as (a worker's, or the submitter's for `submit`). */
  token: string;
  taskQueueChannel: string;
  resultsChannel?: string;
  workerPoolChannel?: string;
  /** Who may submit; required for `poll`. */
  authorizer?: Authorizer;
  /**
   * Pages of 100 messages `poll` reads at most. Paging stops early at a page with nothing claimable, so in
   * steady state a poll is one request.
   * @defaultValue 5
   */
  maxPollPages?: number;
  /**
   * A retry message (`[retry:n] [origin:…]`) is claimable only once it is this old, so that when two sweepers
   * requeued the same task at the same moment both copies are visible and only the lowest id (the canonical
   * one) is run.
   * @defaultValue 5000
   */
  retrySettleMs?: number;
  /** Injected clock. @defaultValue Date.now */
  now?: () => number;
  /** Injected REST client (tests); default built from apiUrl and token. */
  rest?: REST;
  /** Separate client for thread creation, without internal retries, so a 160004 always means another worker. */
  claimRest?: REST;
}

interface ClaimState {
  threadName: string;
  progressMessageId?: string;
}

/** The Discord implementation of {@link Bus}. */
export class DiscordBus extends EventEmitter<DiscordBusEvents> implements Bus {
  readonly name = 'discord';
  readonly #rest: REST;
  readonly #claimRest: REST;
  readonly #options: DiscordBusOptions;
  readonly #claims = new Map<string, ClaimState>();
  /** Claimed, unfinished task messages seen by the last poll: what a sweeper checks. */
  #inFlight: APIMessage[] = [];
  #closed = false;

  constructor(options: DiscordBusOptions) {
    super();
    if (!/^\d+$/.test(options.taskQueueChannel))
      throw new TypeError(
        `Expected \`taskQueueChannel\` to be a channel id, got \`${options.taskQueueChannel}\``,
      );
    this.#options = options;
    this.#rest = options.rest ?? createRest({ apiUrl: options.apiUrl, token: options.token });
    this.#claimRest =
      options.claimRest ?? createRest({ apiUrl: options.apiUrl, token: options.token, retries: 0 });
  }

  /** The underlying REST client (for commands that need plain reads, like `doctor`). */
  get rest(): REST {
    return this.#rest;
  }

  async submit(text: string, options: SubmitOptions = {}): Promise<Submitted> {
    const message = await this.#post(this.#options.taskQueueChannel, { content: text }, options.files);
    return { taskId: discordTaskId(message.id), messageId: message.id, via: 'discord' };
  }

  async poll(): Promise<Task[]> {
    const authorizer = this.#options.authorizer;
    if (!authorizer) throw new TypeError('DiscordBus.poll needs an `authorizer` option');
    const maxPages = this.#options.maxPollPages ?? 5;
    const found: Task[] = [];
    const inFlight: APIMessage[] = [];
    this.#assertOpen();
    for await (const messages of channelPages(this.#rest, this.#options.taskQueueChannel, { maxPages })) {
      let claimable = 0;
      for (const message of messages) {
        if (isInFlight(message)) inFlight.push(message);
        if (!isCandidate(message)) continue;
        if (!(await authorizer.isAllowed(message.author.id))) {
          await this.#reject(message);
          continue;
        }
        if (message.content.trim() === '' && message.attachments.length === 0) {
          this.emit('unreadable', { messageId: message.id, authorId: message.author.id });
          continue;
        }
        claimable++;
        found.push(toTask(message));
      }
      // Older pages hold only finished work once a whole page has nothing claimable: stop reading there.
      if (claimable === 0) break;
    }
    this.#inFlight = inFlight;
    // Oldest first; snowflakes compare as BigInt (string length differs across eras).
    found.sort((a, b) => compareSnowflakes(a.messageId, b.messageId));
    return this.#canonical(found);
  }

  /**
   * Drop retry copies that are not canonical: per (origin, retry) only the lowest message id runs, and only once
   * it has settled. Later copies are marked ♻️ so nobody considers them again.
   */
  async #canonical(tasks: Task[]): Promise<Task[]> {
    const now = (this.#options.now ?? Date.now)();
    const settleMs = this.#options.retrySettleMs ?? 5000;
    const seen = new Set<string>();
    const out: Task[] = [];
    for (const task of tasks) {
      if (task.retry === 0 || !task.origin) {
        out.push(task);
        continue;
      }
      const key = `${task.origin}#${task.retry}`;
      if (seen.has(key)) {
        await this.#react(this.#options.taskQueueChannel, task.messageId, Marks.duplicate).catch(
          (e: unknown) => this.#debug('duplicate mark', e),
        );
        continue;
      }
      seen.add(key);
      if (now - Date.parse(task.submittedAt) >= settleMs) out.push(task);
    }
    return out;
  }

  async findAbandoned(options: { leaseMs: number; now: number }): Promise<AbandonedClaim[]> {
    const abandoned: AbandonedClaim[] = [];
    for (const message of this.#inFlight) {
      const thread = message.thread!;
      const lastBeat = await this.#lastHeartbeat(thread);
      const silentForMs = options.now - lastBeat;
      if (silentForMs <= options.leaseMs) continue;
      const owner = 'name' in thread && thread.name ? thread.name.split(' · ')[0]! : 'unknown worker';
      abandoned.push({
        claim: { task: toTask(message), workerId: owner, handle: thread.id, claimedAt: lastBeat },
        silentForMs,
      });
    }
    return abandoned;
  }

  /** When the claim's holder last showed life: its progress message's last edit, else the thread's creation. */
  async #lastHeartbeat(thread: APIThreadChannel | APIChannel): Promise<number> {
    const messages = (await this.#call('GET', '/channels/:id/messages', () =>
      this.#rest.get(Routes.channelMessages(thread.id), {
        query: new URLSearchParams({ after: thread.id, limit: '1' }),
      }),
    )) as APIMessage[];
    const progress = messages[0];
    if (progress) return Date.parse(progress.edited_timestamp ?? progress.timestamp);
    const meta = 'thread_metadata' in thread ? thread.thread_metadata : undefined;
    return Date.parse(meta?.create_timestamp ?? meta?.archive_timestamp ?? new Date(0).toISOString());
  }

  async claim(task: Task, workerId: string): Promise<Claim | null> {
    const threadName = claimThreadName(workerId, task.id);
    const queue = this.#options.taskQueueChannel;
    let thread: APIChannel;
    try {
      thread = (await this.#claimRest.post(Routes.threads(queue, task.messageId), {
        body: { name: threadName, auto_archive_duration: ThreadAutoArchiveDuration.OneDay },
      })) as APIChannel;
    } catch (raw) {
      const error = toBusError(raw, 'POST', '/channels/:id/messages/:id/threads');
      if (hasDiscordCode(error, DiscordCode.ThreadAlreadyCreated)) {
        this.emit('lost', { taskId: task.id, reason: 'taken' });
        return null;
      }
      if (error instanceof RateLimitedError) {
        this.emit('lost', { taskId: task.id, reason: 'rate-limited' });
        return null;
      }
      if (error instanceof DiscordApiError) throw error;
      // Timeout or 5xx: the create may have happened anyway. Ask Discord who owns the thread.
      if (!(await this.#ownsThread(task.messageId, threadName))) {
        this.emit('lost', { taskId: task.id, reason: 'unconfirmed' });
        return null;
      }
      thread = { id: task.messageId } as APIChannel;
    }
    const claim: Claim = { task, workerId, handle: thread.id, claimedAt: Date.now() };
    this.#claims.set(claim.handle, { threadName });
    // The claim is won; the marks below are for people. A failure here must not lose the task.
    await this.#react(queue, task.messageId, Marks.claimed).catch((e: unknown) =>
      this.#debug('claim mark', e),
    );
    const progress = await this.#post(claim.handle, {
      content: `⏳ Claimed by **${workerId}**; starting…`,
    }).catch((e: unknown) => this.#debug('progress message', e));
    if (progress) this.#claims.get(claim.handle)!.progressMessageId = progress.id;
    return claim;
  }

  async heartbeat(claim: Claim, progress: string): Promise<void> {
    const state = this.#claims.get(claim.handle);
    if (!state?.progressMessageId) {
      const message = await this.#post(claim.handle, { content: progress });
      this.#claims.set(claim.handle, { threadName: state?.threadName ?? '', progressMessageId: message.id });
      return;
    }
    try {
      await this.#call('PATCH', '/channels/:id/messages/:id', () =>
        this.#rest.patch(Routes.channelMessage(claim.handle, state.progressMessageId!), {
          body: { content: progress, allowed_mentions: { parse: [] } },
        }),
      );
    } catch (error) {
      // The claim thread was archived under us: a sweeper took this task for abandoned and requeued it.
      if (
        hasDiscordCode(error, DiscordCode.ThreadArchived) ||
        hasDiscordCode(error, DiscordCode.ThreadLocked)
      )
        throw new LeaseLostError(`the claim on ${claim.task.id} was released by another worker`, {
          cause: error,
        });
      throw error;
    }
  }

  /**
   * Idempotent: every step is safe to repeat (posts carry a nonce with `enforce_nonce`, reactions and the archive
   * are PUT/PATCH), so an outbox may call it again after a failure.
   */
  async complete(claim: Claim, report: TaskReport): Promise<void> {
    const id = claim.task.messageId;
    if (this.#options.resultsChannel) {
      await this.#post(
        this.#options.resultsChannel,
        { content: report.content, nonce: `r${id}` },
        report.files,
      );
    }
    await this.#post(claim.handle, { content: report.summary, nonce: `s${id}` }).catch((e: unknown) =>
      this.#tolerateArchived(e),
    );
    await this.#react(
      this.#options.taskQueueChannel,
      id,
      report.outcome === 'SUCCESS' ? Marks.done : Marks.failed,
    );
    await this.#archive(claim.handle);
    this.#claims.delete(claim.handle);
  }

  async publish(report: TaskReport, key: string): Promise<void> {
    if (!this.#options.resultsChannel) return;
    // Discord nonces are at most 25 characters: keep the key's digits.
    const nonce = `p${key.replace(/\D/g, '').slice(-24)}`;
    await this.#post(this.#options.resultsChannel, { content: report.content, nonce }, report.files);
  }

  async release(claim: Claim, reason: string): Promise<void> {
    const task = claim.task;
    // Someone (a sweeper) may have handed this task back already: never requeue it twice.
    const thread = (await this.#call('GET', '/channels/:id', () =>
      this.#rest.get(Routes.channel(claim.handle)),
    )) as APIChannel;
    if ('thread_metadata' in thread && thread.thread_metadata?.archived)
      throw new LeaseLostError(`${task.id} was already handed back (its claim thread is archived)`);
    const text = buildTaskText({
      prompt: task.prompt,
      model: task.model,
      thinking: task.thinking,
      retry: task.retry + 1,
      origin: task.origin ?? task.id,
    });
    const files = await this.#downloadAttachments(task).catch(() => []);
    const requeued = await this.#post(
      this.#options.taskQueueChannel,
      {
        content: text,
        nonce: `q${task.messageId}`,
        message_reference: { message_id: task.messageId, fail_if_not_exists: false },
      },
      files,
    );
    await this.#post(claim.handle, {
      content: `↩️ Released by ${claim.workerId}: ${reason}. Requeued as ${discordTaskId(requeued.id)}.`,
      nonce: `n${task.messageId}`,
    }).catch((e: unknown) => this.#tolerateArchived(e));
    await this.#react(this.#options.taskQueueChannel, task.messageId, Marks.released).catch((e: unknown) =>
      this.#debug('release mark', e),
    );
    await this.#archive(claim.handle);
    this.#claims.delete(claim.handle);
  }

  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    if (!this.#options.workerPoolChannel) return;
    await this.#post(this.#options.workerPoolChannel, { content: formatStatus(workerId, status, detail) });
  }

  async findResult(taskId: string): Promise<string | null> {
    const channel = this.#options.resultsChannel;
    if (!channel) return null;
    this.#assertOpen();
    const needle = `] ${taskId} by `;
    for await (const messages of channelPages(this.#rest, channel, { maxPages: 5 })) {
      const hit = messages.find((m) => m.content.includes(needle));
      if (hit) return hit.content;
    }
    return null;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#claims.clear();
    this.removeAllListeners();
  }

  // --- helpers -------------------------------------------------------------------------------------------

  /** Post a message with mentions disabled (an agent's output must never ping anyone). */
  async #post(
    channelId: string,
    body: RESTPostAPIChannelMessageJSONBody,
    files: ReportFile[] = [],
  ): Promise<APIMessage> {
    const payload: RESTPostAPIChannelMessageJSONBody = {
      ...body,
      allowed_mentions: { parse: [] },
      ...(body.nonce ? { enforce_nonce: true } : {}),
    };
    return (await this.#call('POST', '/channels/:id/messages', () =>
      this.#rest.post(Routes.channelMessages(channelId), {
        body: payload,
        files: files.map((f) => ({ name: f.name, data: f.data })),
      }),
    )) as APIMessage;
  }

  async #react(channelId: string, messageId: string, emoji: string): Promise<void> {
    await this.#call('PUT', '/channels/:id/messages/:id/reactions/:emoji/@me', () =>
      this.#rest.put(Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji))),
    );
  }

  async #archive(threadId: string): Promise<void> {
    await this.#call('PATCH', '/channels/:id', () =>
      this.#rest.patch(Routes.channel(threadId), { body: { archived: true } }),
    ).catch((e: unknown) => this.#tolerateArchived(e));
  }

  /** Mark a disallowed message 🚫 once (any bot's 🚫 counts), so people see why it is not running. */
  async #reject(message: APIMessage): Promise<void> {
    if (message.reactions?.some((r) => r.emoji.name === Marks.rejected)) return;
    this.emit('rejected', { messageId: message.id, authorId: message.author.id });
    await this.#react(this.#options.taskQueueChannel, message.id, Marks.rejected).catch((e: unknown) =>
      this.#debug('reject mark', e),
    );
  }

  /** After an ambiguous create: does the thread on this message carry our claim name? */
  async #ownsThread(messageId: string, threadName: string): Promise<boolean> {
    try {
      const channel = (await this.#rest.get(Routes.channel(messageId))) as APIChannel;
      return 'name' in channel && channel.name === threadName;
    } catch (raw) {
      const error = toBusError(raw, 'GET', '/channels/:id');
      if (hasDiscordCode(error, DiscordCode.UnknownChannel)) return false;
      throw error;
    }
  }

  async #downloadAttachments(task: Task): Promise<ReportFile[]> {
    const files: ReportFile[] = [];
    for (const a of task.attachments) {
      const response = await fetch(a.url);
      if (response.ok) files.push({ name: a.filename, data: Buffer.from(await response.arrayBuffer()) });
    }
    return files;
  }

  #tolerateArchived(error: unknown): void {
    if (hasDiscordCode(error, DiscordCode.ThreadArchived)) return;
    throw error;
  }

  #debug(what: string, error: unknown): undefined {
    this.emit(
      'debug',
      `[discord-bus] ${what} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new BusUnavailableError('bus is closed');
  }

  async #call<T>(method: string, route: string, fn: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    try {
      return await fn();
    } catch (error) {
      throw toBusError(error, method, route);
    }
  }
}
