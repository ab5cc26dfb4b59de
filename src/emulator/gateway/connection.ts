/**
 * One gateway WebSocket: sends HELLO, enforces the heartbeat deadline, the send limit and the payload rules, and
 * hands each well-formed payload to its host. Protocol decisions (identify, resume, faults) belong to the host.
 */
import { WebSocket, type RawData } from 'ws';
import type { GatewayConfig } from './config.js';
import { CLOSE_REASONS, CloseCode, frame, Op } from './protocol.js';
import type { GatewaySession } from './session.js';

/** What a connection needs from the gateway server. */
export interface ConnectionHost {
  config(): GatewayConfig;
  /** A parsed client payload with a numeric `op`. */
  onPayload(connection: GatewayConnection, op: number, d: unknown): void;
  /** The socket closed (either side, or dropped). */
  onClosed(connection: GatewayConnection, code: number): void;
}

/** A client → server payload, as far as the connection checks it. */
interface ClientPayload {
  op: number;
  d?: unknown;
}

/** One client connection. */
export class GatewayConnection {
  readonly ws: WebSocket;
  /** The `v` query parameter (9 or 10). */
  readonly version: number;
  /** The session IDENTIFY or RESUME attached, if any. */
  session: GatewaySession | undefined;
  /** The bot this connection authenticated as (kept after the session detaches, for stats). */
  bot: { name: string; userId: string } | undefined;
  /** Close code the server sent (`dropped` for a connection cut without a close frame). */
  serverClose: number | 'dropped' | undefined;
  /** Injected partition: nothing is sent or read any more, but the socket stays open. */
  partitioned = false;
  readonly #host: ConnectionHost;
  #deadline: NodeJS.Timeout | undefined;
  #windowStart = Date.now();
  #received = 0;

  constructor(ws: WebSocket, version: number, host: ConnectionHost) {
    this.ws = ws;
    this.version = version;
    this.#host = host;
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('close', (code) => {
      this.#clearDeadline();
      host.onClosed(this, code);
    });
    // Socket errors end in 'close'; nothing else to do with them.
    ws.on('error', () => {});
    const { heartbeatIntervalMs } = host.config();
    this.send(frame(Op.Hello, { heartbeat_interval: heartbeatIntervalMs }));
    this.#armDeadline();
  }

  /** Whether the socket can still carry payloads. */
  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && this.serverClose === undefined;
  }

  /** Send a payload unless partitioned or closing. */
  send(payload: string): void {
    if (!this.partitioned && this.open) this.ws.send(payload);
  }

  /** Close with a close frame carrying `code` and `reason` (default: Discord's description of the code). */
  close(code: number, reason = CLOSE_REASONS[code] ?? ''): void {
    if (!this.open) return;
    this.serverClose = code;
    this.#clearDeadline();
    this.ws.close(code, reason);
  }

  /** Cut the TCP connection without a close frame (the client sees 1006). */
  drop(): void {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.serverClose ??= 'dropped';
    this.#clearDeadline();
    this.ws.terminate();
  }

  /** Go silent both ways, like a half-open TCP connection; the heartbeat deadline stops too. */
  partition(): void {
    this.partitioned = true;
    this.#clearDeadline();
  }

  /** A heartbeat arrived: the deadline starts again. */
  heartbeatReceived(): void {
    this.#armDeadline();
  }

  #armDeadline(): void {
    this.#clearDeadline();
    if (this.partitioned) return;
    const { heartbeatIntervalMs, heartbeatTimeoutFactor } = this.#host.config();
    // Discord closes a connection that stops heartbeating with 1000; the session stays resumable (client
    // reports: discord.py #229, Discord.Net #143, DiscordPHP #20, discord-api-docs #2922).
    this.#deadline = setTimeout(
      () => this.close(1000, 'Heartbeat timed out'),
      heartbeatIntervalMs * heartbeatTimeoutFactor,
    );
    this.#deadline.unref();
  }

  #clearDeadline(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.partitioned || !this.open) return;
    const config = this.#host.config();
    const now = Date.now();
    if (now - this.#windowStart >= config.sendWindowMs) {
      this.#windowStart = now;
      this.#received = 0;
    }
    this.#received += 1;
    if (this.#received > config.sendLimit) return this.close(CloseCode.RateLimited);
    const bytes = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : data instanceof ArrayBuffer
        ? data.byteLength
        : data.length;
    // encoding=json takes text frames only, of at most 4096 bytes ([gw] Sending Events).
    if (isBinary || bytes > config.maxPayloadBytes) return this.close(CloseCode.DecodeError);
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    } catch {
      return this.close(CloseCode.DecodeError);
    }
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
      return this.close(CloseCode.DecodeError);
    const { op, d } = payload as ClientPayload;
    if (typeof op !== 'number' || !Number.isInteger(op)) return this.close(CloseCode.UnknownOpcode);
    this.#host.onPayload(this, op, d);
  }
}
