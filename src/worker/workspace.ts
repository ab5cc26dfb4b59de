/**
 * The per-task workspace: `workers/<worker-id>/tasks/<task-id>/` with TASK.txt, AGENTS.md, RESULT.txt and
 * agent-output.log. Each task gets a fresh folder, so nothing from an earlier task leaks into its context.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { isSafeTaskId, type Task } from '../task/task.js';
import { TaskInvalidError } from '../lib/errors.js';
import type { ReportFile } from '../task/report.js';
import { safeAttachmentName } from '../task/file-name.js';
import { screenFile } from './screen-file.js';

/** Files the worker itself writes; everything else in the folder afterwards was made by the agent. */
export const WORKSPACE_FILES = [
  'TASK.txt',
  'AGENTS.md',
  'RESULT.txt',
  'agent-output.log',
  'USAGE.json',
] as const;

/** A prepared workspace. */
export interface Workspace {
  /** Absolute path. */
  dir: string;
  /** Path relative to the current directory, for the result message. */
  display: string;
  /** Names of input files downloaded from the task's attachments. */
  inputs: string[];
}

/** Where a worker's task folders live. */
export function taskDir(workDir: string, workerId: string, taskId: string): string {
  if (!isSafeTaskId(taskId)) throw new TaskInvalidError(`refusing unsafe task id \`${taskId}\``);
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(workerId))
    throw new TaskInvalidError(`refusing unsafe worker id \`${workerId}\``);
  return join(workDir, workerId, 'tasks', taskId);
}

/** Options for {@link prepareWorkspace}. */
export interface PrepareOptions {
  workDir: string;
  workerId: string;
  task: Task;
  prompt: string;
  /** Injected download seam. @defaultValue global fetch */
  fetch?: typeof fetch;
}

/** Create a fresh workspace for a task: TASK.txt, AGENTS.md, and the task's attachments. */
export async function prepareWorkspace(options: PrepareOptions): Promise<Workspace> {
  const display = taskDir(options.workDir, options.workerId, options.task.id);
  // resolve, not join: an absolute workDir (WORK_DIR=/srv/tasks) must not end up under the cwd.
  const dir = resolve(display);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const inputs: string[] = [];
  const doFetch = options.fetch ?? fetch;
  for (const attachment of options.task.attachments) {
    const name = safeFileName(attachment.filename);
    if (name === 'TASK.txt') continue; // the long-prompt attachment was already read into `prompt`
    const response = await doFetch(attachment.url);
    if (!response.ok) throw new Error(`could not download attachment ${name}: HTTP ${response.status}`);
    await writeFile(join(dir, name), Buffer.from(await response.arrayBuffer()));
    inputs.push(name);
  }
  await writeFile(join(dir, 'TASK.txt'), options.prompt);
  await writeFile(join(dir, 'AGENTS.md'), agentsMd(options.task, inputs));
  return { dir, display: relative(process.cwd(), dir) || display, inputs };
}

