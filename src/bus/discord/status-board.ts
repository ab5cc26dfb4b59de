/**
 * `#worker-pool` as one status message per worker, edited in place (issue #11's live view, with the seed's words
 * READY, CLAIMED, RESTARTING, IDLE). Status writes are the least important requests a worker makes, so they are:
 * - **coalesced**: only the newest status is written, and nothing when it is what the message already says;
 * - **debounced**: a change is written after `debounceMs`, and never sooner than `debounceMs` after the previous
 *   write, so a task shorter than that (CLAIMED, then READY again) writes nothing, and a longer one at most one edit
 *   per change;
 * - **off the task path**: `set` returns at once; the write runs in the background and its failure is only a
 *   `warning`. It also uses its own rate-limit bucket (edits in `#worker-pool`), never the ones of `#task-queue`
 *   and `#results`.
 * The message id and its last text live in a small file per worker, so a worker that restarts after every task
 * edits the same message, and writes nothing when its successor's READY is what the message says already.
 */
import { EventEmitter } from 'node:events';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errorMessage } from '../../lib/errors.js';
import { DiscordCode, hasDiscordCode } from './errors.js';
import type { TaskChannel } from './task-life/channel.js';

/** What is remembered about a worker's status message. */
export interface StatusRecord {
  channelId: string;
  messageId: string;
  /** The text the message shows. */
  content: string;
}

/** Where {@link StatusRecord}s are kept (a file per worker by default). */
export interface StatusStore {
  load(workerId: string): Promise<StatusRecord | null>;
  save(workerId: string, record: StatusRecord): Promise<void>;
}

/** A {@link StatusStore} of JSON files, `<dir>/<workerId>.json`. */
export function fileStatusStore(dir: string): StatusStore {
  const file = (workerId: string) => join(dir, `${workerId}.json`);
  return {
    async load(workerId) {
      try {
        const parsed = JSON.parse(await readFile(file(workerId), 'utf8')) as Partial<StatusRecord>;
        return typeof parsed.channelId === 'string' &&
          typeof parsed.messageId === 'string' &&
          typeof parsed.content === 'string'
          ? (parsed as StatusRecord)
          : null;
      } catch {
        return null;
      }
    },
    async save(workerId, record) {
      const path = file(workerId);
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(record));
      await rename(tmp, path);
    },
  };
}

/** A store that remembers nothing (every process posts its own first status message). */
export const MEMORY_STATUS_STORE = (): StatusStore => {
  const records = new Map<string, StatusRecord>();
  return {
    load: async (workerId) => records.get(workerId) ?? null,
    save: async (workerId, record) => void records.set(workerId, record),
  };
};

/** Options of {@link StatusBoard}. */
export interface StatusBoardOptions {
  /** The calls (post, edit) of the bus. */
  channel: TaskChannel;
  /** `#worker-pool`. */
  channelId: string;
  workerId: string;
  store: StatusStore;
  /** Wait before writing a change, and the least time between two writes. @defaultValue 1500 */
  debounceMs?: number;
}

/** Events of a {@link StatusBoard}. */
export interface StatusBoardEvents {
  /** A write failed (it is tried again with the next change, or at `flush`). */
  warning: [message: string];
}

/** One worker's status message. `set` often; `flush` when the process ends. */
export class StatusBoard extends EventEmitter<StatusBoardEvents> {
  readonly #o: Required<StatusBoardOptions>;
  #record: Promise<StatusRecord | null> | null = null;
  #wanted: { content: string; transient: boolean } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(options: StatusBoardOptions) {
    super();
    const debounceMs = options.debounceMs ?? 1500;
    if (!Number.isFinite(debounceMs) || debounceMs < 0)
      throw new TypeError(`Expected \`debounceMs\` to be a finite number >= 0, got \`${debounceMs}\``);
    this.#o = { ...options, debounceMs };
  }

  /**
   * Show `content` (soon). `transient`: a state the next process replaces at once (RESTARTING): it is written only
   * if it is still the newest when the debounce ends, and never by {@link flush}.
   */
  set(content: string, transient = false): void {
    if (this.#closed) return;
    this.#wanted = { content, transient };
    this.#schedule();
  }

  /**
   * Write the newest non-transient status now (the process is ending) and stop; gives up after `timeoutMs` (an
   * unreachable Discord must not hold up a shutdown for a status line).
   */
  async flush(timeoutMs = 3000): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const last = (async () => {
      await this.#writing;
      if (this.#wanted && !this.#wanted.transient) await this.#write();
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([last, timeout]);
    clearTimeout(timer);
  }

  #schedule(): void {
    if (this.#timer || this.#writing) return;
    const wait = Math.max(this.#o.debounceMs, this.#lastWriteAt + this.#o.debounceMs - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#writing = this.#write().finally(() => {
        this.#writing = null;
        if (this.#wanted && !this.#closed) this.#schedule();
      });
    }, wait);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    const wanted = this.#wanted;
    if (!wanted) return;
    this.#record ??= this.#o.store.load(this.#o.workerId).catch(() => null);
    const record = await this.#record;
    const current = record?.channelId === this.#o.channelId ? record : null;
    if (current?.content === wanted.content) {
      if (this.#wanted === wanted) this.#wanted = null;
      return;
    }
    this.#lastWriteAt = performance.now();
    try {
      let messageId = current?.messageId;
      if (messageId) {
        try {
          await this.#o.channel.edit(this.#o.channelId, messageId, wanted.content);
        } catch (error) {
          // Deleted, or written by another bot (the worker's token changed): start a new message.
          if (!(hasDiscordCode(error, DiscordCode.UnknownMessage) || hasDiscordCode(error, 50005)))
            throw error;
          messageId = undefined;
        }
      }
      if (!messageId)
        messageId = (await this.#o.channel.post(this.#o.channelId, { content: wanted.content })).id;
      const next = { channelId: this.#o.channelId, messageId, content: wanted.content };
      this.#record = Promise.resolve(next);
      if (this.#wanted === wanted) this.#wanted = null;
      await this.#o.store
        .save(this.#o.workerId, next)
        .catch((error: unknown) =>
          this.emit('warning', `status message id not saved: ${errorMessage(error)}`),
        );
    } catch (error) {
      this.emit('warning', `status not written: ${errorMessage(error)}`);
    }
  }
}
