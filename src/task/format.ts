/**
 * The result message in the seed's format (DESIGN §6), kept within Discord's limits: 2000 characters of content,
 * 10 attachments, 10 MiB per file, 25 MiB per message. Text is never escaped except for fences: mentions are
 * neutralised by `allowed_mentions`, not by changing what the agent wrote. Every piece of text is redacted and
 * stripped of control characters (NUL, C0/C1) first; file names are reduced to safe characters.
 */
import { stripControls } from '../lib/control-chars.js';
import { safeAttachmentName } from './file-name.js';
import type { ReportFile, TaskReport, WorkerStatus } from './report.js';
import type { AgentUsage } from './usage.js';

/** Discord's message content limit. */
export const MAX_CONTENT_LENGTH = 2000;
/** Discord's attachment count limit per message. */
export const MAX_ATTACHMENTS = 10;
/** Discord's default upload limit per file. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** Discord's upload limit per message. */
export const MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** The seed's separator line, first line of every result. */
export const REPORT_SEPARATOR = '═══════════════════════════════════════';
/** Name of the attachment holding the whole result when the message shows only part of it. */
export const RESULT_FILE_NAME = 'RESULT.txt';

const RESULT_TRUNCATED = `… (truncated; full text in ${RESULT_FILE_NAME})`;
const PROMPT_TRUNCATED = '… (truncated; full prompt in the task message)';
const ZWSP = '\u200b';
// Longer than any message, so a text cut to this length still reads as "too long" and gets truncated.
const HEAD = 3 * MAX_CONTENT_LENGTH;
// Caps on the fixed parts, so prompt and result always keep room in 2000 characters.
const CAP = {
  id: 64,
  model: 120,
  error: 300,
  note: 150,
  notes: 4,
  workspace: 150,
  skipped: 200,
  snippet: 300,
};

/** Everything needed to report one finished task. */
export interface ReportInput {
  outcome: 'SUCCESS' | 'FAILED';
  taskId: string;
  workerId: string;
  /** The model that actually ran (as the runner reported it). */
  model: string;
  /** The model that was asked for (resolved id); shown when it differs from `model`. */
  requestedModel?: string;
  thinking: string;
  usage: AgentUsage;
  costUsd: number;
  /** The prompt, tags stripped. */
  prompt: string;
  /** The agent's answer (on failure, whatever it printed). */
  text: string;
  /** Why the task failed, one sentence. */
  error?: string;
  /** Extra lines shown as `Note: …`. */
  notes: string[];
  durationMs: number;
  /** The workspace path to show (relative). */
  workspace: string;
  /** The machine the task ran on, shown after the workspace (`… on \`build-box\``). */
  machine?: string;
  /** Files the agent made, to attach. */
  files?: ReportFile[];
  /** The task that delegated this one (`[parent:]`): shown with a link to its thread. */
  parent?: string;
  /** What the tasks this one delegated cost (their own cost plus their children's), when it delegated any. */
  children?: ChildrenCost;
  /**
   * Applied to every piece of text (prompt, result, error, notes, model, file names, RESULT.txt) before layout, so
   * the length limit holds after redaction. Control characters are stripped after it.
   * @defaultValue identity
   */
  redact?: (text: string) => string;
}

/** The tasks a task delegated, as its report shows them (`Children: 2 tasks, $0.000300 in total`). */
export interface ChildrenCost {
  /** Tasks it submitted. */
  count: number;
  /** Their cost in USD, their own children included, as far as their results were in. */
  costUsd: number;
  /** How many had no result yet when this task reported (their cost is not in `costUsd`). */
  unfinished: number;
}

