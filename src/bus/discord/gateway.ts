/**
 * The Discord gateway (push mode): one `@discordjs/ws` session that hears new task messages as they are posted,
 * instead of waiting for the next poll. It only wakes workers: a claim is still a thread creation over REST, and
 * polling stays the fallback while the gateway is down.
 *
 * Rules it keeps ([gw] in `reference/discord-api.md` §6):
 * - **IDENTIFY is scarce**: 1000 per bot per day, and Discord resets the token when they run out. So a gateway
 *   session lives in a long-lived process only (the manager, or a keep-alive worker), `start()` refuses to identify
 *   when `GET /gateway/bot` says fewer than `reserveSessionStarts` are left, and after `maxIdentifiesPerDay` new
 *   sessions in 24 h (a flapping network) it stops and says so. Resumes cost nothing and are what drops lead to.
 * - Intents: Guilds (thread events), GuildMessages (message events) and MessageContent (the task text).
 * - Close codes go through `close-codes.ts`: a fatal one (4004 bad token, 4014 disallowed intents) ends push mode
 *   with a message naming the token's config key and the fix; everything else is resumed or reconnected by
 *   `@discordjs/ws`, and `down`/`up` events say when.
 * - Its own session store (`@discordjs/ws` keeps one per module otherwise, so two managers in one process would
 *   resume each other's sessions), an `error` listener (an unhandled one would throw), and the token kept out of
 *   every event and message.
 */
import { EventEmitter } from 'node:events';
import type { REST } from '@discordjs/rest';
import {
  WebSocketManager,
  WebSocketShardEvents,
  type IIdentifyThrottler,
  type SessionInfo,
  type WebSocketManagerOptions,
} from '@discordjs/ws';
import {
  GatewayDispatchEvents,
  GatewayIntentBits,
  type APIGatewayBotInfo,
  type GatewayDispatchPayload,
  type GatewayMessageCreateDispatchData,
  type GatewayThreadCreateDispatchData,
} from 'discord-api-types/v10';
import { BusUnavailableError, ConfigError, errorMessage } from '../../lib/errors.js';
import { closeMeaning, describeFatalClose } from './close-codes.js';
import { toBusError } from './errors.js';
import { GatewayShards } from './gateway-strategy.js';

/** How long close() waits for the gateway client's own destroy (see `#destroy`). */
const DESTROY_WAIT_MS = 3_000;

/** The intents push mode needs: thread events, message events, and the message text. */
export const GATEWAY_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent;

/** Events of a {@link TaskGateway}. */
export interface TaskGatewayEvents {
  /** A message was posted in a channel the bot can see (the full object, with `member` in a guild). */
  message: [message: GatewayMessageCreateDispatchData];
  /** A thread was created (for a thread started from a message, its id is the message's id). */
  thread: [thread: GatewayThreadCreateDispatchData];
  /** A message was deleted. */
  deleted: [info: { id: string; channelId: string }];
  /** Events flow: a new session (READY, `resumed` false) or a resumed one. */
  up: [info: { resumed: boolean }];
  /** The connection closed; `@discordjs/ws` is reconnecting (events may be missed until the next `up`). */
  down: [info: { code: number; meaning: string }];
  /** Push mode ended for good (a fatal close code, the identify budget): the error says why and what to do. */
  fatal: [error: Error];
  /** Diagnostics, prefixed `[gateway]`, without the token. */
  debug: [message: string];
}

/** Options of {@link TaskGateway}. */
export interface TaskGatewayOptions {
  /** The bot token the session identifies with. */
  token: string;
  /** The config key holding that token (`WORKER1_TOKEN`), named in error messages. */
  tokenKey: string;
  /** REST client for `GET /gateway/bot` (the same bot). */
  rest: REST;
  /** @defaultValue {@link GATEWAY_INTENTS} */
  intents?: number;
  /**
   * Do not identify when fewer session starts than this are left for the day (`session_start_limit.remaining`):
   * running out resets the bot's token.
   * @defaultValue 20
   */
  reserveSessionStarts?: number;
  /**
   * Stop push mode after this many new sessions (IDENTIFYs) by this process within 24 h.
   * @defaultValue 100
   */
  maxIdentifiesPerDay?: number;
  /**
   * Spacing of IDENTIFYs. @defaultValue `@discordjs/ws`'s own (Discord's rule: one per 5 s per `max_concurrency` key)
   */
  identifyThrottler?: IIdentifyThrottler;
  /** Wait between tries while Discord cannot be reached at start. @defaultValue 30000 */
  retryMs?: number;
  /** Wall clock. @defaultValue Date.now */
  now?: () => number;
  /** The WebSocket manager seam (tests). @defaultValue `new WebSocketManager(options)` */
  createManager?: (
    options: Partial<WebSocketManagerOptions> & Pick<WebSocketManagerOptions, 'rest'>,
  ) => WebSocketManager;
}

