/**
 * The per-task workspace: `workers/<worker-id>/tasks/<task-id>/` with TASK.txt, AGENTS.md, RESULT.txt and
 * agent-output.log. Each task gets a fresh folder, so nothing from an earlier task leaks into its context.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { isSafeTaskId, type Task } from '../task/task.js';
import { TaskInvalidError } from '../lib/errors.js';
import type { ReportFile } from '../bus/bus.js';

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

/** Read one workspace file. */
export function readWorkspaceFile(ws: Workspace, name: string): Promise<Buffer> {
  return readFile(join(ws.dir, safeFileName(name)));
}

/** A file name that cannot escape the folder. */
export function safeFileName(name: string): string {
  const base = basename(name).replace(/[^A-Za-z0-9._-]/g, '_');
  return base && base !== '.' && base !== '..' ? base : 'file';
}

/** Discord's attachment limits: 10 files per message, 10 MiB each. */
const MAX_DISCORD_FILES = 10;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/**
 * The agent's files that fit in a result message, and the names of those that do not. One attachment slot stays
 * free for RESULT.txt, which the report adds when it truncates the text.
 */
export async function attachableFiles(ws: Workspace): Promise<{ files: ReportFile[]; skipped: string[] }> {
  const made = await agentFiles(ws).catch(() => []);
  const files: ReportFile[] = [];
  const skipped: string[] = [];
  for (const f of made) {
    if (files.length >= MAX_DISCORD_FILES - 1 || f.size > MAX_FILE_BYTES) {
      skipped.push(f.name);
      continue;
    }
    files.push({ name: f.name, data: await readWorkspaceFile(ws, f.name) });
  }
  return { files, skipped };
}
