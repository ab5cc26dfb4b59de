/**
 * The lease on one claim, kept by its holder (as BullMQ's `LockManager` keeps job locks): a heartbeat timer, a
 * guard so heartbeats never overlap, a lease-lost signal, and the margin `complete` uses. The worker owns the task's
 * execution; this owns "do we still hold it".
 */
import { EventEmitter } from 'node:events';
import type { Bus, Claim } from '../bus/bus.js';
import { LeaseLostError } from '../lib/errors.js';

/** Options for {@link LeaseManager}. */
export interface LeaseManagerOptions {
  bus: Pick<Bus, 'heartbeat'>;
  claim: Claim;
  /** Time between heartbeats. */
  intervalMs: number;
  /** The lease: silence after which another worker may hand the claim back. */
  leaseMs: number;
  /** The progress text each heartbeat shows. */
  progress: () => string;
  /** When the claim was won (the claim request was sent), on the `monotonic` clock. */
  wonAt: number;
  /**
   * Monotonic clock in ms.
   * @defaultValue `performance.now`
   */
  monotonic?: () => number;
}

/** Events of a {@link LeaseManager}. */
export interface LeaseManagerEvents {
  /** Every timer tick, before the heartbeat (the worker sweeps from here while busy). */
  tick: [];
  /** A heartbeat succeeded. */
  renewed: [];
  /** The claim was handed back or closed by someone else: stop, the report would not count. */
  lost: [error: LeaseLostError];
  /** A heartbeat failed for another reason (the lease may still hold; the next one tries again). */
  failed: [error: unknown];
}

/** Keeps the lease on one claim. `start()` once; `stop()` is idempotent. */
export class LeaseManager extends EventEmitter<LeaseManagerEvents> {
  readonly #o: Required<LeaseManagerOptions>;
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;
  #renewedAt: number;
  #stopped = false;

  constructor(options: LeaseManagerOptions) {
    super();
    for (const key of ['intervalMs', 'leaseMs'] as const) {
      const v = options[key];
      if (!Number.isFinite(v) || v <= 0)
        throw new TypeError(`Expected \`${key}\` to be a finite number > 0, got \`${v}\``);
    }
    this.#o = { monotonic: () => performance.now(), ...options };
    this.#renewedAt = options.wonAt;
  }

  /** Aborted when the lease is lost. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once the lease was lost. */
  get lost(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * True while the claim was won or last renewed less than `leaseMs / 3` ago: no sweeper can have handed it back
   * yet (it waits a whole lease of silence), so `complete` may skip its fence.
   */
  fresh(): boolean {
    return !this.lost && this.#o.monotonic() - this.#renewedAt < this.#o.leaseMs / 3;
  }

  /**
   * Start the heartbeat timer (unref'd). The first heartbeat comes after `intervalMs` or `leaseMs / 6`, whichever is
   * sooner: on Discord it posts the claim's progress message, which needs no check only while the claim is younger
   * than `leaseMs / 3`.
   */
  start(): void {
    if (this.#timer || this.#stopped) return;
    const beat = () => {
      this.emit('tick');
      void this.renew();
    };
    const first = Math.min(this.#o.intervalMs, this.#o.leaseMs / 6);
    this.#timer = setTimeout(() => {
      if (this.#stopped) return;
      beat();
      this.#timer = setInterval(beat, this.#o.intervalMs);
      this.#timer.unref();
    }, first);
    this.#timer.unref();
  }

  /** Stop the timer and wait for a heartbeat in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) {
      clearTimeout(this.#timer);
      clearInterval(this.#timer);
    }
    this.#timer = null;
    await this.#inFlight;
  }

  /** One heartbeat, unless one is in flight already (then that one's promise). Never rejects. */
  renew(): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    if (this.lost) return Promise.resolve();
    const sentAt = this.#o.monotonic();
    this.#inFlight = this.#o.bus
      .heartbeat(this.#o.claim, this.#o.progress())
      .then(
        () => {
          this.#renewedAt = sentAt;
          this.emit('renewed');
        },
        (error: unknown) => {
          if (error instanceof LeaseLostError) {
            if (this.lost) return;
            this.#controller.abort(error);
            this.emit('lost', error);
          } else this.emit('failed', error);
        },
      )
      .finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }
}
