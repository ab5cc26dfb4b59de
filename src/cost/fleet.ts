/**
 * Ledger records for the whole fleet, rebuilt from the result messages in `#results` (every machine posts there,
 * while each machine's ledger only knows its own workers).
 */
import type { LedgerRecord } from './ledger.js';

/** The fields of a result message header that cost reports need (what `parseReportHeader` returns). */
export interface ResultHeader {
  outcome: string;
  taskId: string;
  workerId: string;
  model: string;
  thinking?: string;
  /** All prompt tokens, cached ones included, as the result line prints them. */
  tokensIn: number;
  /** Cache-read prompt tokens, when the line shows them. */
  cached?: number;
  tokensOut: number;
  /** Undefined or null when the message says the cost is unknown. */
  costUsd?: number | null;
}

/** A message from the history: its text, plus its time when the reader knows it. */
export type FleetMessage = string | { content: string; timestamp?: string };

/** Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds; snowflakes count from it. */
const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Turn `#results` messages (newest first) into ledger records. Messages the parser rejects are skipped, and a
 * task reported twice counts once (the newest report wins). The time of a record is the message's timestamp when
 * given, else the submit time encoded in a `discord-<snowflake>` task id, else unknown (grouped as `unknown`).
 */
export async function fleetRecords(
  messages: AsyncIterable<FleetMessage>,
  parse: (content: string) => ResultHeader | null,
): Promise<LedgerRecord[]> {
  const seen = new Set<string>();
  const out: LedgerRecord[] = [];
  for await (const message of messages) {
    const content = typeof message === 'string' ? message : message.content;
    const header = parse(content);
    if (!header || seen.has(header.taskId)) continue;
    seen.add(header.taskId);
    const cached = Math.min(header.cached ?? 0, header.tokensIn);
    const known = typeof header.costUsd === 'number' && Number.isFinite(header.costUsd);
    out.push({
      ts: (typeof message === 'string' ? undefined : message.timestamp) ?? snowflakeTime(header.taskId) ?? '',
      taskId: header.taskId,
      workerId: header.workerId,
      model: header.model,
      outcome: header.outcome,
      usage: {
        input: Math.max(0, header.tokensIn - cached),
        output: header.tokensOut,
        cacheRead: cached,
        // The message does not split out cache writes: they stay inside `input`.
        cacheWrite: 0,
      },
      costUsd: known ? (header.costUsd as number) : 0,
      // The result message does not carry the run time.
      durationMs: 0,
      ...(known ? {} : { costSource: 'unknown' as const }),
    });
  }
  // History arrives newest first; reports read better oldest first, like the local ledger.
  return out.reverse();
}

/** The ISO time encoded in a `discord-<snowflake>` task id, or undefined for other ids. */
export function snowflakeTime(taskId: string): string | undefined {
  const match = /^discord-(\d{1,20})$/.exec(taskId);
  if (!match?.[1]) return undefined;
  const ms = (BigInt(match[1]) >> 22n) + DISCORD_EPOCH;
  return new Date(Number(ms)).toISOString();
}
