/**
 * The local cost ledger: one JSON line per finished task at `<runtimeDir>/ledger.jsonl`, appended by every worker
 * process on the machine, read by `dorch costs` and by the daily budget.
 *
 * Concurrency: each record is written with a single `appendFile` (O_APPEND) of one complete line. On a local Linux
 * filesystem the kernel positions every O_APPEND write at the end of the file and holds the inode lock for the
 * whole write, so lines from several processes never interleave or overwrite each other. (PIPE_BUF is the matching
 * guarantee for pipes; records are kept far below it, 4 KiB, so even that stricter bound holds.) Network
 * filesystems such as NFS do not give this guarantee. A process killed mid-write can leave a torn last line;
 * readers skip lines that do not parse.
 */
import { appendFile as fsAppendFile, mkdir as fsMkdir, open, readFile as fsReadFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RUNTIME_DIR } from '../config/defaults.js';

/** Records longer than this (bytes, newline included) are refused: see the module comment. */
export const MAX_RECORD_BYTES = 4096;

const usageSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative(),
});

const recordSchema = z.object({
  ts: z.string(),
  taskId: z.string(),
  workerId: z.string(),
  model: z.string(),
  outcome: z.string(),
  usage: usageSchema,
  costUsd: z.number().nonnegative(),
  durationMs: z.number().nonnegative(),
  costSource: z.enum(['runner', 'computed', 'unknown']).optional(),
});

/** One finished task. */
export interface LedgerRecord {
  /** ISO time the task finished. */
  ts: string;
  taskId: string;
  workerId: string;
  /** The model that actually ran. */
  model: string;
  /** `SUCCESS` or `FAILED`. */
  outcome: string;
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number };
  /** USD (0 when unknown; see `costSource`). */
  costUsd: number;
  durationMs: number;
  /** Where `costUsd` came from (`runner`, `computed`, `unknown`); optional for records written by hand. */
  costSource?: 'runner' | 'computed' | 'unknown';
}

/** File-system seams for the ledger. */
export interface LedgerFs {
  /** @defaultValue `fs.promises.appendFile` */
  appendFile?: (path: string, data: string) => Promise<void>;
  /** @defaultValue `fs.promises.mkdir` with `recursive: true` */
  mkdir?: (path: string) => Promise<unknown>;
  /** @defaultValue `fs.promises.readFile` (utf8) */
  readFile?: (path: string) => Promise<string>;
}

/** The ledger file inside a runtime folder. @param runtimeDir - @defaultValue `.runtime` */
export function ledgerPath(runtimeDir: string = DEFAULT_RUNTIME_DIR): string {
  return join(runtimeDir, 'ledger.jsonl');
}

/** Append one record as a single line (one write; see the module comment for why that is safe across processes). */
export async function appendLedger(path: string, record: LedgerRecord, fs: LedgerFs = {}): Promise<void> {
  const parsed = recordSchema.safeParse(record);
  if (!parsed.success)
    throw new TypeError(`Expected a valid ledger record: ${parsed.error.issues[0]?.message ?? ''}`);
  const line = `${JSON.stringify(record)}\n`;
  if (Buffer.byteLength(line) > MAX_RECORD_BYTES) {
    throw new TypeError(
      `Expected a ledger record under ${MAX_RECORD_BYTES} bytes, got ${Buffer.byteLength(line)}`,
    );
  }
  await (fs.mkdir ?? ((p: string) => fsMkdir(p, { recursive: true })))(dirname(path));
  await (fs.appendFile ?? ((p: string, d: string) => fsAppendFile(p, d, { flag: 'a' })))(path, line);
}

/** Parse ledger text: one record per valid line; blank, torn or foreign lines are skipped. */
export function parseLedger(text: string): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseLine(line);
    if (record) out.push(record);
  }
  return out;
}

/** Every record in the ledger, oldest first. A missing file is an empty ledger; a torn last line is skipped. */
export async function readLedger(path: string, fs: LedgerFs = {}): Promise<LedgerRecord[]> {
  try {
    return parseLedger(await (fs.readFile ?? ((p: string) => fsReadFile(p, 'utf8')))(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * USD spent today (UTC day of `now`) according to the ledger. Reads the file backwards from the end in blocks and
 * stops once it reaches records older than today, so the cost does not grow with the ledger's age.
 */
export async function spentToday(path: string, now: Date = new Date()): Promise<number> {
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const dayEnd = dayStart + 86_400_000;
  // Writers append in finishing order, but clocks of processes differ a little: read an hour past the boundary.
  const stopBefore = dayStart - 3_600_000;
  let nano = 0;
  for await (const record of readBackwards(path)) {
    const t = Date.parse(record.ts);
    if (Number.isNaN(t)) continue;
    if (t >= dayStart && t < dayEnd) nano += Math.round(record.costUsd * 1e9);
    if (t < stopBefore) break;
  }
  return nano / 1e9;
}

const BLOCK = 64 * 1024;

// Records from the end of the file to the start, newest first.
async function* readBackwards(path: string): AsyncGenerator<LedgerRecord> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return;
    throw error;
  }
  try {
    let position = (await handle.stat()).size;
    // Bytes already read whose line starts in an earlier (not yet read) block.
    let pending = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(BLOCK, position);
      position -= size;
      const block = Buffer.alloc(size);
      await handle.read(block, 0, size, position);
      const buf = Buffer.concat([block, pending]);
      // A line is complete only when it starts after a newline, or at the start of the file.
      const firstNewline = position === 0 ? -1 : buf.indexOf(0x0a);
      if (position > 0 && firstNewline === -1) {
        pending = buf;
        continue;
      }
      pending = buf.subarray(0, firstNewline + 1);
      const lines = buf
        .subarray(firstNewline + 1)
        .toString('utf8')
        .split('\n');
      for (let i = lines.length - 1; i >= 0; i -= 1) {
        const record = parseLine(lines[i] ?? '');
        if (record) yield record;
      }
    }
  } finally {
    await handle.close();
  }
}

function parseLine(line: string): LedgerRecord | undefined {
  const trimmed = line.trim();
  if (!trimmed) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
