/**
 * The sharding strategy of push mode's gateway session: `@discordjs/ws`'s `SimpleShardingStrategy` (one in-process
 * shard per id), except that once it is destroyed it stays destroyed.
 *
 * Why: in `@discordjs/ws` 2.0.4 a destroy that lands while a shard waits for HELLO or READY makes that wait fail, and
 * the shard then "recovers" by reconnecting 500 ms later (`destroy({ recover })` → `internalConnect()`): a session
 * nobody owns, which identifies (spending the bot's daily budget) and keeps the process alive. And a destroy that
 * lands before `spawn()` has finished (the manager fetches `/gateway/bot` first) finds no shard, so the shards
 * spawned after it connect anyway. And a destroy closes only an OPEN socket: one still CONNECTING opens later and
 * stays open. Here a strategy that was ended spawns and connects nothing, each shard's `internalConnect` (the one way
 * a shard opens a connection) does nothing once it was ended, and a destroyed shard's socket is ended whatever its
 * state.
 */
import {
  SimpleContextFetchingStrategy,
  WebSocketShard,
  WebSocketShardEvents,
  managerToFetchingStrategyOptions,
  type IShardingStrategy,
  type WebSocketManager,
  type WebSocketShardDestroyOptions,
} from '@discordjs/ws';
import type { GatewaySendPayload } from 'discord-api-types/v10';

/** A shard's socket (`ws`), as far as ending it goes. */
interface Leftover {
  readyState: number;
  onerror: ((event: unknown) => void) | null;
  terminate?: () => void;
}

/** `WebSocket.CLOSED`. */
const CLOSED = 3;

/** The library's private connect step, wrapped per shard (see the module comment). */
interface Connecting {
  internalConnect: () => Promise<void>;
}

/** One shard per id, in this process; after {@link GatewayShards.end} nothing connects again. */
export class GatewayShards implements IShardingStrategy {
  readonly #manager: WebSocketManager;
  readonly #shards = new Map<number, WebSocketShard>();
  #destroyed = false;
  readonly #debug: (message: string) => void;

  constructor(manager: WebSocketManager, debug: (message: string) => void = () => {}) {
    this.#manager = manager;
    this.#debug = debug;
  }

  /** True once {@link end} was called: the session is over for good. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  async spawn(shardIds: number[]): Promise<void> {
    const options = await managerToFetchingStrategyOptions(this.#manager);
    if (this.#destroyed) return;
    for (const shardId of shardIds) {
      const shard = new WebSocketShard(new SimpleContextFetchingStrategy(this.#manager, options), shardId);
      for (const event of Object.values(WebSocketShardEvents))
        shard.on(event, (...args: unknown[]) =>
          (this.#manager.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args, shardId),
        );
      const connecting = shard as unknown as Connecting;
      const connect = connecting.internalConnect;
      // A library version without this step would silently reconnect behind our back again: fail loudly instead.
      if (typeof connect !== 'function')
        throw new TypeError(
          '@discordjs/ws changed: WebSocketShard.internalConnect is gone (see gateway-strategy.ts)',
        );
      connecting.internalConnect = async () => {
        if (this.#destroyed) {
          this.#debug('not reconnecting: the session was closed');
          return;
        }
        return connect.call(shard);
      };
      this.#shards.set(shardId, shard);
    }
  }

  async connect(): Promise<void> {
    if (this.#destroyed) return;
    await Promise.all([...this.#shards.values()].map((shard) => shard.connect()));
  }

  /**
   * End the session for good: from now on nothing spawns or connects. (`destroy()` alone does not: the manager also
   * destroys and respawns the shards when it adjusts their count, right before it connects.)
   */
  end(): void {
    this.#destroyed = true;
  }

  async destroy(options?: Omit<WebSocketShardDestroyOptions, 'recover'>): Promise<void> {
    const shards = [...this.#shards.values()];
    this.#shards.clear();
    await Promise.all(
      shards.map(async (shard) => {
        await shard.destroy(options);
        // The library closes only an OPEN connection: one still CONNECTING is left to finish its handshake and stay
        // open with nobody listening (the server then waits on it for ever). End it.
        const connection = (shard as unknown as { connection?: Leftover | null }).connection;
        if (connection && connection.readyState !== CLOSED) {
          // Ending a socket mid-handshake emits `error` ("closed before the connection was established").
          connection.onerror = () => {};
          connection.terminate?.();
        }
      }),
    );
  }

  async send(shardId: number, payload: GatewaySendPayload): Promise<void> {
    const shard = this.#shards.get(shardId);
    if (!shard) throw new RangeError(`Shard ${shardId} not found`);
    await shard.send(payload);
  }

  async fetchStatus(): Promise<Awaited<ReturnType<IShardingStrategy['fetchStatus']>>> {
    // A Map where the interface names discord.js's Collection (a Map subclass): nothing here uses its extras.
    return new Map([...this.#shards].map(([id, shard]) => [id, shard.status])) as never;
  }
}
