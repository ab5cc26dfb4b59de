/**
 * The gateway's part of the world state: its settings, each bot's session-start budget, and the feed of world
 * events. It lives in `EmulatorState`, so REST routes can publish events and `GET /gateway/bot` can read budgets,
 * and a reseed starts it afresh.
 */
import { DEFAULT_GATEWAY_CONFIG, mergeGatewayConfig, type GatewayConfig } from './config.js';
import type { WorldEvent } from './world-events.js';

/** `session_start_limit` of `GET /gateway/bot`. */
export interface SessionStartLimit {
  total: number;
  remaining: number;
  reset_after: number;
  max_concurrency: number;
}

interface StartWindow {
  used: number;
  startedAt: number;
}

/** Gateway settings, session-start counting and the world-event feed. */
export class GatewayState {
  config: GatewayConfig = { ...DEFAULT_GATEWAY_CONFIG };
  readonly #starts = new Map<string, StartWindow>();
  #listener: ((event: WorldEvent) => void) | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Apply setting changes (validated; throws `TypeError`). */
  configure(changes: Partial<GatewayConfig> | Record<string, unknown>): GatewayConfig {
    this.config = mergeGatewayConfig(this.config, changes);
    return this.config;
  }

  /** Receive every world event (one listener: the gateway server). */
  listen(listener: ((event: WorldEvent) => void) | undefined): void {
    this.#listener = listener;
  }

  /** Publish a world event; called by REST routes right after the change is stored. */
  emit(event: WorldEvent): void {
    this.#listener?.(event);
  }

  #window(userId: string): StartWindow | undefined {
    const window = this.#starts.get(userId);
    if (window && this.#now() - window.startedAt >= this.config.sessionStartWindowMs) {
      this.#starts.delete(userId);
      return undefined;
    }
    return window;
  }

  /** The bot's current session-start budget. */
  sessionStartLimit(userId: string): SessionStartLimit {
    const { sessionStartLimit: total, sessionStartWindowMs, maxConcurrency } = this.config;
    const window = this.#window(userId);
    return {
      total,
      remaining: Math.max(0, total - (window?.used ?? 0)),
      reset_after: window ? window.startedAt + sessionStartWindowMs - this.#now() : sessionStartWindowMs,
      max_concurrency: maxConcurrency,
    };
  }

  /** Spend one session start; `false` (nothing spent) when the budget is already used up. */
  takeSessionStart(userId: string): boolean {
    const window = this.#window(userId) ?? { used: 0, startedAt: this.#now() };
    if (window.used >= this.config.sessionStartLimit) return false;
    window.used += 1;
    this.#starts.set(userId, window);
    return true;
  }
}
