/**
 * The push source of a worker process under the manager: the manager holds the machine's one gateway session and
 * relays it over IPC (a worker that restarts after every task must never identify itself). The manager says
 * whether pushes flow (`push`), and hands this worker a task when it says it is waiting (`task`).
 */
import { EventEmitter } from 'node:events';
import type { PushSource, PushedTask } from '../bus/bus.js';

/** What the manager sends a worker about push mode. */
export type RelayMessage =
  /** Whether the manager's gateway is live, and its epoch (see {@link PushSource.epoch}). */
  | { type: 'push'; live: boolean; epoch: number }
  /** A task pushed to the manager, for this worker (it said it was waiting). */
  | { type: 'task'; pushed: PushedTask };

/** What a worker tells the manager: it is idle, waiting for work. */
export interface WaitingMessage {
  type: 'waiting';
}

/** A {@link PushSource} fed by the manager's messages. */
export class RelayedPush implements PushSource {
  readonly #send: (message: WaitingMessage) => void;
  readonly #tasks: PushedTask[] = [];
  readonly #events = new EventEmitter<{ change: [] }>();
  #live = false;
  #epoch = 0;

  /** @param send - How to reach the manager (`process.send`). */
  constructor(send: (message: WaitingMessage) => void) {
    this.#send = send;
    this.#events.setMaxListeners(0);
  }

  get live(): boolean {
    return this.#live;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Handle a message from the manager; anything that is not a relay message is ignored. */
  receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Partial<RelayMessage> & Record<string, unknown>;
    if (m.type === 'push' && typeof m.live === 'boolean' && typeof m.epoch === 'number') {
      this.#live = m.live;
      this.#epoch = m.epoch;
    } else if (m.type === 'task' && isPushedTask(m.pushed)) {
      this.#tasks.push(m.pushed);
    } else return;
    this.#events.emit('change');
  }

  take(): PushedTask | null {
    return this.#tasks.shift() ?? null;
  }

  onChange(listener: () => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }

  waiting(): void {
    this.#send({ type: 'waiting' });
  }
}

function isPushedTask(value: unknown): value is PushedTask {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PushedTask).taskId === 'string' &&
    'payload' in value
  );
}
