/**
 * SIGKILLs at bad moments: a worker at a random moment (one running an agent, when one does); a worker right after
 * Discord committed its result post (the answer held back by a `timing: "after"` latency rule, seen on the
 * emulator's event feed); every run of one task until it is out of attempts; and the manager while it hands back a
 * dead worker's task (right after Discord committed the retry copy). Each worker kill watches the agents the worker
 * was running until they are gone.
 */
import type { EmulatorAdmin } from '../../src/emulator/admin/client.js';
import type { EmulatorEvent } from '../../src/emulator/events.js';
import { sleep } from '../../src/lib/sleep.js';
import { readAgentRuns, type AgentRun } from './agent-log.js';
import type { Fleet } from './fleet.js';
import { isRunning } from './processes.js';

/** What was killed and why. */
export type KillKind = 'random' | 'after-result' | 'hunt' | 'manager';

/** One SIGKILL. */
export interface Kill {
  kind: KillKind;
  /** ms since the run started. */
  at: number;
  pid: number;
  workerId?: string;
  /** after-result: the task whose result the worker had just posted; manager: the task it was handing back. */
  taskId?: string;
  /** The agents the worker was running. */
  agents: Pick<AgentRun, 'pid' | 'pstart' | 'task' | 'chain'>[];
  /** ms from the kill until those agents were gone; null when one was still running at the deadline. */
  agentsGoneMs?: number | null;
}

/** How long a killed worker's agents may survive it before that counts as a leak. */
export const AGENT_DEADLINE_MS = 60_000;

/** How long the answer of a watched write is held back (the kill lands in this window). */
const HOLD_MS = 4000;

/** What the killer needs. */
export interface KillerContext {
  fleet: Fleet;
  admin: EmulatorAdmin;
  agentLog: string;
  channels: { taskQueue: string; results: string };
  /** The worker bots' user ids: the manager's worker `<machine>-<n>` posts as the n-th. */
  workerUsers: readonly string[];
  /** ms since the run started. */
  elapsed: () => number;
  /** True once every task has a result: no busy worker will come, stop waiting for one. */
  finished: () => boolean;
  random?: () => number;
}

type BusyRun = AgentRun & { workerId: string };

/** Performs kills and keeps their records; `settled()` waits for every agent watch. */
export class Killer {
  readonly kills: Kill[] = [];
  /** Why planned kills were not carried out (no busy worker, no result post in time, another process posted). */
  readonly misses: string[] = [];
  /** Tasks (markers) whose every run was killed: they must end FAILED after their attempts. */
  readonly hunted: string[] = [];
  readonly #c: KillerContext;
  readonly #watches: Promise<void>[] = [];
  /** Chains being hunted: the other kills leave their runs alone (a stray kill would use up one of its attempts). */
  readonly #prey = new Set<string>();

  constructor(context: KillerContext) {
    this.#c = context;
  }

