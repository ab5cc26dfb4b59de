/**
 * The sharding strategy of push mode's gateway session: `@discordjs/ws`'s `SimpleShardingStrategy` (one
 * in-process shard per id), except that it keeps hold of its shards after `destroy()`.
 *
 * Why: in `@discordjs/ws` 2.0.4 a destroy that lands while the shard waits for READY makes that wait fail, and the
 * shard then "recovers" by reconnecting 500 ms later: a session nobody owns, which identifies (spending the bot's
 * daily budget) and keeps the process alive. The simple strategy forgets its shards on destroy, so nothing could
 * stop that one; {@link GatewayShards.settle} can.
 */
import {
  SimpleContextFetchingStrategy,
  WebSocketShard,
  WebSocketShardEvents,
  WebSocketShardStatus,
  managerToFetchingStrategyOptions,
  type IShardingStrategy,
  type WebSocketManager,
  type WebSocketShardDestroyOptions,
} from '@discordjs/ws';
import type { GatewaySendPayload } from 'discord-api-types/v10';

/** One shard per id, in this process; shards stay known after `destroy()` until they have settled. */
export class GatewayShards implements IShardingStrategy {
  readonly #manager: WebSocketManager;
  readonly #shards = new Map<number, WebSocketShard>();
  #destroyed: WebSocketShard[] = [];

  constructor(manager: WebSocketManager) {
    this.#manager = manager;
  }

  async spawn(shardIds: number[]): Promise<void> {
    const options = await managerToFetchingStrategyOptions(this.#manager);
    for (const shardId of shardIds) {
      const shard = new WebSocketShard(new SimpleContextFetchingStrategy(this.#manager, options), shardId);
      for (const event of Object.values(WebSocketShardEvents))
        shard.on(event, (...args: unknown[]) =>
          (this.#manager.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args, shardId),
        );
      this.#shards.set(shardId, shard);
    }
  }

  async connect(): Promise<void> {
    await Promise.all([...this.#shards.values()].map((shard) => shard.connect()));
  }

  async destroy(options?: Omit<WebSocketShardDestroyOptions, 'recover'>): Promise<void> {
    const shards = [...this.#shards.values()];
    this.#destroyed.push(...shards);
    await Promise.all(shards.map((shard) => shard.destroy(options)));
    this.#shards.clear();
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

  /**
   * After `destroy()`: wait until every destroyed shard has stayed idle for `quietMs` (longer than the library's
   * 500 ms reconnect delay), destroying again any that came back. Gives up after `rounds`.
   */
  async settle(quietMs = 700, rounds = 5, onRevived: () => void = () => {}): Promise<void> {
    for (let round = 0; round < rounds && this.#destroyed.length > 0; round++) {
      await new Promise((resolve) => setTimeout(resolve, quietMs));
      const revived = this.#destroyed.filter((shard) => shard.status !== WebSocketShardStatus.Idle);
      if (revived.length === 0) break;
      onRevived();
      await Promise.all(revived.map((shard) => shard.destroy({ code: 1000 })));
    }
    this.#destroyed = [];
  }
}
