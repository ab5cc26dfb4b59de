/** Tunable gateway rules: heartbeats, session starts, resuming and the send limit. */

/** Gateway settings; every value has Discord's documented (or observed) default. */
export interface GatewayConfig {
  /** `heartbeat_interval` sent in HELLO. Tests use a few hundred ms. @defaultValue 41250 */
  heartbeatIntervalMs: number;
  /**
   * A connection that sends no heartbeat for `heartbeatIntervalMs × heartbeatTimeoutFactor` is closed with 1000
   * (the session stays resumable). Discord documents only "tolerance"; about two intervals is what client authors
   * observe (DiscordPHP issue #412). @defaultValue 2
   */
  heartbeatTimeoutFactor: number;
  /** IDENTIFYs allowed per bot per `sessionStartWindowMs`; one more resets the bot's token. @defaultValue 1000 */
  sessionStartLimit: number;
  /** Length of the session-start window, starting at the first IDENTIFY after a reset. @defaultValue 86400000 */
  sessionStartWindowMs: number;
  /** `max_concurrency`: IDENTIFYs per rate-limit key (`shard_id % max_concurrency`) per `identifyWindowMs`. @defaultValue 1 */
  maxConcurrency: number;
  /** Window of the identify concurrency limit; a faster IDENTIFY gets INVALID_SESSION `false`. 0 turns it off. @defaultValue 5000 */
  identifyWindowMs: number;
  /** How long a disconnected session stays resumable ("a few minutes"). @defaultValue 180000 */
  sessionTimeoutMs: number;
  /** Dispatches kept per session for RESUME; a resume from further back gets INVALID_SESSION `false`. @defaultValue 1000 */
  replayBufferSize: number;
  /** Payloads a client may send per connection per `sendWindowMs` before close 4008. @defaultValue 120 */
  sendLimit: number;
  /** Window of the send limit. @defaultValue 60000 */
  sendWindowMs: number;
  /** Largest payload a client may send before close 4002. @defaultValue 4096 */
  maxPayloadBytes: number;
}

/** Defaults of {@link GatewayConfig}. */
export const DEFAULT_GATEWAY_CONFIG = {
  heartbeatIntervalMs: 41_250,
  heartbeatTimeoutFactor: 2,
  sessionStartLimit: 1000,
  sessionStartWindowMs: 86_400_000,
  maxConcurrency: 1,
  identifyWindowMs: 5000,
  sessionTimeoutMs: 180_000,
  replayBufferSize: 1000,
  sendLimit: 120,
  sendWindowMs: 60_000,
  maxPayloadBytes: 4096,
} as const satisfies GatewayConfig;

const MINIMUMS: Record<keyof GatewayConfig, { min: number; integer: boolean }> = {
  heartbeatIntervalMs: { min: 10, integer: true },
  heartbeatTimeoutFactor: { min: 1, integer: false },
  sessionStartLimit: { min: 0, integer: true },
  sessionStartWindowMs: { min: 1, integer: true },
  maxConcurrency: { min: 1, integer: true },
  identifyWindowMs: { min: 0, integer: true },
  sessionTimeoutMs: { min: 0, integer: true },
  replayBufferSize: { min: 1, integer: true },
  sendLimit: { min: 1, integer: true },
  sendWindowMs: { min: 1, integer: true },
  maxPayloadBytes: { min: 64, integer: true },
};

/** `base` with `changes` applied; throws a `TypeError` naming the key for an unknown key or a bad value. */
export function mergeGatewayConfig(base: GatewayConfig, changes: Record<string, unknown>): GatewayConfig {
  const out: GatewayConfig = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const rule = MINIMUMS[key as keyof GatewayConfig];
    if (!rule) {
      throw new TypeError(
        `Unknown gateway setting \`${key}\`; expected one of ${Object.keys(MINIMUMS).join(', ')}`,
      );
    }
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < rule.min ||
      (rule.integer && !Number.isInteger(value))
    ) {
      throw new TypeError(
        `Expected \`${key}\` to be ${rule.integer ? 'an integer' : 'a finite number'} >= ${rule.min}, got \`${String(value)}\` (${typeof value})`,
      );
    }
    out[key as keyof GatewayConfig] = value;
  }
  return out;
}
