/**
 * A durable per-worker outbox for reports. A finished task's report is written to disk before it is sent, and
 * removed only once Discord has it, so a crash, an outage or a restart between "done" and "posted" loses nothing.
 * Delivery relies on `Bus.complete` being idempotent (nonces + PUT/PATCH), so replaying is safe.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bus, Claim, TaskReport } from '../bus/bus.js';

interface StoredEntry {
  claim: Claim;
  report: Omit<TaskReport, 'files'> & { files: { name: string; data: string }[] };
}

/** One undelivered report. */
export interface OutboxEntry {
  claim: Claim;
  report: TaskReport;
}

/** Outbox folder for one worker. */
export class Outbox {
  readonly dir: string;

  constructor(runtimeDir: string, workerId: string) {
    this.dir = join(runtimeDir, 'outbox', workerId);
  }

  /** Persist a report before sending it. */
  async put(claim: Claim, report: TaskReport): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const stored: StoredEntry = {
      claim,
      report: {
        ...report,
        files: report.files.map((f) => ({ name: f.name, data: f.data.toString('base64') })),
      },
    };
    const file = join(this.dir, `${claim.task.id}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(stored));
    await rename(tmp, file);
  }

  /** Forget a delivered report. */
  async remove(taskId: string): Promise<void> {
    await rm(join(this.dir, `${taskId}.json`), { force: true });
  }

  /** Reports not yet delivered, oldest task first. */
  async pending(): Promise<OutboxEntry[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const entries: OutboxEntry[] = [];
    for (const name of names) {
      try {
        const stored = JSON.parse(await readFile(join(this.dir, name), 'utf8')) as StoredEntry;
        entries.push({
          claim: stored.claim,
          report: {
            ...stored.report,
            files: stored.report.files.map((f) => ({ name: f.name, data: Buffer.from(f.data, 'base64') })),
          },
        });
      } catch {
        // A torn file cannot happen (write + rename), but a hand-edited one can: leave it for a person.
      }
    }
    return entries;
  }

  /** Send a report through the outbox: persist, deliver, forget. Throws (and keeps it) when delivery fails. */
  async send(bus: Bus, claim: Claim, report: TaskReport): Promise<void> {
    await this.put(claim, report);
    await bus.complete(claim, report);
    await this.remove(claim.task.id);
  }

  /** Deliver everything pending; returns how many were delivered. Stops at the first failure (order matters). */
  async flush(bus: Bus): Promise<number> {
    let delivered = 0;
    for (const entry of await this.pending()) {
      await bus.complete(entry.claim, entry.report);
      await this.remove(entry.claim.task.id);
      delivered++;
    }
    return delivered;
  }
}