  /** SIGKILL a worker now: one running an agent when there is one within `waitMs`, else any but a hunt's. */
  async random(waitMs = 5000): Promise<Kill | null> {
    const busy = await this.#waitBusy(waitMs, (r) => !this.#prey.has(r.chain));
    const run = this.#pick(busy);
    if (!run) {
      const workers = await this.#waitFor(
        () => this.#c.fleet.workers(),
        (w) => w.size > 0,
        60_000,
      );
      const hunting = new Set((await this.#busy((r) => this.#prey.has(r.chain))).map((r) => r.workerId));
      const workerId = this.#pick([...workers.keys()].filter((id) => !hunting.has(id)));
      if (!workerId) return this.#miss('random: no worker to kill');
      return this.#kill('random', workerId, workers.get(workerId)!);
    }
    return this.#kill('random', run.workerId, run.ppid);
  }

  /**
   * Hold back the answer of a busy worker's next result post, wait until Discord committed it (the event feed), and
   * SIGKILL that worker before the answer arrives. Null when no result post came within `waitMs`.
   */
  async afterResult(waitMs = 30_000): Promise<Kill | null> {
    const run = this.#pick(await this.#waitBusy(10_000, (r) => !this.#prey.has(r.chain)));
    if (!run) return this.#miss('after-result: no busy worker within 10 s');
    const event = await this.#holdNext(
      { channelId: this.#c.channels.results, user: this.#userOf(run.workerId) },
      () => true,
      waitMs,
    );
    // The manager's recovery of a dead worker posts as the same bot: only the worker we chose counts.
    if (!event)
      return this.#miss(`after-result: no result post by ${run.workerId} within ${waitMs / 1000} s`);
    if (this.#c.fleet.workers().get(run.workerId) !== run.ppid)
      return this.#miss(
        `after-result: ${run.workerId}'s result was posted by another process (the manager's recovery)`,
      );
    const kill = await this.#kill('after-result', run.workerId, run.ppid);
    if (typeof event.nonce === 'string' && event.nonce.startsWith('r'))
      kill.taskId = `discord-${event.nonce.slice(1)}`;
    return kill;
  }

  /**
   * Kill every run of task `chain` (a slow one, so each run is caught running) as soon as it starts, `attempts`
   * times: the task must then be reported FAILED after its attempts. A retry copy waits its turn at the end of the
   * queue, so the wait for the next run can be long. `onKill` hears of each kill. Resolves to the kills made.
   */
  async hunt(chain: string, attempts: number, onKill: (k: Kill) => void, waitMs = 300_000): Promise<Kill[]> {
    const made: Kill[] = [];
    const seen = new Set<number>();
    this.#prey.add(chain);
    for (let i = 0; i < attempts; i++) {
      // Any worker's run, one a killed manager left behind included (it finishes its task on its own).
      const [run] = await this.#waitBusy(waitMs, (r) => r.chain === chain && !seen.has(r.pid), true);
      if (!run) break;
      seen.add(run.pid);
      const kill = await this.#kill('hunt', run.workerId, run.ppid);
      made.push(kill);
      onKill(kill);
      // Ended before the kill landed: that run counts as done, the hunt failed.
      if (!kill.agents.some((a) => a.pid === run.pid)) break;
    }
    if (made.length === attempts && made.every((k) => k.agents.length > 0)) this.hunted.push(chain);
    else this.misses.push(`hunt of ${chain}: ${made.length} of ${attempts} runs caught running`);
    return made;
  }

  /**
   * SIGKILL a busy worker, then the manager right after Discord committed the retry copy its recovery posts (the
   * answer held back), then start a manager again: the hand-back dies half-way and the sweeper has to finish it.
   * Without a busy worker, or when no copy is posted within 20 s, the manager is killed anyway.
   */
  async managerMidRecovery(downMs: number): Promise<Kill> {
    const run = this.#pick(
      await this.#waitBusy(30_000, (r) => r.task.startsWith('discord-') && !this.#prey.has(r.chain)),
    );
    let taskId: string | undefined;
    if (run) {
      const held = this.#holdNext(
        { channelId: this.#c.channels.taskQueue, user: this.#userOf(run.workerId) },
        (e) => typeof e.nonce === 'string' && e.nonce.startsWith('q'),
        20_000,
        () => this.#kill('random', run.workerId, run.ppid).then(() => undefined),
      );
      const event = await held;
      if (event) taskId = run.task;
      else this.misses.push(`manager: no retry copy posted by ${run.workerId} within 20 s`);
    }
    const pid = await this.#c.fleet.killManager(downMs);
    const kill: Kill = {
      kind: 'manager',
      at: this.#c.elapsed(),
      pid,
      agents: [],
      ...(taskId ? { taskId } : {}),
    };
    this.kills.push(kill);
    return kill;
  }

  /** Wait until every killed worker's agents are gone or past the deadline. */
  async settled(): Promise<void> {
    await Promise.all(this.#watches);
  }

  #miss(why: string): null {
    this.misses.push(why);
    return null;
  }

