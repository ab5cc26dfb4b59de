/**
 * The folder behind the local queue and the few file operations it is built from. Every write lands atomically
 * (a temp file in the same folder, then `rename`), and every state change starts with a `rename` of the file
 * that holds the current state, so exactly one process wins it (the losers see `ENOENT`).
 *
 * Layout under `<runtimeDir>/queue/`:
 * - `pending/<id>.json`: queued tasks.
 * - `claimed/<id>.json` + `claimed/<id>.lease.json`: held tasks and their heartbeat.
 * - `claimed/<id>.<op>.<ms>.json`: a task in the middle of a change (`complete`, `drain`, `requeue-<digits>`),
 *   so the sweeper can finish the change if its process died half-way.
 * - `done/<id>.json` (+ `done/<id>.files/`): tasks that left the queue, with the report when completed.
 * - `attachments/<id>/`: files submitted with a task.
 * - `worker-pool.log`, `results.log`: append-only logs for people.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LOCAL_TASK_ID } from './ids.js';

/** An operation recorded in a transition file name. */
export type TransitionOp = 'complete' | 'drain' | `requeue-${string}`;

/** What a file name in `claimed/` stands for. */
export type ClaimedEntry =
  | { kind: 'claim'; id: string }
  | { kind: 'lease'; id: string }
  | { kind: 'transition'; id: string; op: TransitionOp; requeueDigits?: string; stampMs: number };

const TASK_FILE = /^(local-\d{1,20})\.json$/;
const LEASE_FILE = /^(local-\d{1,20})\.lease\.json$/;
const TRANSITION_FILE = /^(local-\d{1,20})\.(complete|drain|requeue-(\d{1,20}))\.(\d{1,16})\.json$/;

/** The task id of a `<id>.json` file name in `pending/` or `done/`, or null for anything else (temp files...). */
export function taskIdOfFile(name: string): string | null {
  return TASK_FILE.exec(name)?.[1] ?? null;
}

/** Classify a file name found in `claimed/`; null for temp files and strangers. */
export function parseClaimedName(name: string): ClaimedEntry | null {
  const task = TASK_FILE.exec(name);
  if (task?.[1]) return { kind: 'claim', id: task[1] };
  const lease = LEASE_FILE.exec(name);
  if (lease?.[1]) return { kind: 'lease', id: lease[1] };
  const transition = TRANSITION_FILE.exec(name);
  if (transition?.[1] && transition[2] && transition[4]) {
    return {
      kind: 'transition',
      id: transition[1],
      op: transition[2] as TransitionOp,
      ...(transition[3] ? { requeueDigits: transition[3] } : {}),
      stampMs: Number(transition[4]),
    };
  }
  return null;
}