/** The header fields of a result message, as read back by {@link parseReportHeader}. */
export interface ReportHeader {
  outcome: 'SUCCESS' | 'FAILED';
  taskId: string;
  workerId: string;
  /** The model that ran. */
  model: string;
  /** The requested model, when the header says it differed. */
  requestedModel?: string;
  thinking: string;
  /** All prompt tokens (uncached + cache reads + cache writes). */
  tokensIn: number;
  /** Cache-read prompt tokens (0 when the header shows none). */
  cached: number;
  tokensOut: number;
  costUsd: number;
}

/** Build the result message, its attachments and the short thread summary. */
export function formatReport(input: ReportInput): TaskReport {
  const redact = input.redact ?? ((t: string) => t);
  const clean = (t: string) => stripControls(redact(t));
  const prompt = tidy(clean(input.prompt));
  const result = tidy(clean(input.text));
  const error = input.error === undefined ? undefined : oneLine(clean(input.error), CAP.error);
  const notes = input.notes.map((n) => oneLine(clean(n), CAP.note));
  if (notes.length > CAP.notes)
    notes.splice(CAP.notes - 1, Infinity, `… and ${notes.length - CAP.notes + 1} more`);

  // Only a head of each text can ever be shown; fencing a 10 MB result whole would cost about a second.
  const shownPrompt = fence(cut(prompt, HEAD) || '(empty)');
  const shownResult = fence(cut(result, HEAD) || '(no output)');
  const header = [
    REPORT_SEPARATOR,
    `[${input.outcome}] ${oneLine(clean(input.taskId), CAP.id)} by ${oneLine(clean(input.workerId), CAP.id)}`,
    modelLine(input, clean),
  ].join('\n');

  // Decide truncation before attachments are known: whether RESULT.txt is attached depends on it.
  const files: ReportFile[] = [];
  const skipped: string[] = [];
  const layout = (p: Part, r: Part): string =>
    render({
      header,
      prompt: p,
      result: r,
      error,
      notes,
      skipped,
      workspace: clean(input.workspace),
      machine: input.machine === undefined ? undefined : clean(input.machine),
      family: familyLines(input),
    });

  const fixed = layout({ text: '', truncated: false }, { text: '', truncated: false }).length;
  const avail = MAX_CONTENT_LENGTH - fixed;
  let promptPart: Part = { text: shownPrompt, truncated: false };
  let resultPart: Part = { text: shownResult, truncated: false };
  if (shownPrompt.length + shownResult.length > avail) {
    [promptPart, resultPart] = split(shownPrompt, shownResult, avail);
  }

  if (resultPart.truncated) files.push(resultFile(result, notes));
  attachAgentFiles(input.files ?? [], files, skipped, resultPart.truncated, redact);
  // The skipped-files line may have added length; shrink the result to make room.
  let content = layout(promptPart, resultPart);
  if (content.length > MAX_CONTENT_LENGTH && !resultPart.truncated) {
    const over = content.length - MAX_CONTENT_LENGTH;
    resultPart = {
      text: cut(shownResult, shownResult.length - over - RESULT_TRUNCATED.length - 1),
      truncated: true,
    };
    files.unshift(resultFile(result, notes));
    if (files.length > MAX_ATTACHMENTS) skipped.push(`\`${files.pop()!.name}\` (attachment limit)`);
    content = layout(promptPart, resultPart);
  }
  if (content.length > MAX_CONTENT_LENGTH) {
    const over = content.length - MAX_CONTENT_LENGTH;
    resultPart = { text: cut(resultPart.text, resultPart.text.length - over), truncated: true };
    content = layout(promptPart, resultPart);
  }
  // Unreachable with the caps above; a last guard so Discord never rejects the post.
  if (content.length > MAX_CONTENT_LENGTH) content = cut(content, MAX_CONTENT_LENGTH);

  return { outcome: input.outcome, content, files, summary: summarize(input, result, error) };
}

interface Part {
  text: string;
  truncated: boolean;
}

interface Layout {
  header: string;
  prompt: Part;
  result: Part;
  error: string | undefined;
  notes: string[];
  skipped: string[];
  workspace: string;
  machine: string | undefined;
  /** The Parent/Children lines. */
  family: string[];
}

