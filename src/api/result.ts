/**
 * One task's result, the shape the library API returns and `dorch submit --wait --json`, `dorch wait --json` and
 * `dorch result --json` print (one per task).
 */
import { parseReportHeader, readFamily, readResultLine } from '../task/format.js';

/** How a task ended; `null` while (or when, at a timeout) it has no result. */
export type Outcome = 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'REFUSED';

/** A file attached to a result. */
export interface ResultAttachment {
  name: string;
  /** Where to download it (Discord's CDN URL). */
  url: string;
  size: number;
}

/** One task's result. */
export interface TaskResult {
  /** The task id as submitted. */
  taskId: string;
  /** The id the result was reported under: a retry copy's when the task was requeued, else `taskId`. */
  resultTaskId: string;
  /** `outcome === 'SUCCESS'`. */
  ok: boolean;
  /** How it ended; null: no result (yet, or in time). */
  outcome: Outcome | null;
  /** The agent's answer (the whole of it when the message shows only part and RESULT.txt could be read). */
  text: string;
  /** Why it failed, was cancelled, refused or not answered in time. */
  error?: string;
  /** The model that ran (as the runner reported it). */
  model?: string;
  /** The model asked for, when it differs from `model`. */
  requestedModel?: string;
  thinking?: string;
  /** Tokens: all prompt tokens (`input`, cache reads included), of which `cached`; `output`. */
  tokens?: { input: number; cached: number; output: number };
  /** This task's own cost, USD. */
  costUsd: number;
  /** What the tasks it delegated cost, USD (their children included), when it delegated any. */
  childrenCostUsd?: number;
  /** The worker that ran it, or who cancelled it. */
  worker?: string;
  machine?: string;
  /** The task that delegated this one. */
  parent?: string;
  attachments: ResultAttachment[];
  /** From submission to the result's post, ms (queueing, retries and the run). */
  durationMs?: number;
  /** The result message as posted. */
  message?: string;
}

/** A result message as found. */
export interface FoundMessage {
  content: string;
  attachments: ResultAttachment[];
  postedAt: string;
}

const RESULT_BLOCK = /\nResult:\n```\n([\s\S]*?)\n```(?:\n… \(truncated; full text in RESULT\.txt\))?/;
const ERROR_LINE = /^Error: (.*)$/m;
const ZWSP_FENCE = /`(?:\u200b`){2,}/g;

/** Build a {@link TaskResult} from a result message (any outcome). */
export function resultFromMessage(taskId: string, resultTaskId: string, found: FoundMessage): TaskResult {
  const content = found.content;
  const line = readResultLine(content);
  const header = parseReportHeader(content);
  const family = readFamily(content);
  const outcome: Outcome = line?.outcome ?? 'FAILED';
  const block = RESULT_BLOCK.exec(content)?.[1];
  const text = (block ?? '').replace(ZWSP_FENCE, (run) => run.replace(/\u200b/g, ''));
  const result: TaskResult = {
    taskId,
    resultTaskId,
    ok: outcome === 'SUCCESS',
    outcome,
    text: text === '(no output)' ? '' : text,
    costUsd: header?.costUsd ?? 0,
    attachments: found.attachments,
    message: content,
  };
  const error =
    outcome === 'CANCELLED'
      ? (/^Cancelled .*$/m.exec(content)?.[0] ?? 'cancelled')
      : ERROR_LINE.exec(content.split('\nResult:\n')[0] ?? '')?.[1];
  if (error) result.error = error;
  if (header) {
    result.model = header.model;
    if (header.requestedModel) result.requestedModel = header.requestedModel;
    result.thinking = header.thinking;
    result.tokens = { input: header.tokensIn, cached: header.cached, output: header.tokensOut };
  }
  if (family.children) result.childrenCostUsd = family.children.costUsd;
  if (family.parent) result.parent = family.parent;
  if (line) result.worker = line.by;
  if (line?.machine) result.machine = line.machine;
  const started = submittedAt(taskId);
  const posted = Date.parse(found.postedAt);
  if (started !== undefined && Number.isFinite(posted)) result.durationMs = Math.max(0, posted - started);
  return result;
}

/** A result for a task that has none: refused, or no result in time. */
export function noResult(taskId: string, outcome: 'REFUSED' | null, error: string): TaskResult {
  return { taskId, resultTaskId: taskId, ok: false, outcome, text: '', error, costUsd: 0, attachments: [] };
}

/** The total a result counts against a budget: its own cost and its children's. */
export function totalCost(result: TaskResult): number {
  return result.costUsd + (result.childrenCostUsd ?? 0);
}

// A Discord task id is a snowflake, which carries the time it was made.
function submittedAt(taskId: string): number | undefined {
  const m = /^discord-(\d{1,20})$/.exec(taskId);
  return m ? Number((BigInt(m[1]!) >> 22n) + 1_420_070_400_000n) : undefined;
}
