/** Checks of IDENTIFY and RESUME payloads that need no state: shape errors become close codes. */
import { CloseCode } from './protocol.js';

/** A well-formed IDENTIFY. */
export interface IdentifyRequest {
  token: string;
  intents: number;
  shard: [number, number];
  /** Whether the client sent `shard` (READY echoes it only then). */
  shardSent: boolean;
}

/** A well-formed RESUME. */
export interface ResumeRequest {
  token: string;
  sessionId: string;
  seq: number;
}

/** A payload that must be answered with this close code. */
export interface Rejection {
  close: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Libraries send the bare token; a `Bot ` prefix is tolerated.
function bareToken(token: string): string {
  return token.startsWith('Bot ') ? token.slice(4) : token;
}

/** Parse `d` of an IDENTIFY ([gwe] Identify Structure). */
export function parseIdentify(d: unknown): IdentifyRequest | Rejection {
  if (!isRecord(d) || !isRecord(d.properties)) return { close: CloseCode.DecodeError };
  if (typeof d.token !== 'string' || d.token === '') return { close: CloseCode.AuthenticationFailed };
  const { intents } = d;
  if (typeof intents !== 'number' || !Number.isInteger(intents) || intents < 0)
    return { close: CloseCode.InvalidIntents };
  let shard: [number, number] = [0, 1];
  const shardSent = d.shard !== undefined && d.shard !== null;
  if (shardSent) {
    const [id, count] = Array.isArray(d.shard) ? (d.shard as unknown[]) : [];
    if (
      !Array.isArray(d.shard) ||
      d.shard.length !== 2 ||
      !Number.isInteger(id) ||
      !Number.isInteger(count) ||
      (count as number) < 1 ||
      (id as number) < 0 ||
      (id as number) >= (count as number)
    )
      return { close: CloseCode.InvalidShard };
    shard = [id as number, count as number];
  }
  return { token: bareToken(d.token), intents, shard, shardSent };
}

/** Parse `d` of a RESUME ([gwe] Resume Structure). */
export function parseResume(d: unknown): ResumeRequest | Rejection {
  if (!isRecord(d)) return { close: CloseCode.DecodeError };
  if (typeof d.token !== 'string' || d.token === '') return { close: CloseCode.AuthenticationFailed };
  if (typeof d.session_id !== 'string') return { close: CloseCode.DecodeError };
  const seq = d.seq ?? 0;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return { close: CloseCode.InvalidSeq };
  return { token: bareToken(d.token), sessionId: d.session_id, seq };
}

/** Narrow a parse result. */
export function isRejection(value: object): value is Rejection {
  return 'close' in value;
}
