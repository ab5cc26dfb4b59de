/**
 * When this machine sweeps next. The time is kept in the runtime folder, not in the process: a worker that restarts
 * after every task would otherwise reset its schedule each time and, on a busy fleet, never sweep. Every worker on
 * the machine shares it, so the machine sweeps about once per interval whoever is due. Two workers racing on the file
 * may both sweep once: harmless, since a hand-back is safe to race.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { jitter } from '../lib/sleep.js';

/** Options for {@link SweepSchedule}. */
export interface SweepScheduleOptions {
  /** The runtime folder (the file is `<runtimeDir>/sweep-schedule.json`). */
  runtimeDir: string;
  /** Time between sweeps; each wait is drawn between 0.8× and 1.2× of it. */
  intervalMs: number;
  /** Wall clock. @defaultValue Date.now */
  now?: () => number;
  /** Randomness for the jitter. @defaultValue Math.random */
  random?: () => number;
}

/** The machine's sweep schedule. */
export class SweepSchedule {
  readonly file: string;
  readonly #o: Required<Omit<SweepScheduleOptions, 'runtimeDir'>>;

  constructor(options: SweepScheduleOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
      throw new TypeError(`Expected \`intervalMs\` to be a finite number > 0, got \`${options.intervalMs}\``);
    this.file = join(options.runtimeDir, 'sweep-schedule.json');
    this.#o = { now: Date.now, random: Math.random, ...options };
  }

  /**
   * True when a sweep is due now; then the next one is booked (one interval on), so the caller sweeps. A missing or
   * unreadable file means due.
   */
  async take(): Promise<boolean> {
    const now = this.#o.now();
    if (now < (await this.#next())) return false;
    await this.#write(now + jitter(this.#o.intervalMs, 0.8, 1.2, this.#o.random));
    return true;
  }

  async #next(): Promise<number> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as { next?: unknown };
      return typeof parsed.next === 'number' ? parsed.next : 0;
    } catch {
      return 0;
    }
  }

  async #write(next: number): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify({ next }));
    await rename(tmp, this.file);
  }
}
