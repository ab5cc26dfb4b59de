/**
 * The task queue as the gateway tells it: new messages in `#task-queue` wait here until a worker takes them, and
 * leave as soon as the gateway says they were claimed (a thread was created from them) or deleted. It is a
 * {@link PushSource}: a keep-alive worker reads it directly, the manager hands its tasks to idle workers.
 *
 * Only a hint: a task taken from here is checked (`Bus.offer`) and claimed (thread creation) like a polled one, so
 * a stale entry costs at most a lost claim. A retry copy waits until it has settled (`retrySettleMs`, as in a poll).
 */
import { EventEmitter } from 'node:events';
import { MessageType, type GatewayMessageCreateDispatchData } from 'discord-api-types/v10';
import type { PushSource, PushedTask } from '../bus.js';
import { discordTaskId } from '../../task/task.js';
import type { TaskGatewayEvents } from './gateway.js';

/** What the feed listens to: a {@link TaskGateway} (or a stand-in in tests). */
export interface FeedSource extends EventEmitter<TaskGatewayEvents> {
  readonly live: boolean;
}

/** Options of {@link TaskFeed}. */
export interface TaskFeedOptions {
  taskQueueChannel: string;
  /** A retry copy is handed out only once it is this old (see `DiscordBusOptions.retrySettleMs`). @defaultValue 5000 */
  retrySettleMs?: number;
  /** Tasks kept at most; the oldest go first (safety polls find them). @defaultValue 1000 */
  maxPending?: number;
  /** Tasks older than this are dropped (safety polls find them). @defaultValue 600000 */
  maxAgeMs?: number;
  /** Wall clock. @defaultValue Date.now */
  now?: () => number;
}

interface Entry {
  pushed: PushedTask;
  /** Not handed out before (epoch ms). */
  notBefore: number;
  postedAt: number;
}

/** Defaults of {@link TaskFeedOptions}. */
export const DEFAULT_TASK_FEED_OPTIONS = {
  retrySettleMs: 5000,
  maxPending: 1000,
  maxAgeMs: 600_000,
  now: Date.now,
} as const satisfies Required<Omit<TaskFeedOptions, 'taskQueueChannel'>>;

// A fleet copy carries `[origin:<id>]`; whether its author really is a fleet bot is checked when it is offered.
const COPY_TAG = /\[\s*origin\s*:/i;

/** Pending pushed tasks of one queue channel. */
export class TaskFeed implements PushSource {
  readonly #o: Required<TaskFeedOptions>;
  readonly #source: FeedSource;
  readonly #pending = new Map<string, Entry>();
  readonly #events = new EventEmitter<{ change: [] }>();
  readonly #detach: (() => void)[] = [];
  #timer: NodeJS.Timeout | null = null;
  #epoch = 0;

  constructor(source: FeedSource, options: TaskFeedOptions) {
    if (!/^\d+$/.test(options.taskQueueChannel))
      throw new TypeError(
        `Expected \`taskQueueChannel\` to be a channel id, got \`${options.taskQueueChannel}\``,
      );
    this.#o = { ...DEFAULT_TASK_FEED_OPTIONS, ...options };
    this.#source = source;
    this.#events.setMaxListeners(0);
    const on = <E extends keyof TaskGatewayEvents>(
      event: E,
      listener: (...args: TaskGatewayEvents[E]) => void,
    ) => {
      source.on(event, listener as never);
      this.#detach.push(() => source.off(event, listener as never));
    };
    on('message', (m) => this.#onMessage(m));
    on('thread', (t) => {
      if (t.parent_id === this.#o.taskQueueChannel) this.forget(discordTaskId(t.id));
    });
    on('deleted', ({ id, channelId }) => {
      if (channelId === this.#o.taskQueueChannel) this.forget(discordTaskId(id));
    });
    on('up', ({ resumed }) => {
      // A new session after a gap: what was posted meanwhile was not pushed; pollers catch up once.
      if (!resumed) this.#epoch++;
      this.#changed();
    });
    on('down', () => this.#changed());
    on('fatal', () => this.#changed());
  }

  get live(): boolean {
    return this.#source.live;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Tasks waiting to be taken (settled or not). */
  get size(): number {
    return this.#pending.size;
  }

  take(): PushedTask | null {
    const now = this.#o.now();
    for (const [id, entry] of this.#pending) {
      if (now - entry.postedAt > this.#o.maxAgeMs) {
        this.#pending.delete(id);
        continue;
      }
      if (entry.notBefore > now) continue;
      this.#pending.delete(id);
      return entry.pushed;
    }
    return null;
  }

  /** Drop a task (it was claimed, by anyone, or deleted). */
  forget(taskId: string): void {
    this.#pending.delete(taskId);
  }

  onChange(listener: () => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  /** Stop listening to the source. */
  close(): void {
    for (const detach of this.#detach.splice(0)) detach();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending.clear();
  }

  #onMessage(message: GatewayMessageCreateDispatchData): void {
    if (message.channel_id !== this.#o.taskQueueChannel) return;
    if (message.type !== MessageType.Default && message.type !== MessageType.Reply) return;
    const taskId = discordTaskId(message.id);
    const postedAt = Date.parse(message.timestamp);
    const at = Number.isFinite(postedAt) ? postedAt : this.#o.now();
    const notBefore = COPY_TAG.test(message.content) ? at + this.#o.retrySettleMs : 0;
    this.#pending.set(taskId, { pushed: { taskId, payload: message }, notBefore, postedAt: at });
    while (this.#pending.size > this.#o.maxPending) this.#pending.delete(this.#pending.keys().next().value!);
    if (notBefore > this.#o.now()) this.#wakeAt(notBefore);
    this.#changed();
  }

  // A settling copy becomes available later: say so then.
  #wakeAt(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    const next = Math.min(
      at,
      ...[...this.#pending.values()].map((e) => e.notBefore).filter((t) => t > this.#o.now()),
    );
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        this.#changed();
        const later = [...this.#pending.values()].map((e) => e.notBefore).filter((t) => t > this.#o.now());
        if (later.length) this.#wakeAt(Math.min(...later));
      },
      Math.max(0, next - this.#o.now()),
    );
    this.#timer.unref();
  }

  #changed(): void {
    this.#events.emit('change');
  }
}
