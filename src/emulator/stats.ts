/** Request counters for the admin API: by route template, status and bot name (never by token). */

/** A snapshot of the counters. */
export interface EmulatorStats {
  /** Every `/api` request that got an answer or was dropped by a fault. */
  total: number;
  /** Keyed `METHOD /template`, e.g. `POST /channels/{channel_id}/messages`; unknown routes count as `METHOD ?`. */
  byRoute: Record<string, number>;
  /** Keyed by HTTP status; dropped connections count as `dropped`. */
  byStatus: Record<string, number>;
  /** Keyed by the user's name; requests without a valid token count as `(unauthenticated)`. */
  byBot: Record<string, number>;
  /** 401, 403 and 429 answers (except 429s with scope `shared`) per user name, as Discord counts them. */
  invalid: Record<string, number>;
  /**
   * 429 answers: `route` for bucket limits, `global` for the per-bot global limit, `shared` for shared-scope ones
   * (the thread-creation throttle, or a bucket set to `scope: 'shared'`).
   */
  rateLimited: { route: number; global: number; shared: number };
  /** Answers replaced or connections dropped by injected faults. */
  faults: { errors: number; drops: number };
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

/** Mutable counters behind {@link EmulatorStats}. */
export class StatsRecorder {
  #stats: EmulatorStats = StatsRecorder.empty();

  /** All counters at zero. */
  static empty(): EmulatorStats {
    return {
      total: 0,
      byRoute: {},
      byStatus: {},
      byBot: {},
      invalid: {},
      rateLimited: { route: 0, global: 0, shared: 0 },
      faults: { errors: 0, drops: 0 },
    };
  }

  /** Count one answered (or dropped) request. */
  record(init: {
    route: string;
    status: number | 'dropped';
    user: string;
    invalid: boolean;
    rateLimited?: 'route' | 'global' | 'shared';
    fault?: 'error' | 'drop';
  }): void {
    const s = this.#stats;
    s.total += 1;
    bump(s.byRoute, init.route);
    bump(s.byStatus, String(init.status));
    bump(s.byBot, init.user);
    if (init.invalid) bump(s.invalid, init.user);
    if (init.rateLimited) s.rateLimited[init.rateLimited] += 1;
    if (init.fault === 'error') s.faults.errors += 1;
    if (init.fault === 'drop') s.faults.drops += 1;
  }

  /** A deep copy of the counters. */
  snapshot(): EmulatorStats {
    return structuredClone(this.#stats);
  }

  /** Zero everything. */
  reset(): void {
    this.#stats = StatsRecorder.empty();
  }
}
