/**
 * Test helpers for the emulator's gateway: a recorded `@discordjs/ws` client (the library the product uses) and a
 * raw `ws` client for payloads that library never sends. Both wait on recorded events, never on timers.
 */
import {
  WebSocketManager,
  WebSocketShardEvents,
  type IIdentifyThrottler,
  type SessionInfo,
} from '@discordjs/ws';
import type { GatewayDispatchEvents, GatewayDispatchPayload } from 'discord-api-types/v10';
import { WebSocket } from 'ws';
import type { EmulatorWorld } from '../../src/emulator/index.js';
import { restFor } from './emulator.js';

/** One thing a recorded client saw, in order. */
export type GatewayEntry =
  | { kind: 'dispatch'; payload: GatewayDispatchPayload }
  | { kind: 'closed'; code: number }
  | { kind: 'error'; error: Error }
  | { kind: 'socketError'; error: Error }
  | { kind: 'heartbeat' }
  | { kind: 'debug'; message: string };

/** Waits for entries of an append-only log. */
class EntryLog<T> {
  readonly entries: T[] = [];
  readonly #waiters: { test: (entry: T) => boolean; from: number; resolve: (entry: T) => void }[] = [];

  push(entry: T): void {
    this.entries.push(entry);
    for (const waiter of [...this.#waiters]) {
      if (waiter.test(entry)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  }

  /** The first entry at index >= `from` that passes `test`, now or when it arrives. */
  waitFor(test: (entry: T) => boolean, what: string, from = 0, timeoutMs = 15_000): Promise<T> {
    const found = this.entries.slice(from).find(test);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
      const waiter = {
        test,
        from,
        resolve: (entry: T) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      this.#waiters.push(waiter);
    });
  }
}

/** The dispatch payload type of event name `T` (`'MESSAGE_CREATE'` → `GatewayMessageCreateDispatch`). */
export type DispatchOf<T extends `${GatewayDispatchEvents}`> = Extract<GatewayDispatchPayload, { t: T }>;

/** A `@discordjs/ws` manager against the emulator with everything it emits recorded. */
export interface RecordedGateway {
  manager: WebSocketManager;
  log: EntryLog<GatewayEntry>;
  /** Dispatches received so far. */
  dispatches(): GatewayDispatchPayload[];
  /** The first dispatch (from log index `from`) of type `t` passing `test`. */
  dispatch<T extends `${GatewayDispatchEvents}`>(
    t: T,
    test?: (payload: DispatchOf<T>) => boolean,
    from?: number,
  ): Promise<DispatchOf<T>>;
  /** The first close (from log index `from`). */
  closed(from?: number): Promise<number>;
  /** The first error (from log index `from`). */
  error(from?: number): Promise<Error>;
  /** Connect (resolves on READY; rejects on a fatal close). */
  connect(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * No identify spacing on the client. `SimpleIdentifyThrottler` waits 5–6.5 s between IDENTIFYs of one manager
 * (per `max_concurrency` key); the emulator enforces the same window unless a test sets `identifyWindowMs: 0`,
 * which the files using this helper do so a re-identify does not cost 5 s.
 */
export const NO_IDENTIFY_SPACING: IIdentifyThrottler = { waitForIdentify: () => Promise.resolve() };

/** A recorded `WebSocketManager` for `token` with `intents`, fetching `/gateway/bot` through `restToken`. */
export function recordedGateway(
  world: Pick<EmulatorWorld, 'apiUrl'>,
  init: { token: string; intents: number; restToken?: string },
): RecordedGateway {
  // @discordjs/ws keeps sessions in one module-wide store keyed by shard id unless given its own, so two managers
  // in one process would resume each other's sessions.
  let session: SessionInfo | null = null;
  const manager = new WebSocketManager({
    token: init.token,
    intents: init.intents,
    rest: restFor(world, init.restToken ?? init.token),
    buildIdentifyThrottler: () => NO_IDENTIFY_SPACING,
    retrieveSessionInfo: () => session,
    updateSessionInfo: (_shardId, info) => {
      session = info;
    },
  });
  const log = new EntryLog<GatewayEntry>();
  manager.on(WebSocketShardEvents.Dispatch, (payload) => log.push({ kind: 'dispatch', payload }));
  manager.on(WebSocketShardEvents.Closed, (code) => log.push({ kind: 'closed', code }));
  // Without an 'error' listener the manager throws "Unhandled 'error' event" from inside the shard.
  manager.on(WebSocketShardEvents.Error, (error) => log.push({ kind: 'error', error }));
  manager.on(WebSocketShardEvents.SocketError, (error) => log.push({ kind: 'socketError', error }));
  manager.on(WebSocketShardEvents.HeartbeatComplete, () => log.push({ kind: 'heartbeat' }));
  manager.on(WebSocketShardEvents.Debug, (message) => log.push({ kind: 'debug', message }));
  return {
    manager,
    log,
    dispatches: () => log.entries.flatMap((e) => (e.kind === 'dispatch' ? [e.payload] : [])),
    dispatch: async <T extends `${GatewayDispatchEvents}`>(
      t: T,
      test: (payload: DispatchOf<T>) => boolean = () => true,
      from = 0,
    ) => {
      const entry = await log.waitFor(
        (e) => e.kind === 'dispatch' && e.payload.t === t && test(e.payload as DispatchOf<T>),
        `dispatch ${t}`,
        from,
      );
      return (entry as { kind: 'dispatch'; payload: DispatchOf<T> }).payload;
    },
    closed: async (from = 0) =>
      ((await log.waitFor((e) => e.kind === 'closed', 'a close', from)) as { code: number }).code,
    error: async (from = 0) =>
      ((await log.waitFor((e) => e.kind === 'error', 'an error', from)) as { error: Error }).error,
    connect: () => manager.connect(),
    destroy: async () => {
      await manager.destroy();
    },
  };
}

/** A server → client payload. */
export interface RawPayload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** A hand-driven gateway connection (the `ws` package), for what `@discordjs/ws` never sends. */
export interface RawGateway {
  ws: WebSocket;
  log: EntryLog<RawPayload>;
  /** The first payload (from log index `from`) passing `test`. */
  next(test: (p: RawPayload) => boolean, what: string, from?: number): Promise<RawPayload>;
  send(payload: unknown): void;
  /** Resolves with the close code and reason once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  identify(token: string, intents: number): void;
  close(code?: number): Promise<void>;
}

/**
 * Open a raw connection to `url`; resolves once HELLO arrived. It heartbeats every `heartbeat_interval` unless
 * `heartbeat: false`.
 */
export async function rawGateway(url: string, options: { heartbeat?: boolean } = {}): Promise<RawGateway> {
  const ws = new WebSocket(url);
  const log = new EntryLog<RawPayload>();
  let beat: NodeJS.Timeout | undefined;
  ws.on('message', (data) => {
    const payload = JSON.parse(String(data)) as RawPayload;
    if (payload.op === 10 && options.heartbeat !== false) {
      const { heartbeat_interval: interval } = payload.d as { heartbeat_interval: number };
      beat = setInterval(() => raw.send({ op: 1, d: null }), interval);
    }
    log.push(payload);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      clearInterval(beat);
      resolve({ code, reason: reason.toString() });
    }),
  );
  ws.on('error', () => {});
  const raw: RawGateway = {
    ws,
    log,
    next: (test, what, from = 0) => log.waitFor(test, what, from),
    send: (payload) => {
      if (ws.readyState === WebSocket.OPEN)
        ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
    },
    closed,
    identify: (token, intents) =>
      raw.send({ op: 2, d: { token, intents, properties: { os: 'linux', browser: 'raw', device: 'raw' } } }),
    close: async (code = 1000) => {
      if (ws.readyState === WebSocket.OPEN) ws.close(code);
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      await closed;
    },
  };
  await Promise.race([
    raw.next((p) => p.op === 10, 'HELLO'),
    closed.then(({ code }) => {
      throw new Error(`closed with ${code} before HELLO`);
    }),
  ]);
  return raw;
}

/** `ws://127.0.0.1:P/gateway?v=10&encoding=json` for a world. */
export function gatewayUrl(world: Pick<EmulatorWorld, 'apiUrl'>, query = 'v=10&encoding=json'): string {
  return `${world.apiUrl.replace(/^http/, 'ws').replace(/\/api$/, '')}/gateway?${query}`;
}
