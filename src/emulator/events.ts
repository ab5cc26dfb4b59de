/**
 * The event feed for test harnesses: every committed `/api` write, in commit order, with the answer status actually
 * sent. An event is listed as soon as the write commits (`status: null` until its answer goes out), so a harness can
 * act between the commit and the answer (e.g. while a fault rule with `timing: 'after'` holds the answer back).
 * Bounded: only the newest `capacity` events are kept.
 */
import type { StoredChannel, StoredUser } from './models.js';
import type { Route, RouteResult } from './router.js';

/** One committed write. */
export interface EmulatorEvent {
  /** 1, 2, 3, … in commit order; never reused (not even after a reseed). */
  seq: number;
  /** Commit time, ISO 8601. */
  time: string;
  method: string;
  /** Route template, e.g. `POST /channels/{channel_id}/messages`. */
  route: string;
  /** The channel or thread in the path. */
  channelId?: string;
  /** The message created, edited, deleted or reacted to (or the thread's starter message). */
  messageId?: string;
  /** The thread written in, edited, deleted or created. */
  threadId?: string;
  /** The emoji of a reaction route. */
  emoji?: string;
  /** The `nonce` of a created message. */
  nonce?: string | number;
  /** The requesting user's id and name (bots: `worker-1`, `submitter`, …). */
  authorId: string;
  authorName: string;
  /** The answer actually sent: its HTTP status, `dropped` (connection destroyed), or `null` while held back. */
  status: number | 'dropped' | null;
}

/** A page of events. */
export interface EventPage {
  events: EmulatorEvent[];
  /** The newest seq so far (0 when none): pass it as `after` to wait for the next ones. */
  lastSeq: number;
  /** The oldest seq still kept; events before it were dropped (bounded memory). */
  oldestSeq: number;
  /** More events after this page (`limit` reached). */
  hasMore: boolean;
}

/** Default number of events kept. */
export const DEFAULT_EVENT_CAPACITY = 10_000;

/** The bounded, ordered event log with long-poll waiting. */
export class EventLog {
  readonly #capacity: number;
  #events: EmulatorEvent[] = [];
  #lastSeq = 0;
  #waiters = new Set<() => void>();

  constructor(capacity = DEFAULT_EVENT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new TypeError(`Expected \`capacity\` to be an integer >= 1, got \`${String(capacity)}\``);
    this.#capacity = capacity;
  }

  /** Append a committed write; returns the stored event (its `status` is set when the answer goes out). */
  append(init: Omit<EmulatorEvent, 'seq' | 'time' | 'status'>): EmulatorEvent {
    const event: EmulatorEvent = {
      seq: ++this.#lastSeq,
      time: new Date().toISOString(),
      ...init,
      status: null,
    };
    this.#events.push(event);
    if (this.#events.length > this.#capacity) this.#events.splice(0, this.#events.length - this.#capacity);
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
    return event;
  }

  /** Events with `seq > after`, oldest first, at most `limit`. */
  since(after: number, limit = 1000): EventPage {
    const oldestSeq = this.#events[0]?.seq ?? this.#lastSeq + 1;
    const start = Math.max(0, Math.floor(after) - oldestSeq + 1);
    const slice = this.#events.slice(start, start + limit);
    return {
      events: slice.map((e) => ({ ...e })),
      lastSeq: this.#lastSeq,
      oldestSeq,
      hasMore: start + limit < this.#events.length,
    };
  }

  /** Resolve once an event with `seq > after` exists, or after `waitMs`. */
  async wait(after: number, waitMs: number): Promise<void> {
    if (this.#lastSeq > after || waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, waitMs);
      this.#waiters.add(wake);
    });
  }

  /** Forget the kept events (seq numbers keep growing). */
  clear(): void {
    this.#events = [];
  }

  /** Wake every waiter (on shutdown). */
  close(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/** Whether a successful answer of `route` is a committed write. */
export function isWrite(route: Route, result: RouteResult): boolean {
  return (route.write ?? route.method !== 'GET') && result.committed !== false && result.status < 300;
}

/** The event of a committed write. `target` is the path's channel as it was before the write. */
export function describeWrite(init: {
  method: string;
  routeKey: string;
  params: Record<string, string>;
  result: RouteResult;
  user: StoredUser;
  target: StoredChannel | undefined;
}): Omit<EmulatorEvent, 'seq' | 'time' | 'status'> {
  const { params, routeKey } = init;
  const body = (init.result.body ?? {}) as { id?: unknown; nonce?: unknown };
  const event: Omit<EmulatorEvent, 'seq' | 'time' | 'status'> = {
    method: init.method,
    route: routeKey,
    authorId: init.user.id,
    authorName: init.user.username,
  };
  if (params.channel_id) event.channelId = params.channel_id;
  if (params.emoji) event.emoji = params.emoji;
  const createsMessage = routeKey === 'POST /channels/{channel_id}/messages';
  const createsThread = routeKey.endsWith('/messages/{message_id}/threads');
  if (params.message_id) event.messageId = params.message_id;
  else if (createsMessage && typeof body.id === 'string') event.messageId = body.id;
  if (createsThread && typeof body.id === 'string') event.threadId = body.id;
  else if (init.target?.thread) event.threadId = init.target.id;
  if (createsMessage && (typeof body.nonce === 'string' || typeof body.nonce === 'number'))
    event.nonce = body.nonce;
  return event;
}