/** The agent's briefing: the task and its folder, nothing about the orchestrator (the agent needs no identity). */
function agentsMd(task: Task, inputs: string[]): string {
  const lines = [
    '# Task context',
    '',
    `Task id: ${task.id}`,
    'The task is in TASK.txt in this folder. Work only inside this folder.',
    'Answer with the result; files you create here are delivered with the result.',
  ];
  if (inputs.length) lines.push('', 'Input files provided with the task:', ...inputs.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Files the agent created (not the worker's own files, not the inputs), with their sizes. */
export async function agentFiles(ws: Workspace): Promise<{ name: string; size: number }[]> {
  const skip = new Set<string>([...WORKSPACE_FILES, ...ws.inputs]);
  const out: { name: string; size: number }[] = [];
  for (const entry of await readdir(ws.dir, { withFileTypes: true })) {
    if (!entry.isFile() || skip.has(entry.name) || entry.name.startsWith('.')) continue;
    out.push({ name: entry.name, size: (await stat(join(ws.dir, entry.name))).size });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A file name that cannot escape the folder. */
export function safeFileName(name: string): string {
  const base = basename(name).replace(/[^A-Za-z0-9._-]/g, '_');
  return base && base !== '.' && base !== '..' ? base : 'file';
}

/** Discord's attachment limits: 10 files per message, 10 MiB each. */
const MAX_DISCORD_FILES = 10;
const MAX_FILE_BYTES = 10 * 1024 * 1024;
// Names in a note are cut to this many characters each.
const NOTE_NAME_CHARS = 40;

/** The agent's files as they may be posted, and notes saying what was left out or changed, and why. */
export interface Attachments {
  files: ReportFile[];
  /** At most three lines naming the files left out (and why) or redacted. */
  notes: string[];
}

/**
 * The agent's files that may go with the result: each is read once (never through a symbolic link, never more than
 * 10 MiB) and screened with `redact` (see {@link screenFile}); what is attached is exactly what was screened. One
 * attachment slot stays free for RESULT.txt, which the report adds when it truncates the text. The cost is bounded:
 * at most 9 files of at most 10 MiB are read.
 */
export async function attachableFiles(
  ws: Workspace,
  redact: (text: string) => string = (t) => t,
): Promise<Attachments> {
  const skip = new Set<string>([...WORKSPACE_FILES, ...ws.inputs]);
  // An agent may remove its own folder: then there is nothing to attach (the result still reports the run).
  const entries = await readdir(ws.dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: ReportFile[] = [];
  const limits: string[] = [];
  const links: string[] = [];
  const redacted: string[] = [];
  const withheld: string[] = [];
  let renamed = false;
  for (const entry of entries) {
    if (skip.has(entry.name) || entry.name.startsWith('.')) continue;
    const shown = safeAttachmentName(entry.name, redact);
    if (entry.isSymbolicLink()) {
      links.push(shown);
      continue;
    }
    if (!entry.isFile()) continue;
    if (files.length >= MAX_DISCORD_FILES - 1) {
      limits.push(shown);
      continue;
    }
    const data = await readRegularFile(join(ws.dir, entry.name), MAX_FILE_BYTES);
    if (data === 'too-large') limits.push(shown);
    if (!Buffer.isBuffer(data)) continue;
    const screened = screenFile(entry.name, data, redact);
    renamed ||= screened.renamed;
    if (screened.action === 'withhold') {
      withheld.push(screened.name);
      continue;
    }
    files.push(screened.file);
    if (screened.redacted) redacted.push(screened.file.name);
  }
  // Few lines: the report shows at most four notes, and the first says what was kept back and why.
  const notes: string[] = [];
  const kept = [
    ...withheld.map((n) => `${quoted(n)} (holds a secret)`),
    ...links.map((n) => `${quoted(n)} (symbolic link, not followed)`),
  ];
  if (kept.length) notes.push(`not attached: ${kept.join(', ')}`);
  if (redacted.length || renamed) {
    const where = [
      ...(redacted.length ? [`the attached ${redacted.map(quoted).join(', ')}`] : []),
      ...(renamed ? ['a file name'] : []),
    ];
    notes.push(`secrets redacted from ${where.join(' and from ')}`);
  }
  if (limits.length)
    notes.push(`not attached (Discord limits): ${limits.join(', ')}; they are in the workspace`);
  return { files, notes };
}

function quoted(name: string): string {
  return `\`${name.length > NOTE_NAME_CHARS ? `${name.slice(0, NOTE_NAME_CHARS - 1)}…` : name}\``;
}

/**
 * The content of a regular file, read without following a symbolic link (O_NOFOLLOW) and without blocking on a
 * FIFO put there after the directory was listed; undefined when it is not a regular file or cannot be read.
 */
async function readRegularFile(path: string, maxBytes: number): Promise<Buffer | 'too-large' | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return undefined;
    if (info.size > maxBytes) return 'too-large';
    // One byte more than expected, so a file that grew while being read is noticed.
    const data = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(data, length, data.length - length, length);
      length += bytesRead;
      if (bytesRead === 0 || length === data.length) break;
    }
    if (length > maxBytes) return 'too-large';
    return data.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
