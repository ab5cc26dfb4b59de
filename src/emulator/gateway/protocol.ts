/**
 * Gateway wire constants: paths, opcodes, close codes and intents, with Discord's rules about them
 * (`events/gateway.mdx`, `topics/opcodes-and-status-codes.mdx` in discord/discord-api-docs).
 */
import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';

/** Where `GET /gateway/bot` sends clients. */
export const GATEWAY_PATH = '/gateway';
/** READY's `resume_gateway_url` path: a different URL, as on Discord, so tests can see clients use it. */
export const RESUME_PATH = '/gateway/resume';

export { GatewayCloseCodes as CloseCode, GatewayOpcodes as Op };

/** Opcodes a client may send; anything else closes with 4001. */
export const CLIENT_OPCODES: ReadonlySet<number> = new Set([
  GatewayOpcodes.Heartbeat,
  GatewayOpcodes.Identify,
  GatewayOpcodes.PresenceUpdate,
  GatewayOpcodes.VoiceStateUpdate,
  GatewayOpcodes.Resume,
  GatewayOpcodes.RequestGuildMembers,
  GatewayOpcodes.RequestSoundboardSounds,
  GatewayOpcodes.RequestChannelInfo,
]);

/** Every intent bit Discord defines; any other bit closes with 4013. */
export const VALID_INTENTS = Object.values(GatewayIntentBits)
  .filter((bit): bit is number => typeof bit === 'number')
  .reduce((all, bit) => all | bit, 0);

/** Intents that must be switched on for the app first, else 4014. */
export const PRIVILEGED_INTENTS =
  GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildPresences | GatewayIntentBits.MessageContent;

export { GatewayIntentBits as Intent };

/**
 * Server close codes after which the session is gone (a RESUME gets INVALID_SESSION). Other codes, and a dropped
 * TCP connection, leave it resumable until it times out.
 */
export const SESSION_ENDING_CLOSE_CODES: ReadonlySet<number> = new Set([
  GatewayCloseCodes.AuthenticationFailed,
  GatewayCloseCodes.InvalidSeq,
  GatewayCloseCodes.SessionTimedOut,
  GatewayCloseCodes.InvalidShard,
  GatewayCloseCodes.ShardingRequired,
  GatewayCloseCodes.InvalidAPIVersion,
  GatewayCloseCodes.InvalidIntents,
  GatewayCloseCodes.DisallowedIntents,
]);

/**
 * Client close codes that end the session: "When you close the connection to the gateway with close code 1000 or
 * 1001, your session will be invalidated" ([gw] Initiating a Disconnect).
 */
export const CLIENT_ENDING_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001]);

/** The reason text sent with each close code (Discord's "Description" column). */
export const CLOSE_REASONS: Readonly<Record<number, string>> = {
  4000: 'Unknown error',
  4001: 'Unknown opcode',
  4002: 'Decode error',
  4003: 'Not authenticated',
  4004: 'Authentication failed',
  4005: 'Already authenticated',
  4007: 'Invalid seq',
  4008: 'Rate limited',
  4009: 'Session timed out',
  4010: 'Invalid shard',
  4011: 'Sharding required',
  4012: 'Invalid API version',
  4013: 'Invalid intent(s)',
  4014: 'Disallowed intent(s)',
};

/** A server → client payload: `s` and `t` are null unless `op` is 0. */
export function frame(op: number, d: unknown, s: number | null = null, t: string | null = null): string {
  return JSON.stringify({ op, d, s, t });
}
