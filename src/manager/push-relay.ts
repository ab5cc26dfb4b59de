/**
 * The manager's side of push mode: the machine's one gateway session (a {@link PushSource}) relayed to its worker
 * processes. Each pushed task goes to one worker that said it is waiting (never to all: they would race for the same
 * claim); a task nobody is free for stays in the source until a worker is. Every worker hears whether pushes flow,
 * so it polls slowly while they do and at `POLL_INTERVAL` while they do not.
 */
import type { PushSource } from '../bus/bus.js';
import type { RelayMessage } from '../worker/relayed-push.js';
import type { Supervisor, WorkerMessage, WorkerSlot } from './supervisor.js';

/** A push source the relay can also tell that a task was claimed (the task feed can). */
export interface RelaySource extends PushSource {
  forget?(taskId: string): void;
}

/** Relays a push source to a supervisor's workers. `start()` once, `stop()` when the manager stops. */
export class PushRelay {
  readonly #supervisor: Supervisor;
  readonly #source: RelaySource;
  readonly #waiting = new Set<WorkerSlot>();
  readonly #detach: (() => void)[] = [];
  #said: { live: boolean; epoch: number } | null = null;
  /** Tasks handed to workers so far. */
  handedOut = 0;

  constructor(supervisor: Supervisor, source: RelaySource) {
    this.#supervisor = supervisor;
    this.#source = source;
  }

  /** Start relaying (call before `supervisor.start()`, so the first workers hear the push state). */
  start(): void {
    const s = this.#supervisor;
    const onStart = (slot: WorkerSlot) => {
      this.#waiting.delete(slot);
      this.#send(slot, { type: 'push', live: this.#source.live, epoch: this.#source.epoch });
    };
    const onMessage = (slot: WorkerSlot, message: WorkerMessage) => {
      if (message.type === 'waiting') {
        this.#waiting.add(slot);
        this.#dispatch();
      } else if (message.type === 'claimed') {
        this.#waiting.delete(slot);
        this.#source.forget?.(message.claim.task.id);
      }
    };
    const onExit = (slot: WorkerSlot) => this.#waiting.delete(slot);
    s.on('worker-start', onStart);
    s.on('worker-message', onMessage);
    s.on('worker-exit', onExit);
    this.#detach.push(
      () => s.off('worker-start', onStart),
      () => s.off('worker-message', onMessage),
      () => s.off('worker-exit', onExit),
      this.#source.onChange(() => this.#onChange()),
    );
  }

  /** Stop relaying. */
  stop(): void {
    for (const detach of this.#detach.splice(0)) detach();
    this.#waiting.clear();
  }

  #onChange(): void {
    const state = { live: this.#source.live, epoch: this.#source.epoch };
    if (this.#said?.live !== state.live || this.#said.epoch !== state.epoch) {
      this.#said = state;
      for (const slot of this.#supervisor.slots) this.#send(slot, { type: 'push', ...state });
    }
    this.#dispatch();
  }

  // Hand out pushed tasks, one per waiting worker, the longest-waiting slot first.
  #dispatch(): void {
    while (this.#waiting.size > 0) {
      const pushed = this.#source.take();
      if (!pushed) return;
      let sent = false;
      for (const slot of this.#waiting) {
        this.#waiting.delete(slot);
        if (this.#send(slot, { type: 'task', pushed })) {
          sent = true;
          this.handedOut++;
          break;
        }
      }
      // Nobody could take it (their processes went away): the next safety poll finds it.
      if (!sent) return;
    }
  }

  #send(slot: WorkerSlot, message: RelayMessage): boolean {
    const child = slot.process;
    if (!child?.connected) return false;
    try {
      // A failed send (the worker just exited) is an ignored error, not a crash. `false` only means "queued".
      child.send(message, undefined, {}, () => {});
      return true;
    } catch {
      return false;
    }
  }
}