// A thread started from a message has the message's id, so the parent's claim thread is `<#id>` (a link in Discord).
function familyLines(input: Pick<ReportInput, 'parent' | 'children'>): string[] {
  const lines: string[] = [];
  const parent = input.parent && /^(discord|local)-(\d{1,20})$/.exec(input.parent);
  if (parent)
    lines.push(`Parent: ${input.parent}${parent[1] === 'discord' ? ` (its thread: <#${parent[2]}>)` : ''}`);
  const c = input.children;
  if (c && c.count > 0) {
    const cost = Number.isFinite(c.costUsd) && c.costUsd > 0 ? c.costUsd : 0;
    lines.push(
      `Children: ${c.count} task${c.count === 1 ? '' : 's'}, $${cost.toFixed(6)} in total` +
        (c.unfinished > 0 ? `; ${c.unfinished} unfinished` : ''),
    );
  }
  return lines;
}

/** The family lines of a result message, as read by {@link readFamily}. */
export interface Family {
  parent?: string;
  children?: ChildrenCost;
}

const PARENT_LINE = /^Parent: ((?:discord|local)-\d{1,20})(?: \(its thread: <#\d+>\))?$/m;
const CHILDREN_LINE = /^Children: (\d+) tasks?, \$(\d+(?:\.\d+)?) in total(?:; (\d+) unfinished)?$/m;

/** Read the Parent/Children lines of a result message (outside its fenced blocks). */
export function readFamily(content: string): Family {
  // Only the part before the result block: the agent's own text could hold such a line.
  const head = content.split('\nResult:\n')[0] ?? '';
  const outside = head.replace(/```[\s\S]*?```/g, '');
  const family: Family = {};
  const p = PARENT_LINE.exec(outside);
  if (p) family.parent = p[1]!;
  const c = CHILDREN_LINE.exec(outside);
  if (c) family.children = { count: Number(c[1]), costUsd: Number(c[2]), unfinished: Number(c[3] ?? 0) };
  return family;
}

function render(l: Layout): string {
  const lines = [l.header, '', 'Task Prompt:', '```', l.prompt.text, '```'];
  if (l.prompt.truncated) lines.push(PROMPT_TRUNCATED);
  lines.push('');
  if (l.error !== undefined) lines.push(`Error: ${l.error}`);
  for (const note of l.notes) lines.push(`Note: ${note}`);
  lines.push(...l.family);
  if (l.error !== undefined || l.notes.length > 0 || l.family.length > 0) lines.push('');
  lines.push('Result:', '```', l.result.text, '```');
  if (l.result.truncated) lines.push(RESULT_TRUNCATED);
  lines.push('');
  if (l.skipped.length > 0) lines.push(`📎 Not attached: ${clipList(l.skipped, CAP.skipped)}`);
  const on = l.machine ? ` on \`${safeMachine(l.machine)}\`` : '';
  lines.push(`📁 Workspace: \`${oneLine(l.workspace, CAP.workspace).replace(/`/g, "'")}\`${on}`);
  return lines.join('\n');
}

// Share `avail` characters between prompt and result; the result gets most of the room.
function split(prompt: string, result: string, avail: number): [Part, Part] {
  const promptMarker = PROMPT_TRUNCATED.length + 1;
  const resultMarker = RESULT_TRUNCATED.length + 1;
  const promptShare = Math.floor(avail / 4);
  if (result.length <= avail - promptShare - promptMarker) {
    return [
      { text: cut(prompt, avail - result.length - promptMarker), truncated: true },
      { text: result, truncated: false },
    ];
  }
  if (prompt.length <= promptShare) {
    return [
      { text: prompt, truncated: false },
      { text: cut(result, avail - prompt.length - resultMarker), truncated: true },
    ];
  }
  return [
    { text: cut(prompt, promptShare - promptMarker), truncated: true },
    { text: cut(result, avail - promptShare - resultMarker), truncated: true },
  ];
}

function modelLine(input: ReportInput, clean: (text: string) => string): string {
  const model = oneLine(clean(input.model), CAP.model).replace(/\|/g, '/');
  const requested =
    input.requestedModel && oneLine(clean(input.requestedModel), CAP.model).replace(/\|/g, '/');
  const differs = requested !== undefined && requested !== '' && !sameModel(model, requested);
  const cost = Number.isFinite(input.costUsd) && input.costUsd > 0 ? input.costUsd : 0;
  return (
    `Model: ${model}${differs ? ` (requested ${requested})` : ''} | Thinking: ${oneLine(clean(input.thinking), 20)} | ` +
    `Tokens: ${tokens(input.usage)} | Cost: $${cost.toFixed(6)}`
  );
}

// Runners sometimes report the id without the routing prefix (`moonshotai/kimi-k2.5` for
// `openrouter/moonshotai/kimi-k2.5`); that is the same model, not a substitution.
function sameModel(a: string, b: string): boolean {
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

// `1234 in (200 cached) / 56 out`: `in` counts every prompt token, cached or not.
function tokens(usage: AgentUsage): string {
  const cached = count(usage.cacheRead);
  const total = count(usage.input) + cached + count(usage.cacheWrite);
  return `${total} in${cached > 0 ? ` (${cached} cached)` : ''} / ${count(usage.output)} out`;
}

/** `12.3 s`, `2 min 5 s`, `1 h 4 min`. */
export function formatDuration(ms: number): string {
  const safe = Number.isFinite(ms) && ms > 0 ? ms : 0;
  if (safe < 60_000) return `${(safe / 1000).toFixed(1)} s`;
  const totalSec = Math.round(safe / 1000);
  if (totalSec < 3600) return `${Math.floor(totalSec / 60)} min ${totalSec % 60} s`;
  return `${Math.floor(totalSec / 3600)} h ${Math.floor((totalSec % 3600) / 60)} min`;
}

/**
 * True when a claim thread's progress message shows a finished run's short form (what {@link formatReport} puts in
 * `summary`): its holder has fenced and is reporting.
 */
export function isReportSummary(text: string): boolean {
  return text.startsWith('✅ SUCCESS') || text.startsWith('❌ FAILED');
}

function summarize(input: ReportInput, result: string, error: string | undefined): string {
  const cost = Number.isFinite(input.costUsd) && input.costUsd > 0 ? input.costUsd : 0;
  const stats = `${formatDuration(input.durationMs)} · ${tokens(input.usage)} · $${cost.toFixed(6)}`;
  if (input.outcome === 'FAILED') return `❌ FAILED: ${error ?? 'unknown error'}\nafter ${stats}`;
  const snippet = result.length > CAP.snippet ? `${cut(result, CAP.snippet)}…` : result;
  return snippet === '' ? `✅ SUCCESS in ${stats}` : `✅ SUCCESS in ${stats}\n${snippet}`;
}

function resultFile(fullText: string, notes: string[]): ReportFile {
  let data = Buffer.from(fullText, 'utf8');
  if (data.length > MAX_FILE_BYTES) {
    data = data.subarray(0, MAX_FILE_BYTES);
    notes.push(`${RESULT_FILE_NAME} holds only the first 10 MiB of the result`);
  }
  return { name: RESULT_FILE_NAME, data };
}

// Names are posted as given by the agent only after safeAttachmentName; in the content they are in backticks, which
// such a name cannot contain, so no name can start Markdown or close a fence.
function attachAgentFiles(
  agentFiles: ReportFile[],
  files: ReportFile[],
  skipped: string[],
  hasResult: boolean,
  redact: (text: string) => string,
) {
  let total = files.reduce((sum, f) => sum + f.data.length, 0);
  for (const file of agentFiles) {
    const name = safeAttachmentName(file.name, redact);
    if (hasResult && name === RESULT_FILE_NAME) continue;
    if (file.data.length > MAX_FILE_BYTES) skipped.push(`\`${name}\` (too large: ${mib(file.data.length)})`);
    else if (files.length >= MAX_ATTACHMENTS) skipped.push(`\`${name}\` (attachment limit)`);
    else if (total + file.data.length > MAX_MESSAGE_BYTES) skipped.push(`\`${name}\` (25 MiB message limit)`);
    else {
      files.push({ name, data: file.data });
      total += file.data.length;
    }
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function clipList(items: string[], max: number): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const next = out === '' ? items[i]! : `${out}, ${items[i]}`;
    if (next.length > max) return `${out}${out === '' ? '' : ', '}and ${items.length - i} more`;
    out = next;
  }
  return out;
}

// Break every run of 3+ backticks so text inside a fenced block can never close it.
function fence(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.split('').join(ZWSP));
}

// Normalise line ends, drop leading blank lines and trailing whitespace; keep indentation.
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:[ \t]*\n)+/, '')
    .trimEnd();
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return flat.length > max ? `${cut(flat, max - 1)}…` : flat;
}

