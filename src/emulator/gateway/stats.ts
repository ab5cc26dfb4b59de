/** Gateway counters for the admin API: connections, IDENTIFYs, RESUMEs and closes, per bot name (never token). */

/** One bot's gateway counters. */
export interface GatewayBotStats {
  /** Connections that IDENTIFYed or RESUMEd as this bot. */
  connections: number;
  /** Of those, how many are open now. */
  open: number;
  /** Successful IDENTIFYs (each READY). */
  identifies: number;
  /** Successful RESUMEs (each RESUMED). */
  resumes: number;
  /** INVALID_SESSION payloads sent (failed RESUME, identify too fast, or injected). */
  invalidSessions: number;
  /** `session_start_limit.remaining`, as `GET /gateway/bot` reports it now. */
  sessionStartsRemaining: number;
  /**
   * Times the session-start limit was exceeded: Discord then ends every session and resets the token, so the old
   * token gets 401 over REST and 4004 on the gateway.
   */
  tokenResets: number;
  /** Close codes the emulator sent to this bot's connections (`dropped`: cut without a close frame). */
  closedByServer: Record<string, number>;
  /** Close codes this bot's clients sent. */
  closedByClient: Record<string, number>;
}

/** A snapshot of the gateway counters. */
export interface GatewayStats {
  /** WebSocket upgrades accepted. */
  connections: number;
  /** Upgrades refused by an injected outage. */
  refused: number;
  /** Connections open now, authenticated or not. */
  open: number;
  /** Close codes the emulator sent to any connection (including ones that never identified). */
  closedByServer: Record<string, number>;
  byBot: Record<string, GatewayBotStats>;
}

type Counter = 'connections' | 'identifies' | 'resumes' | 'invalidSessions' | 'tokenResets';

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** Mutable counters behind {@link GatewayStats}. */
export class GatewayStatsRecorder {
  #connections = 0;
  #refused = 0;
  #closedByServer: Record<string, number> = {};
  #bots = new Map<
    string,
    { userId: string; stats: Omit<GatewayBotStats, 'open' | 'sessionStartsRemaining'> }
  >();

  #bot(name: string, userId: string): Omit<GatewayBotStats, 'open' | 'sessionStartsRemaining'> {
    let entry = this.#bots.get(name);
    if (!entry) {
      entry = {
        userId,
        stats: {
          connections: 0,
          identifies: 0,
          resumes: 0,
          invalidSessions: 0,
          tokenResets: 0,
          closedByServer: {},
          closedByClient: {},
        },
      };
      this.#bots.set(name, entry);
    }
    return entry.stats;
  }

  /** An upgrade was accepted (`true`) or refused by an outage (`false`). */
  upgrade(accepted: boolean): void {
    if (accepted) this.#connections += 1;
    else this.#refused += 1;
  }

  /** Count one event for a bot. */
  count(bot: { name: string; userId: string }, counter: Counter): void {
    this.#bot(bot.name, bot.userId)[counter] += 1;
  }

  /** Count a close; `bot` is unknown for connections that never authenticated. */
  closed(bot: { name: string; userId: string } | undefined, by: 'server' | 'client', code: string): void {
    if (by === 'server') bump(this.#closedByServer, code);
    if (!bot) return;
    const stats = this.#bot(bot.name, bot.userId);
    bump(by === 'server' ? stats.closedByServer : stats.closedByClient, code);
  }

  /** A deep copy, with the live values filled in by the caller. */
  snapshot(live: {
    open: number;
    openByUser: (userId: string) => number;
    remaining: (userId: string) => number;
  }): GatewayStats {
    const byBot: Record<string, GatewayBotStats> = {};
    for (const [name, { userId, stats }] of this.#bots) {
      byBot[name] = {
        ...structuredClone(stats),
        open: live.openByUser(userId),
        sessionStartsRemaining: live.remaining(userId),
      };
    }
    return {
      connections: this.#connections,
      refused: this.#refused,
      open: live.open,
      closedByServer: { ...this.#closedByServer },
      byBot,
    };
  }

  /** Zero everything. */
  reset(): void {
    this.#connections = 0;
    this.#refused = 0;
    this.#closedByServer = {};
    this.#bots.clear();
  }
}