  /**
   * Add a one-shot rule that holds back the answer of the next `POST /channels/<channel>/messages` by `user`, run
   * `then` (after the rule is in place), and resolve to the committed event `accept` takes, or null after `waitMs`.
   */
  async #holdNext(
    match: { channelId: string; user: string },
    accept: (e: EmulatorEvent) => boolean,
    waitMs: number,
    then?: () => Promise<void>,
  ): Promise<EmulatorEvent | null> {
    const { admin } = this.#c;
    const { lastSeq } = await admin.events({ limit: 1, after: Number.MAX_SAFE_INTEGER });
    const rule = await admin.addFaultRule({
      match: { route: 'POST /channels/:id/messages', ...match },
      timing: 'after',
      latencyMs: HOLD_MS,
      count: 1,
    });
    await then?.();
    try {
      return await admin.waitForEvent(
        (e) =>
          e.route === 'POST /channels/{channel_id}/messages' &&
          e.channelId === match.channelId &&
          e.authorId === match.user &&
          accept(e),
        { after: lastSeq, timeoutMs: waitMs },
      );
    } catch {
      await admin.removeFaultRule(rule.id).catch(() => undefined);
      return null;
    }
  }

  async #kill(kind: KillKind, workerId: string, pid: number): Promise<Kill> {
    // Read before the kill: the manager ends a dead worker's agents at once.
    const agents = (await readAgentRuns(this.#c.agentLog))
      .filter((r) => r.ppid === pid && isRunning(r.pid, r.pstart))
      .map(({ pid: p, pstart, task, chain }) => ({ pid: p, pstart, task, chain }));
    const at = this.#c.elapsed();
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const kill: Kill = { kind, at, pid, workerId, agents };
    this.kills.push(kill);
    this.#watches.push(
      (async () => {
        while (agents.some((a) => isRunning(a.pid, a.pstart))) {
          if (Date.now() - killedAt > AGENT_DEADLINE_MS) {
            kill.agentsGoneMs = null;
            return;
          }
          await sleep(50);
        }
        kill.agentsGoneMs = agents.length > 0 ? Date.now() - killedAt : 0;
      })(),
    );
    return kill;
  }

  /**
   * Runs of the current manager's workers (`orphans`: of any worker) whose agent runs now and that `filter` takes;
   * waits up to `waitMs`.
   */
  async #waitBusy(
    waitMs: number,
    filter: (r: AgentRun) => boolean = () => true,
    orphans = false,
  ): Promise<BusyRun[]> {
    return this.#waitFor(
      () => this.#busy(filter, orphans),
      (b) => b.length > 0,
      waitMs,
    );
  }

  async #busy(filter: (r: AgentRun) => boolean, orphans = false): Promise<BusyRun[]> {
    const byPid = orphans
      ? this.#c.fleet.allWorkers()
      : new Map([...this.#c.fleet.workers()].map(([id, pid]) => [pid, id]));
    return (await readAgentRuns(this.#c.agentLog))
      .filter((r) => r.endedAt === undefined && byPid.has(r.ppid) && isRunning(r.pid, r.pstart) && filter(r))
      .map((r) => ({ ...r, workerId: byPid.get(r.ppid)! }));
  }

  async #waitFor<T>(get: () => T | Promise<T>, ok: (v: T) => boolean, waitMs: number): Promise<T> {
    const deadline = Date.now() + waitMs;
    let value = await get();
    while (!ok(value) && Date.now() < deadline && !this.#c.finished()) {
      await sleep(100);
      value = await get();
    }
    return value;
  }

  /** The bot user a worker id (`<machine>-<n>`) posts as. */
  #userOf(workerId: string): string {
    const slot = Number(/-(\d+)$/.exec(workerId)?.[1]);
    const user = this.#c.workerUsers[slot - 1];
    if (!user) throw new Error(`No worker bot for worker id ${workerId}`);
    return user;
  }

  #pick<T>(items: T[]): T | undefined {
    return items[Math.floor((this.#c.random ?? Math.random)() * items.length)];
  }
}