// Cut to at most `max` UTF-16 units without splitting a surrogate pair; prefer a line break near the end.
function cut(text: string, max: number): string {
  if (max <= 0) return '';
  if (text.length <= max) return text;
  let out = text.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1);
  const nl = out.lastIndexOf('\n');
  if (nl > 0 && nl >= out.length * 0.9) out = out.slice(0, nl);
  return out;
}

// A machine name as shown in results: one word, no backticks.
function safeMachine(name: string): string {
  return oneLine(name, CAP.id).replace(/[`\s]+/g, '-');
}

/** What {@link formatCancelled} needs. */
export interface CancelledInput {
  taskId: string;
  /** Who cancelled it, one word (a user name, `operator`). */
  by: string;
  /** How, to finish "Cancelled …": `with a 🛑 reaction`, `with dorch cancel on build-box`. */
  how: string;
  /** The worker that was running it, when it was running. */
  worker?: string;
  /** How long it had been running. */
  ranMs?: number;
  /** The prompt, tags stripped. */
  prompt: string;
  /** Applied to every piece of text. @defaultValue identity */
  redact?: (text: string) => string;
}

/**
 * The one result of a cancelled task, in the seed's layout: `[CANCELLED] <task id> by <who>`, how and what it
 * stopped, and the prompt.
 */
export function formatCancelled(input: CancelledInput): string {
  const redact = input.redact ?? ((t: string) => t);
  const clean = (t: string) => stripControls(redact(t));
  const by = oneLine(clean(input.by), CAP.id).replace(/\s+/g, '_') || 'someone';
  const what =
    input.worker === undefined
      ? 'It had not started.'
      : `It was running on ${oneLine(clean(input.worker), CAP.id)}${
          input.ranMs === undefined ? '' : ` for ${formatDuration(input.ranMs)}`
        }: stopped, its result is dropped.`;
  const head = [
    REPORT_SEPARATOR,
    `[CANCELLED] ${oneLine(clean(input.taskId), CAP.id)} by ${by}`,
    `Cancelled ${input.how.trim() ? `${oneLine(clean(input.how), CAP.note)} ` : ''}by ${by}. ${what}`,
    '',
    'Task Prompt:',
    '```',
  ].join('\n');
  const tail = '\n```';
  const prompt = fence(tidy(clean(input.prompt))) || '(empty)';
  const room = MAX_CONTENT_LENGTH - head.length - tail.length - 1 - PROMPT_TRUNCATED.length - 1;
  if (prompt.length + 1 + tail.length + head.length <= MAX_CONTENT_LENGTH) return `${head}\n${prompt}${tail}`;
  return `${head}\n${cut(prompt, room)}${tail}\n${PROMPT_TRUNCATED}`;
}

/** The outcome line of any result message, as read by {@link readResultLine}. */
export interface ResultLine {
  outcome: 'SUCCESS' | 'FAILED' | 'CANCELLED';
  taskId: string;
  /** The worker that ran it, or (CANCELLED) who cancelled it. */
  by: string;
  /** The machine it ran on, when the result names it. */
  machine?: string;
}

const RESULT_LINE = /^\[(SUCCESS|FAILED|CANCELLED)\] (\S+) by (\S+)$/;
const MACHINE_LINE = /^📁 Workspace: `[^`]*` on `([^`]+)`$/mu;

/** Read the outcome line of a result message (any outcome, ours or the seed's); null for any other message. */
export function readResultLine(content: string): ResultLine | null {
  const first = content
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && l !== REPORT_SEPARATOR);
  const m = RESULT_LINE.exec(first ?? '');
  if (!m) return null;
  const line: ResultLine = { outcome: m[1] as ResultLine['outcome'], taskId: m[2]!, by: m[3]! };
  const machine = MACHINE_LINE.exec(content)?.[1];
  if (machine) line.machine = machine;
  return line;
}

const HEADER_LINE = /^\[(SUCCESS|FAILED)\] (\S+) by (\S+)$/;
const MODEL_LINE =
  /^Model: (.+?)(?: \(requested (.+?)\))? \| Thinking: (\S+) \| Tokens: (\d+) in(?: \((\d+) cached\))? \/ (\d+) out \| Cost: \$(\d+(?:\.\d+)?)$/;

/**
 * Read the header of a result message (ours or the seed's): the inverse of the first lines {@link formatReport}
 * writes. Returns null for any other message.
 */
export function parseReportHeader(content: string): ReportHeader | null {
  const lines = content
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== REPORT_SEPARATOR)
    .slice(0, 2);
  const head = HEADER_LINE.exec(lines[0] ?? '');
  const model = MODEL_LINE.exec(lines[1] ?? '');
  if (!head || !model) return null;
  const header: ReportHeader = {
    outcome: head[1] as 'SUCCESS' | 'FAILED',
    taskId: head[2]!,
    workerId: head[3]!,
    model: model[1]!,
    thinking: model[3]!,
    tokensIn: Number(model[4]),
    cached: Number(model[5] ?? 0),
    tokensOut: Number(model[6]),
    costUsd: Number(model[7]),
  };
  if (model[2] !== undefined) header.requestedModel = model[2];
  return header;
}

