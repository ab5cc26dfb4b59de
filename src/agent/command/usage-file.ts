/**
 * Read the optional `USAGE.json` an agent may leave in its workspace (see {@link CommandRunner} for the format).
 */
import { readFile, stat } from 'node:fs/promises';
import type { AgentUsage } from '../../task/usage.js';

/** Name of the usage file in the workspace. */
export const USAGE_FILE_NAME = 'USAGE.json';

// Anything larger is not a usage report.
const MAX_USAGE_FILE_BYTES = 64 * 1024;
const MAX_MODEL_CHARS = 200;

/** What a usage file said. Absent fields were absent or invalid; invalid ones are explained in `notes`. */
export interface UsageReport {
  /** True when the file existed (even if nothing in it was usable). */
  found: boolean;
  /** Token counts, each missing count taken as 0; undefined when the file gave no count at all. */
  usage?: AgentUsage;
  model?: string;
  costUsd?: number;
  /** Why parts of the file were ignored. */
  notes: string[];
}

const TOKEN_FIELDS = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

/** Parse the text of a usage file. Lenient: keeps every valid field, names the invalid ones in `notes`. */
export function parseUsageReport(text: string): UsageReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { found: true, notes: [`${USAGE_FILE_NAME} ignored: not valid JSON`] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { found: true, notes: [`${USAGE_FILE_NAME} ignored: expected a JSON object`] };
  }
  const record = data as Record<string, unknown>;
  const report: UsageReport = { found: true, notes: [] };
  const bad: string[] = [];
  const usage: AgentUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  let anyCount = false;
  for (const field of TOKEN_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    if (isCount(value)) {
      usage[field] = Math.round(value);
      anyCount = true;
    } else bad.push(field);
  }
  if (anyCount) report.usage = usage;
  if (record.costUsd !== undefined) {
    if (isCount(record.costUsd)) report.costUsd = record.costUsd;
    else bad.push('costUsd');
  }
  if (record.model !== undefined) {
    const model = typeof record.model === 'string' ? record.model.trim() : '';
    if (model && model.length <= MAX_MODEL_CHARS) report.model = model;
    else bad.push('model');
  }
  if (bad.length)
    report.notes.push(`${USAGE_FILE_NAME}: ignored invalid ${bad.map((f) => `\`${f}\``).join(', ')}`);
  return report;
}

/** Read and parse a usage file; a missing file gives `{ found: false }`, never an error. */
export async function readUsageFile(path: string): Promise<UsageReport> {
  try {
    const info = await stat(path);
    if (info.size > MAX_USAGE_FILE_BYTES) {
      return {
        found: true,
        notes: [`${USAGE_FILE_NAME} ignored: larger than ${MAX_USAGE_FILE_BYTES} bytes`],
      };
    }
    return parseUsageReport(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false, notes: [] };
    return { found: true, notes: [`${USAGE_FILE_NAME} ignored: ${(error as Error).message}`] };
  }
}
