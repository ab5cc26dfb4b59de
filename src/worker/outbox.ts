/**
 * A durable per-worker outbox for reports. A finished task's report is written to disk before it is sent, and
 * removed only once the bus has dealt with it, so a crash, an outage or a restart between "done" and "posted"
 * loses nothing. Delivery relies on `Bus.complete` being safe to repeat (`replay`), so replaying is safe.
 *
 * Transport trouble (the bus unreachable, a rate limit) keeps an entry for the next try, and stops a flush: the
 * entries behind it would fail the same way. Any other failure (a 403, a bug) will not pass by retrying: that entry
 * is set aside (`set-aside/`, with the reason) and the flush goes on, so one bad entry never blocks the others.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus, Claim, CompleteOptions, Completion } from '../bus/bus.js';
import type { TaskReport } from '../task/report.js';
import { BusUnavailableError, RateLimitedError, errorMessage } from '../lib/errors.js';

interface StoredEntry {
  claim: Claim;
  report: Omit<TaskReport, 'files'> & { files: { name: string; data: string }[] };
  /** Why the entry was set aside (only in `set-aside/`). */
  setAside?: string;
}

/** One undelivered report. */
export interface OutboxEntry {
  claim: Claim;
  report: TaskReport;
}

/** What one delivery did. */
export type Delivery =
  /** The bus dealt with it (reported, or superseded by another run); the entry is gone. */
  | { status: 'delivered'; completion: Completion }
  /** Transport trouble: the entry stays for the next try. */
  | { status: 'kept'; error: unknown }
  /** Refused for a reason retrying will not fix: the entry was moved to `set-aside/`. */
  | { status: 'set-aside'; error: unknown };

/** What a flush did. */
export interface FlushReport {
  delivered: { taskId: string; completion: Completion }[];
  setAside: { taskId: string; error: unknown }[];
}

/** True for errors that pass by waiting: the bus was unreachable or rate limited. */
export function isTransient(error: unknown): boolean {
  return error instanceof BusUnavailableError || error instanceof RateLimitedError;
}

/** Outbox folder for one worker. */
export class Outbox {
  readonly dir: string;

  constructor(runtimeDir: string, workerId: string) {
    this.dir = join(runtimeDir, 'outbox', workerId);
  }

  /** Where entries that could not be delivered for good are kept, for a person to look at. */
  get setAsideDir(): string {
    return join(this.dir, 'set-aside');
  }

  /** Persist a report before sending it. */
  async put(claim: Claim, report: TaskReport): Promise<void> {
    await this.#write(this.dir, claim.task.id, encode(claim, report));
  }

  /** Forget a delivered report. */
  async remove(taskId: string): Promise<void> {
    await rm(join(this.dir, `${taskId}.json`), { force: true });
  }

  /** The undelivered report for a task, or null. */
  async get(taskId: string): Promise<OutboxEntry | null> {
    try {
      return decode(JSON.parse(await readFile(join(this.dir, `${taskId}.json`), 'utf8')) as StoredEntry);
    } catch {
      return null;
    }
  }

  /**
   * Reports not yet delivered, in file-name order: by task id, so Discord tasks before local ones, each kind by its
   * (snowflake-like) id, which is oldest first while ids have the same number of digits.
   */
  async pending(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      const entry = await this.get(name.slice(0, -'.json'.length));
      // A torn file cannot happen (write + rename), but a hand-edited one can: leave it for a person.
      if (entry) entries.push(entry);
    }
    return entries;
  }

  /** Move an entry to `set-aside/` with the reason. */
  async setAside(taskId: string, reason: string): Promise<void> {
    const entry = await this.get(taskId);
    if (!entry) return;
    await this.#write(this.setAsideDir, taskId, { ...encode(entry.claim, entry.report), setAside: reason });
    await this.remove(taskId);
  }

  /** Send a report through the outbox: persist, deliver, forget (or keep, or set aside; see the module comment). */
  async send(bus: Bus, claim: Claim, report: TaskReport, options: CompleteOptions = {}): Promise<Delivery> {
    await this.put(claim, report);
    return this.#deliver(bus, { claim, report }, options);
  }

  /**
   * Deliver everything pending (each as a replay). Stops at transport trouble (throws it; the rest stays), sets
   * aside what fails otherwise and goes on.
   */
  async flush(bus: Bus): Promise<FlushReport> {
    const report: FlushReport = { delivered: [], setAside: [] };
    for (const entry of await this.pending()) {
      const delivery = await this.#deliver(bus, entry, { replay: true });
      if (delivery.status === 'kept') throw delivery.error;
      if (delivery.status === 'set-aside')
        report.setAside.push({ taskId: entry.claim.task.id, error: delivery.error });
      else report.delivered.push({ taskId: entry.claim.task.id, completion: delivery.completion });
    }
    return report;
  }

  async #deliver(bus: Bus, entry: OutboxEntry, options: CompleteOptions): Promise<Delivery> {
    const taskId = entry.claim.task.id;
    try {
      const completion = await bus.complete(entry.claim, entry.report, options);
      await this.remove(taskId);
      return { status: 'delivered', completion };
    } catch (error) {
      if (isTransient(error)) return { status: 'kept', error };
      await this.setAside(taskId, errorMessage(error));
      return { status: 'set-aside', error };
    }
  }

  async #write(dir: string, taskId: string, stored: StoredEntry): Promise<void> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${taskId}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(stored));
    await rename(tmp, file);
  }
}

function encode(claim: Claim, report: TaskReport): StoredEntry {
  return {
    claim,
    report: {
      ...report,
      files: report.files.map((f) => ({ name: f.name, data: f.data.toString('base64') })),
    },
  };
}

function decode(stored: StoredEntry): OutboxEntry {
  return {
    claim: stored.claim,
    report: {
      ...stored.report,
      files: stored.report.files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'base64') })),
    },
  };
}
