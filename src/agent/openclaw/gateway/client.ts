/**
 * A minimal client of the OpenClaw Gateway's WebSocket protocol (protocol 4, docs.openclaw.ai gateway/protocol):
 * the `connect` handshake as a trusted local backend (`client.id: "gateway-client"`, `mode: "backend"`, the shared
 * token, no device identity; allowed on loopback only) and request/response frames, including the two-step answer
 * of `agent` (`status: "accepted"` first, the final result later under the same id).
 *
 * Frames, as openclaw 2026.9.6 sends them (measured):
 * - server first: `{type:"event", event:"connect.challenge", payload:{nonce, ts}}`;
 * - request: `{type:"req", id, method, params}`; answer: `{type:"res", id, ok, payload?, error?:{code, message}}`;
 * - other events (`{type:"event", …}`) are ignored here.
 *
 * One connection serves one task and is closed afterwards, so nothing keeps the worker's event loop alive between
 * tasks, and a Gateway that dies mid-task shows up as this connection closing.
 */
import WebSocket from 'ws';

/** Options of {@link GatewayClient.connect}. */
export interface GatewayConnectOptions {
  /** `ws://127.0.0.1:<port>`. */
  url: string;
  /** The Gateway's shared token (`gateway.auth.token`). */
  token: string;
  /** Limit for opening the socket and the whole handshake. @defaultValue `15000` */
  timeoutMs?: number;
  /** Reported as `client.version`. @defaultValue `'0.0.0'` */
  clientVersion?: string;
  /** The WebSocket class (a seam for tests). @defaultValue `ws` */
  WebSocketClass?: typeof WebSocket;
}

/** The `error` of a failed answer. */
export interface GatewayFrameError {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

/** One answer frame. */
export interface GatewayResponse {
  ok: boolean;
  payload?: Record<string, unknown>;
  error?: GatewayFrameError;
}

/** Options of one request. */
export interface GatewayRequestOptions {
  /** Wait past a `status: "accepted"` answer for the final one (the `agent` method). @defaultValue `false` */
  expectFinal?: boolean;
  /** Called with the payload of the `accepted` answer. */
  onAccepted?: (payload: Record<string, unknown>) => void;
  /** Give up after this long: the promise rejects with a {@link GatewayClosedError}-free plain Error. */
  timeoutMs?: number;
}

/** The connection closed (or could not be made) before an answer came. */
export class GatewayClosedError extends Error {
  /** WebSocket close code, when the socket closed (1006: the server vanished without a close frame). */
  readonly closeCode: number | undefined;
  constructor(message: string, closeCode?: number) {
    super(message);
    this.name = 'GatewayClosedError';
    this.closeCode = closeCode;
  }
}

/** The Gateway refused the handshake (wrong token, protocol mismatch, still starting). */
export class GatewayHandshakeError extends Error {
  readonly error: GatewayFrameError;
  constructor(error: GatewayFrameError) {
    super(`the OpenClaw Gateway refused the connection: ${error.message ?? error.code ?? 'no reason given'}`);
    this.name = 'GatewayHandshakeError';
    this.error = error;
  }
}

interface Pending {
  resolve: (response: GatewayResponse) => void;
  reject: (error: Error) => void;
  options: GatewayRequestOptions;
  timer?: NodeJS.Timeout;
}

/** The protocol version this client speaks. */
export const GATEWAY_PROTOCOL_VERSION = 4;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One WebSocket connection to a Gateway, after a successful handshake. */
export class GatewayClient {
  readonly #socket: WebSocket;
  readonly #pending = new Map<string, Pending>();
  #seq = 0;
  #closed: GatewayClosedError | undefined;
  readonly #closeListeners = new Set<(error: GatewayClosedError) => void>();

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.on('message', (data) => this.#onMessage(String(data)));
    socket.on('close', (code, reason) => {
      const why = String(reason) || (code === 1006 ? 'the connection dropped' : `close code ${code}`);
      this.#fail(new GatewayClosedError(`the OpenClaw Gateway connection closed (${why})`, code));
    });
    socket.on('error', (error) => {
      this.#fail(new GatewayClosedError(`the OpenClaw Gateway connection failed: ${error.message}`));
    });
  }