/** A file name safe to create inside our folders: no separators, no leading dot, bounded length. */
export function safeFileName(name: string): string {
  const base = basename(name.replaceAll('\\', '/'))
    .replace(/[^\w.\- ]/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(0, 120);
  return base.length > 0 ? base : 'file';
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function assertTaskId(id: string): void {
  // Defense in depth: callers validate ids already, but nothing outside this pattern may become a path.
  if (!LOCAL_TASK_ID.test(id))
    throw new TypeError(`Expected a local task id (local-<digits>), got \`${id}\``);
}

/** Paths and atomic file operations of one queue folder. */
export class QueueStore {
  /** `<runtimeDir>/queue`. */
  readonly root: string;
  readonly pendingDir: string;
  readonly claimedDir: string;
  readonly doneDir: string;
  readonly attachmentsDir: string;
  readonly workerPoolLog: string;
  readonly resultsLog: string;
  #ready: Promise<void> | undefined;

  constructor(runtimeDir: string) {
    this.root = join(runtimeDir, 'queue');
    this.pendingDir = join(this.root, 'pending');
    this.claimedDir = join(this.root, 'claimed');
    this.doneDir = join(this.root, 'done');
    this.attachmentsDir = join(this.root, 'attachments');
    this.workerPoolLog = join(this.root, 'worker-pool.log');
    this.resultsLog = join(this.root, 'results.log');
  }

  /** Create the folders (once per instance; safe when other processes do it too). */
  ensure(): Promise<void> {
    this.#ready ??= (async () => {
      for (const dir of [this.pendingDir, this.claimedDir, this.doneDir, this.attachmentsDir]) {
        await mkdir(dir, { recursive: true });
      }
    })();
    // A failed mkdir must not stick: let the next call try again.
    this.#ready.catch(() => (this.#ready = undefined));
    return this.#ready;
  }

  /** `pending/<id>.json`. Throws `TypeError` unless `id` is `local-<digits>` (as do all path helpers). */
  pendingPath(id: string): string {
    assertTaskId(id);
    return join(this.pendingDir, `${id}.json`);
  }

  /** `claimed/<id>.json`: the held task. */
  claimedPath(id: string): string {
    assertTaskId(id);
    return join(this.claimedDir, `${id}.json`);
  }

  /** `claimed/<id>.lease.json`: the holder, its token and last heartbeat. */
  leasePath(id: string): string {
    assertTaskId(id);
    return join(this.claimedDir, `${id}.lease.json`);
  }

  /** `claimed/<id>.<op>.<ms>.json`: a task in the middle of a change started at `stampMs`. */
  transitionPath(id: string, op: TransitionOp, stampMs: number): string {
    assertTaskId(id);
    return join(this.claimedDir, `${id}.${op}.${Math.max(0, Math.floor(stampMs))}.json`);
  }

  /** `done/<id>.json`: how the task left the queue. */
  donePath(id: string): string {
    assertTaskId(id);
    return join(this.doneDir, `${id}.json`);
  }

  /** `done/<id>.files/`: the report's files. */
  doneFilesDir(id: string): string {
    assertTaskId(id);
    return join(this.doneDir, `${id}.files`);
  }

  /** `attachments/<id>/`: files submitted with the task. */
  attachmentsOf(id: string): string {
    assertTaskId(id);
    return join(this.attachmentsDir, id);
  }

  /** Write a file so readers see the old content or the new one, never a part. */
  async writeAtomic(path: string, data: string | Buffer): Promise<void> {
    const temp = join(path, '..', `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, data, { flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** {@link writeAtomic} for a pretty-printed JSON value (people read these files). */
  writeJson(path: string, value: unknown): Promise<void> {
    return this.writeAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** The parsed JSON of a file; null when it does not exist; `{ corrupt: true }` when it is not JSON. */
  async readJson(path: string): Promise<{ value: unknown } | { corrupt: true } | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return null;
      throw error;
    }
    try {
      return { value: JSON.parse(text) as unknown };
    } catch {
      return { corrupt: true };
    }
  }

  /**
   * Move a file; true when this call moved it, false when the source was gone (another process won).
   * This is the claim primitive: of many concurrent renames of one source, exactly one succeeds.
   */
  async move(from: string, to: string): Promise<boolean> {
    try {
      await rename(from, to);
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    }
  }

  /** File names in a folder; empty when the folder does not exist. */
  async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
  }

  /** True when something exists at `path`. */
  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return false;
      throw error;
    }
  }

  /** Remove a file or folder; nothing happens when it is already gone. */
  remove(path: string): Promise<void> {
    return rm(path, { force: true, recursive: true });
  }

  /** Append text to a log file (one `write` with `O_APPEND`, so lines from several processes do not interleave). */
  append(path: string, text: string): Promise<void> {
    return appendFile(path, text, 'utf8');
  }

  /** Store files in a folder under safe, distinct names; returns the names used, in order. */
  async writeFiles(dir: string, files: ReadonlyArray<{ name: string; data: Buffer }>): Promise<string[]> {
    if (files.length === 0) return [];
    await mkdir(dir, { recursive: true });
    const used = new Set<string>();
    const names: string[] = [];
    for (const file of files) {
      const safe = safeFileName(file.name);
      let name = safe;
      for (let n = 2; used.has(name); n += 1) name = `${n}-${safe}`;
      used.add(name);
      await this.writeAtomic(join(dir, name), file.data);
      names.push(name);
    }
    return names;
  }
}
