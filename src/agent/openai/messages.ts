/**
 * The chat messages for one task: a system message with the task context (what kind of work this is, which files
 * came with it; nothing about the orchestrator) and the user's prompt. A chat completion cannot open files, so
 * small text attachments are included inline and the others are named.
 */
import { open, readdir as fsReaddir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentRequest } from '../runner.js';

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** File-system seams and limits for {@link buildMessages}. */
export interface MessageOptions {
  /** The system message's opening. @defaultValue {@link DEFAULT_SYSTEM_PROMPT} */
  systemPrompt?: string;
  /** Largest attachment included inline, bytes. @defaultValue 16384 */
  maxInlineBytes?: number;
  /** Total inline attachment budget, bytes. @defaultValue 65536 */
  maxInlineTotalBytes?: number;
  /** Lists workspace files (relative paths). @defaultValue recursive `fs.promises.readdir` */
  listFiles?: (dir: string) => Promise<string[]>;
  /** Reads at most `limit` bytes from the start of a file. @defaultValue a bounded `fs.promises` read */
  readFile?: (path: string, limit: number) => Promise<Buffer>;
}

/** The default system message opening. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are completing one self-contained task. There is no follow-up conversation: do not ask questions; state ' +
  'any assumption you make and give the complete answer as your reply (Markdown is fine).';

// Files the worker puts in every workspace; they are not attachments.
const WORKSPACE_FILES = new Set(['TASK.txt', 'AGENTS.md', 'RESULT.txt', 'agent-output.log']);
const MAX_LISTED = 50;

/** The messages for a request. */
export async function buildMessages(
  request: AgentRequest,
  options: MessageOptions = {},
): Promise<ChatMessage[]> {
  const attachments = await listAttachments(request.workspace, options.listFiles);
  const maxInline = options.maxInlineBytes ?? 16_384;
  let budget = options.maxInlineTotalBytes ?? 65_536;
  const inline: string[] = [];
  const named: string[] = [];
  for (const name of attachments) {
    const data = await readSmall(join(request.workspace, name), maxInline, options.readFile);
    if (data !== undefined && data.length <= budget && isText(data)) {
      budget -= data.length;
      inline.push(`<file name="${name}">\n${data.toString('utf8')}\n</file>`);
    } else {
      named.push(name);
    }
  }

  let system = options.systemPrompt ?? DEFAULT_SYSTEM_PROMPT;
  if (attachments.length > 0) {
    system += `\n\nThe task came with these files: ${attachments.join(', ')}.`;
    if (inline.length > 0) system += ' Text files are included after the task.';
    if (named.length > 0)
      system += ` You cannot open ${named.join(', ')}; work from their names and the task.`;
  }
  const user = inline.length > 0 ? `${request.prompt}\n\n${inline.join('\n\n')}` : request.prompt;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

async function listAttachments(
  workspace: string,
  listFiles?: (dir: string) => Promise<string[]>,
): Promise<string[]> {
  let names: string[];
  try {
    names = await (listFiles ?? defaultListFiles)(workspace);
  } catch {
    // A workspace that cannot be listed has no attachments worth failing the task for.
    return [];
  }
  return names
    .map((n) => n.split('\\').join('/'))
    .filter((n) => !WORKSPACE_FILES.has(n) && !n.split('/').some((part) => part.startsWith('.')))
    .sort()
    .slice(0, MAX_LISTED);
}

async function defaultListFiles(dir: string): Promise<string[]> {
  const entries = await fsReaddir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => {
      // `parentPath` is the Node 20.12+ name; `path` the older one.
      const parent =
        (e as { parentPath?: string; path?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
      return join(parent, e.name)
        .slice(dir.length)
        .replace(/^[/\\]+/, '');
    });
}

// The file when it is at most `max` bytes; undefined when larger or unreadable.
async function readSmall(
  path: string,
  max: number,
  readFile: ((path: string, limit: number) => Promise<Buffer>) | undefined,
): Promise<Buffer | undefined> {
  try {
    const data = await (readFile ?? readHead)(path, max + 1);
    return data.length <= max ? data : undefined;
  } catch {
    return undefined;
  }
}

async function readHead(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await handle.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isText(data: Buffer): boolean {
  return !data.subarray(0, 8192).includes(0);
}
