/** The gateway part of the typed admin client: `admin.gateway.*`. */
import type { GatewayConfig } from './config.js';
import type { GatewayFaultConfig } from './faults.js';
import type { GatewayStats } from './stats.js';

/** Sends one admin request (the `EmulatorAdmin` transport). */
export type AdminCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Which connections an action targets: one bot's (`userId`), or every connection when omitted. */
export interface GatewayTargetOptions {
  userId?: string;
}

/** Client of `/_emulator/gateway/...`. Every action resolves to the number of connections it reached. */
export class GatewayAdmin {
  readonly #call: AdminCall;

  constructor(call: AdminCall) {
    this.#call = call;
  }

  /** Current gateway settings. */
  config(): Promise<GatewayConfig> {
    return this.#call('GET', '/gateway/config');
  }

  /** Change gateway settings (heartbeat interval, session-start limit, identify window, …). */
  configure(changes: Partial<GatewayConfig>): Promise<GatewayConfig> {
    return this.#call('PUT', '/gateway/config', changes);
  }

  /** Connections, IDENTIFYs, RESUMEs, closes and token resets, per bot name. */
  stats(): Promise<GatewayStats> {
    return this.#call('GET', '/gateway/stats');
  }

  /** Zero the gateway counters. */
  async resetStats(): Promise<void> {
    await this.#call('DELETE', '/gateway/stats');
  }

  /** Replace the standing gateway faults (outage, withheld heartbeat ACKs). */
  setFaults(faults: GatewayFaultConfig): Promise<Required<GatewayFaultConfig>> {
    return this.#call('PUT', '/gateway/faults', faults);
  }

  /** Remove the standing gateway faults. */
  async clearFaults(): Promise<void> {
    await this.#call('DELETE', '/gateway/faults');
  }

  /** Close connections with a close frame carrying `code`, or without any close frame (TCP cut) when omitted. */
  async disconnect(options: GatewayTargetOptions & { code?: number } = {}): Promise<number> {
    return (await this.#call<{ connections: number }>('POST', '/gateway/disconnect', options)).connections;
  }

  /** Make connections half-open: the emulator stops sending and reading, the socket stays up. */
  async partition(options: GatewayTargetOptions = {}): Promise<number> {
    return (await this.#call<{ connections: number }>('POST', '/gateway/partition', options)).connections;
  }

  /** Send INVALID_SESSION with `d: resumable` (default `false`, which ends the session). */
  async invalidSession(options: GatewayTargetOptions & { resumable?: boolean } = {}): Promise<number> {
    return (await this.#call<{ connections: number }>('POST', '/gateway/invalid-session', options))
      .connections;
  }

  /** Send RECONNECT (op 7). */
  async reconnect(options: GatewayTargetOptions = {}): Promise<number> {
    return (await this.#call<{ connections: number }>('POST', '/gateway/reconnect', options)).connections;
  }

  /** Ask for an immediate HEARTBEAT (op 1 from the server). */
  async requestHeartbeat(options: GatewayTargetOptions = {}): Promise<number> {
    return (await this.#call<{ connections: number }>('POST', '/gateway/heartbeat', options)).connections;
  }

  /** Reset a user's token (the developer portal's "Reset Token"); resolves to the new token. */
  async resetToken(userId: string): Promise<string> {
    return (await this.#call<{ token: string }>('POST', '/gateway/token-reset', { userId })).token;
  }
}