/** A worker status line in the seed's form: `[worker-1] [READY] Online and waiting`. */
export function formatStatus(workerId: string, status: WorkerStatus, detail: string): string {
  const line = `[${oneLine(workerId, CAP.id)}] [${status}] ${detail.trim()}`.trimEnd();
  return line.length > MAX_CONTENT_LENGTH ? `${cut(line, MAX_CONTENT_LENGTH - 1)}…` : line;
}

/** A worker status line as read back by {@link parseStatus}. */
export interface StatusLine {
  workerId: string;
  status: string;
  detail: string;
  /** The machine the line names (`… (on build-box)`), when it does. */
  machine?: string;
}

const STATUS_LINE = /^\[([^\]\s]+)\] \[([A-Z_]+)\] ?([\s\S]*)$/;
const ON_MACHINE = /\s*\(on ([A-Za-z0-9_-]+)\)$/;

/** Read a status line written by {@link formatStatus} (the seed's form); null for any other message. */
export function parseStatus(content: string): StatusLine | null {
  const m = STATUS_LINE.exec(content.trim());
  if (!m) return null;
  const line: StatusLine = { workerId: m[1]!, status: m[2]!, detail: m[3]!.trim() };
  const on = ON_MACHINE.exec(line.detail);
  if (on) {
    line.machine = on[1]!;
    line.detail = line.detail.slice(0, on.index).trim();
  }
  return line;
}