/** Defaults of {@link TaskGatewayOptions}. */
export const DEFAULT_TASK_GATEWAY_OPTIONS = {
  intents: GATEWAY_INTENTS,
  reserveSessionStarts: 20,
  maxIdentifiesPerDay: 100,
  retryMs: 30_000,
} as const satisfies Partial<TaskGatewayOptions>;

const DAY_MS = 86_400_000;

/** One gateway session for push mode. `start()` once; `close()` is idempotent. */
export class TaskGateway extends EventEmitter<TaskGatewayEvents> {
  readonly #o: TaskGatewayOptions & typeof DEFAULT_TASK_GATEWAY_OPTIONS & { now: () => number };
  #manager: WebSocketManager | null = null;
  #session: SessionInfo | null = null;
  #live = false;
  #state: 'new' | 'running' | 'stopped' = 'new';
  #retry: NodeJS.Timeout | null = null;
  #shards: GatewayShards | null = null;
  readonly #identifies: number[] = [];

  constructor(options: TaskGatewayOptions) {
    super();
    for (const key of ['reserveSessionStarts', 'maxIdentifiesPerDay', 'retryMs'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isInteger(v) || v < 0))
        throw new TypeError(`Expected \`${key}\` to be an integer >= 0, got \`${v}\``);
    }
    if (!options.token) throw new TypeError('Expected `token` to be a bot token, got an empty string');
    this.#o = { ...DEFAULT_TASK_GATEWAY_OPTIONS, now: Date.now, ...stripUndefined(options) } as never;
  }

  /** True while events flow (between READY or RESUMED and the next close). */
  get live(): boolean {
    return this.#live;
  }

  /** True once push mode ended (closed, or a fatal close). */
  get stopped(): boolean {
    return this.#state === 'stopped';
  }

  /**
   * Check the day's session-start budget, then connect in the background: resolves once the connection is under
   * way (not once it is up: watch `up`). While Discord cannot be reached it tries again every `retryMs` in the
   * background (workers poll meanwhile). Throws when the budget is too low to identify safely, or when Discord
   * refuses `GET /gateway/bot` (a bad token).
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('TaskGateway.start() can only be called once');
    this.#state = 'running';
    this.#manager = this.#createManager();
    await this.#begin();
  }

  async #begin(): Promise<void> {
    const manager = this.#manager;
    if (!manager || this.#state !== 'running') return;
    let info: APIGatewayBotInfo;
    try {
      info = await manager.fetchGatewayInformation(true);
    } catch (error) {
      const mapped = toBusError(error, 'GET', '/gateway/bot');
      if (!(mapped instanceof BusUnavailableError)) {
        this.#state = 'stopped';
        throw mapped;
      }
      this.#debug(`${mapped.message}; trying again in ${Math.round(this.#o.retryMs / 1000)} s`);
      this.#retry = setTimeout(() => {
        this.#retry = null;
        this.#begin().catch((e: unknown) => void this.#fatal(e instanceof Error ? e : new Error(String(e))));
      }, this.#o.retryMs);
      this.#retry.unref();
      return;
    }
    const left = info.session_start_limit.remaining;
    if (left < this.#o.reserveSessionStarts) {
      this.#state = 'stopped';
      const hours = (info.session_start_limit.reset_after / 3_600_000).toFixed(1);
      throw new Error(
        `the bot of ${this.#o.tokenKey} has only ${left} gateway logins left today (Discord allows ` +
          `${info.session_start_limit.total} a day and resets the token when they run out); push mode stays off ` +
          `for now (the budget resets in ${hours} h) and workers poll`,
      );
    }
    void manager.connect().catch((error: unknown) => {
      // A fatal close rejects connect(); `closed` already reported it. Anything else is only worth a debug line.
      if (this.#state !== 'stopped') this.#debug(`connect ended: ${errorMessage(error)}`);
    });
  }

  /** End the session (close 1000: the session is over, as it should be when the process stops). Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'stopped' && !this.#manager) return;
    this.#state = 'stopped';
    this.#setLive(false);
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const manager = this.#manager;
    this.#manager = null;
    if (manager) await this.#destroy(manager);
  }

  // The strategy stays destroyed (see `gateway-strategy.ts`): nothing reconnects behind our back, even when this
  // lands in the middle of the handshake or before the shard was spawned.
  async #destroy(manager: WebSocketManager): Promise<void> {
    this.#shards?.end();
    // A destroy that lands while a shard is still starting (waiting to identify) can wait for good in
    // @discordjs/ws 2.0.4: found as a manager stopped a moment after its start that never exited. The shards are
    // ended above (nothing connects or reconnects any more), so stop waiting after a few seconds.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave-up'>((resolve) => {
      timer = setTimeout(() => resolve('gave-up'), DESTROY_WAIT_MS);
      timer.unref();
    });
    const ended = await Promise.race([
      Promise.resolve()
        .then(() => manager.destroy())
        .catch((error: unknown) => this.#debug(`destroy failed: ${errorMessage(error)}`)),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (ended === 'gave-up') this.#debug(`destroy did not finish in ${DESTROY_WAIT_MS} ms; going on`);
  }

  #createManager(): WebSocketManager {
    const options: Partial<WebSocketManagerOptions> & Pick<WebSocketManagerOptions, 'rest'> = {
      token: this.#o.token,
      intents: this.#o.intents,
      rest: this.#o.rest,
      retrieveSessionInfo: () => this.#session,
      updateSessionInfo: (_shardId: number, info: SessionInfo | null) => {
        this.#session = info;
      },
      ...(this.#o.identifyThrottler ? { buildIdentifyThrottler: () => this.#o.identifyThrottler! } : {}),
      buildStrategy: (manager: WebSocketManager) =>
        (this.#shards = new GatewayShards(manager, (m) => this.#debug(m))),
    };
    const manager =
      this.#o.createManager?.(options) ?? new WebSocketManager(options as WebSocketManagerOptions);
    manager.on(WebSocketShardEvents.Dispatch, (payload) => this.#onDispatch(payload));
    manager.on(WebSocketShardEvents.Ready, () => this.#onReady());
    manager.on(WebSocketShardEvents.Resumed, () => this.#setLive(true, true));
    manager.on(WebSocketShardEvents.Closed, (code) => this.#onClosed(code));
    // Without an 'error' listener the manager throws "Unhandled 'error' event" from inside the shard. Fatal closes
    // are reported by `closed`; the rest are transient.
    manager.on(WebSocketShardEvents.Error, (error) => this.#debug(`error: ${error.message}`));
    manager.on(WebSocketShardEvents.SocketError, (error) => this.#debug(`socket error: ${error.message}`));
    manager.on(WebSocketShardEvents.Debug, (message) => this.#debug(message));
    return manager;
  }

  #onReady(): void {
    const now = this.#o.now();
    this.#identifies.push(now);
    while (this.#identifies.length && now - this.#identifies[0]! >= DAY_MS) this.#identifies.shift();
    if (this.#identifies.length > this.#o.maxIdentifiesPerDay) {
      void this.#fatal(
        new Error(
          `the gateway started ${this.#identifies.length} new sessions in 24 h (the network keeps dropping it); ` +
            `push mode is off to spare the bot of ${this.#o.tokenKey} its 1000 daily logins. Workers poll instead`,
        ),
      );
      return;
    }
    this.#setLive(true, false);
  }

  #onDispatch(payload: GatewayDispatchPayload): void {
    switch (payload.t) {
      case GatewayDispatchEvents.MessageCreate:
        this.emit('message', payload.d);
        return;
      case GatewayDispatchEvents.ThreadCreate:
        this.emit('thread', payload.d);
        return;
      case GatewayDispatchEvents.MessageDelete:
        this.emit('deleted', { id: payload.d.id, channelId: payload.d.channel_id });
        return;
      default:
    }
  }

  #onClosed(code: number): void {
    if (this.#state === 'stopped') return;
    const row = closeMeaning(code);
    if (row.action === 'fatal') {
      void this.#fatal(
        new ConfigError([`${this.#o.tokenKey}: ${describeFatalClose(code, this.#o.tokenKey)}`]),
      );
      return;
    }
    // 4200 is `@discordjs/ws`'s own "closing to resume" code; it is followed by a resume, not news.
    if (this.#live) this.emit('down', { code, meaning: row.meaning });
    this.#setLive(false);
  }

  async #fatal(error: Error): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    this.#setLive(false);
    this.emit('fatal', error);
    const manager = this.#manager;
    this.#manager = null;
    if (manager) await this.#destroy(manager);
  }

  #setLive(live: boolean, resumed = false): void {
    if (live && this.#state !== 'running') return;
    const was = this.#live;
    this.#live = live;
    if (live) this.emit('up', { resumed });
    else if (was) this.#debug('events paused until the connection is back');
  }

  #debug(message: string): void {
    this.emit('debug', `[gateway] ${message.split(this.#o.token).join('[token]')}`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
