/** How far a chaos run is: which tasks have a result, and whether the fleet has settled. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmulatorAdmin } from '../../src/emulator/admin/client.js';
import type { EmulatorWorld } from '../../src/emulator/world.js';
import { sleep } from '../../src/lib/sleep.js';
import { markersIn } from './checks.js';
import type { Submission } from './submissions.js';

/** The markers with a result in #results, read about once a second. */
export class Progress {
  readonly #admin: EmulatorAdmin;
  readonly #results: string;
  readonly #total: number;
  #done = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(admin: EmulatorAdmin, resultsChannel: string, total: number) {
    this.#admin = admin;
    this.#results = resultsChannel;
    this.#total = total;
  }

  get done(): ReadonlySet<string> {
    return this.#done;
  }

  /** Fraction of all tasks with a result. */
  get fraction(): number {
    return this.#done.size / this.#total;
  }

  start(): void {
    const tick = async () => {
      try {
        const messages = await this.#admin.messages(this.#results);
        this.#done = new Set(messages.flatMap((m) => markersIn(m.content)));
      } catch {
        // The emulator is busy; the next tick reads again.
      }
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), 1000);
    };
    void tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Resolve once `fraction` reaches `at`, or `giveUp` says so. */
  async reach(at: number, giveUp: () => boolean): Promise<void> {
    while (this.fraction < at && !giveUp()) await sleep(250);
  }
}

/**
 * Wait until every submission has a result, no task thread is active, and nothing waits in an outbox or the local
 * queue. Resolves to null, or to what was still pending when `giveUp` said so.
 */
export async function settle(
  admin: EmulatorAdmin,
  world: EmulatorWorld,
  runtimeDir: string,
  submissions: readonly Submission[],
  giveUp: () => boolean,
): Promise<string | null> {
  const files = async (dir: string) => await readdir(dir).catch(() => [] as string[]);
  for (;;) {
    const results = new Set(
      (await admin.messages(world.channels.results)).flatMap((m) => markersIn(m.content)),
    );
    const missing = submissions.filter((x) => !results.has(x.marker)).length;
    const active = (await admin.messages(world.channels.taskQueue)).filter((m) => {
      const thread = m.thread as { thread_metadata?: { archived: boolean } } | undefined;
      return thread && !thread.thread_metadata?.archived;
    }).length;
    let outbox = 0;
    for (const worker of await files(join(runtimeDir, 'outbox')))
      outbox += (await files(join(runtimeDir, 'outbox', worker))).filter((f) => f.endsWith('.json')).length;
    const local =
      (await files(join(runtimeDir, 'queue', 'pending'))).length +
      (await files(join(runtimeDir, 'queue', 'claimed'))).length;
    if (missing + active + outbox + local === 0) return null;
    if (giveUp())
      return `${missing} task(s) without a result, ${active} active thread(s), ${outbox} outbox entr(ies), ${local} local queue file(s)`;
    await sleep(1000);
  }
}
