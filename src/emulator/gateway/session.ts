/** A gateway session: its sequence numbers and the bounded buffer of dispatches a RESUME replays. */
import { randomBytes } from 'node:crypto';
import type { Viewer } from './payloads.js';
import { frame, Op } from './protocol.js';

/** Where a session's dispatches go while it has a connection. */
export interface DispatchSink {
  send(payload: string): void;
}

/** One IDENTIFYed session; it outlives its connection until it ends or times out. */
export class GatewaySession {
  /** 32 hex characters, like Discord's `session_id`. */
  readonly id = randomBytes(16).toString('hex');
  readonly viewer: Viewer;
  /** The bot's name, for stats (never its token). */
  readonly botName: string;
  /** The last sequence number sent (0 before READY). */
  seq = 0;
  /** The connection currently attached, if any. */
  connection: DispatchSink | undefined;
  /** Set once the session can no longer be resumed. */
  ended = false;
  /** Runs out the session after a disconnect; cleared on resume. */
  expiry: NodeJS.Timeout | undefined;
  readonly #buffer: { s: number; payload: string }[] = [];
  readonly #bufferSize: number;

  constructor(viewer: Viewer, botName: string, bufferSize: number) {
    this.viewer = viewer;
    this.botName = botName;
    this.#bufferSize = bufferSize;
  }

  /** Number the dispatch, keep it for resuming, and send it if connected. */
  dispatch(t: string, d: unknown): void {
    this.seq += 1;
    const payload = frame(Op.Dispatch, d, this.seq, t);
    this.#buffer.push({ s: this.seq, payload });
    if (this.#buffer.length > this.#bufferSize) this.#buffer.shift();
    this.connection?.send(payload);
  }

  /** The dispatches after `seq`, oldest first; `undefined` when some of them have left the buffer. */
  replayAfter(seq: number): string[] | undefined {
    if (seq >= this.seq) return [];
    const first = this.#buffer[0];
    if (!first || first.s > seq + 1) return undefined;
    return this.#buffer.filter((e) => e.s > seq).map((e) => e.payload);
  }

  /** End the session for good. */
  end(): void {
    this.ended = true;
    this.connection = undefined;
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = undefined;
  }
}