  /** Opens a connection and completes the handshake; rejects with a clear error when that fails. */
  static connect(options: GatewayConnectOptions): Promise<GatewayClient> {
    const Socket = options.WebSocketClass ?? WebSocket;
    const timeoutMs = options.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const socket = new Socket(options.url, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
      const client = new GatewayClient(socket);
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.#closeListeners.delete(onClose);
        if (error) {
          client.close();
          reject(error);
        } else resolve(client);
      };
      const timer = setTimeout(
        () => finish(new GatewayClosedError(`no handshake from the OpenClaw Gateway within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onClose = (error: GatewayClosedError): void => finish(error);
      client.#closeListeners.add(onClose);
      // The server speaks first: a challenge, answered with `connect`.
      const onChallenge = (data: WebSocket.RawData): void => {
        let frame: unknown;
        try {
          frame = JSON.parse(String(data));
        } catch {
          return;
        }
        if (!isRecord(frame) || frame.type !== 'event' || frame.event !== 'connect.challenge') return;
        socket.off('message', onChallenge);
        client
          .request('connect', {
            minProtocol: GATEWAY_PROTOCOL_VERSION,
            maxProtocol: GATEWAY_PROTOCOL_VERSION,
            client: {
              id: 'gateway-client',
              version: options.clientVersion ?? '0.0.0',
              platform: process.platform,
              mode: 'backend',
            },
            role: 'operator',
            scopes: ['operator.admin'],
            caps: [],
            auth: { token: options.token },
          })
          .then(
            (answer) => finish(answer.ok ? undefined : new GatewayHandshakeError(answer.error ?? {})),
            (error: Error) => finish(error),
          );
      };
      socket.on('message', onChallenge);
    });
  }

  /** Whether the connection is gone. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Calls `listener` once when the connection closes (at once when it already has). */
  onClose(listener: (error: GatewayClosedError) => void): void {
    if (this.#closed) listener(this.#closed);
    else this.#closeListeners.add(listener);
  }

  /**
   * Sends one request and resolves with its answer (`ok: false` answers resolve too). Rejects with
   * {@link GatewayClosedError} when the connection closes first, or a plain Error when `timeoutMs` passes.
   */
  request(
    method: string,
    params: Record<string, unknown>,
    options: GatewayRequestOptions = {},
  ): Promise<GatewayResponse> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = `dorch-${++this.#seq}`;
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, options };
      if (options.timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          this.#pending.delete(id);
          reject(
            new Error(`no answer to ${method} from the OpenClaw Gateway within ${options.timeoutMs} ms`),
          );
        }, options.timeoutMs);
      }
      this.#pending.set(id, pending);
      this.#socket.send(JSON.stringify({ type: 'req', id, method, params }), (error) => {
        if (error)
          this.#fail(new GatewayClosedError(`could not send to the OpenClaw Gateway: ${error.message}`));
      });
    });
  }

  /** Closes the connection; pending requests reject with {@link GatewayClosedError}. Idempotent. */
  close(): void {
    this.#fail(new GatewayClosedError('the connection to the OpenClaw Gateway was closed'));
    try {
      this.#socket.terminate();
    } catch {
      // Already closed.
    }
  }

  #onMessage(text: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(frame) || frame.type !== 'res' || typeof frame.id !== 'string') return;
    const pending = this.#pending.get(frame.id);
    if (!pending) return;
    const payload = isRecord(frame.payload) ? frame.payload : undefined;
    if (frame.ok === true && pending.options.expectFinal && payload?.status === 'accepted') {
      pending.options.onAccepted?.(payload);
      return;
    }
    this.#pending.delete(frame.id);
    clearTimeout(pending.timer);
    const response: GatewayResponse = { ok: frame.ok === true };
    if (payload) response.payload = payload;
    if (isRecord(frame.error)) response.error = frame.error as GatewayFrameError;
    pending.resolve(response);
  }

  #fail(error: GatewayClosedError): void {
    if (this.#closed) return;
    this.#closed = error;
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    for (const listener of this.#closeListeners) listener(error);
    this.#closeListeners.clear();
  }
}
