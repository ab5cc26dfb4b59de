/**
 * The process-group part of a run: signal everything the run started, tell whether any of it is left, terminate
 * it (SIGTERM, then SIGKILL after a grace period), and make sure none of it outlives this process.
 *
 * "Everything the run started" is the child's process group (the child is spawned `detached`, so it leads a new
 * group and session) plus every process of this uid whose environment carries the run's `DORCH_AGENT_OWNER`
 * marker: descendants that left the group with `setsid` or a double fork keep their environment, so they are found
 * through `/proc` and ended with the group. Out of reach: a descendant that rewrites its environment (`env -i`, or
 * clearing the variable) and also leaves the group; processes of other uids; environments where they cannot be
 * read (no `/proc`: macOS), where only the group is ended. README ("Processes an agent starts") has the full list.
 *
 * Orphans: every live run is recorded, and a `process.on('exit')` hook SIGKILLs them all, marked processes
 * included (`killOnParentExit`). This covers a normal exit, `process.exit()`, and uncaught exceptions. It cannot
 * cover SIGKILL of this process, nor a SIGTERM/SIGINT with no handler installed (Node then dies without an `exit`
 * event): callers that own the process (worker, manager) handle those signals, and the manager ends the agents of
 * a worker that died (by the marker's owner part), `dorch stop` those of dead workers or, with `--force`, all.
 */
import {
  agentScope,
  byRun,
  findMarked,
  killMarked,
  selfOwner,
  signalMarked,
  type AgentMarker,
} from '../../lib/processes/agent-marker.js';
import type { ProcessTable } from '../../lib/processes/process-table.js';
import type { KillFunction } from '../../lib/processes/signal.js';

/** What a {@link ProcessGroup} needs. */
export interface ProcessGroupDeps {
  kill: KillFunction;
  /** Where marked processes are found; null: only the group is handled. */
  table: ProcessTable | null;
  killGraceMs: number;
  /** Signals the leader alone, for platforms without process groups (Windows). */
  signalLeader: (signal: NodeJS.Signals) => void;
  /** Register the run for the exit hook. */
  killOnParentExit: boolean;
}

let runs = 0;

/** A marker for a new run of this process. */
export function newRunMarker(): AgentMarker {
  return { scope: agentScope(), owner: selfOwner(), run: String(++runs) };
}

const live = new Set<ProcessGroup>();
let exitHookInstalled = false;

// Runs synchronously in the 'exit' event: only synchronous calls are allowed there (the /proc scan is synchronous).
function killLiveGroups(): void {
  for (const group of live) group.killNow();
  live.clear();
}

function track(group: ProcessGroup): void {
  if (!exitHookInstalled) {
    process.once('exit', killLiveGroups);
    exitHookInstalled = true;
  }
  live.add(group);
}

/** Pids of the leaders of runs started here that have not finished yet (for diagnostics and tests). */
export function liveProcessGroups(): number[] {
  return [...live].map((g) => g.pid);
}

/** Everything one run started: the leader's group and the processes carrying the run's marker. */
export class ProcessGroup {
  /** Pid of the leader, which is also the group id. */
  readonly pid: number;
  /** The run's marker, when detached descendants are tracked. */
  readonly marker: AgentMarker | undefined;
  readonly #deps: ProcessGroupDeps;
  #terminating = false;
  #forceKilled = false;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(pid: number, marker: AgentMarker | undefined, deps: ProcessGroupDeps) {
    this.pid = pid;
    this.marker = marker;
    this.#deps = deps;
    if (deps.killOnParentExit) track(this);
  }

  /** terminate() was called. */
  get terminating(): boolean {
    return this.#terminating;
  }

  /** SIGKILL had to be sent because SIGTERM did not end everything within the grace period. */
  get forceKilled(): boolean {
    return this.#forceKilled;
  }

  #tracked(): boolean {
    return this.marker !== undefined && this.#deps.table !== null;
  }

  /** Send `signal` to the group and to every marked process of the run. */
  signal(signal: NodeJS.Signals): void {
    try {
      this.#deps.kill(-this.pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        try {
          this.#deps.signalLeader(signal);
        } catch {
          // Nothing more we can do.
        }
      }
    }
    if (this.#tracked()) signalMarked(this.#deps.table!, byRun(this.marker!), signal, this.#deps.kill);
  }

  /** Whether anything of the run is left: a member of the group, or a marked process anywhere. */
  alive(): boolean {
    try {
      this.#deps.kill(-this.pid, 0);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPERM') return true;
    }
    return this.#tracked() && findMarked(this.#deps.table!, byRun(this.marker!)).length > 0;
  }

  /**
   * SIGTERM everything now, and SIGKILL whatever is left after the grace period. Idempotent. The kill timer keeps
   * this process alive until {@link settle} says otherwise.
   */
  terminate(): void {
    if (this.#terminating) return;
    this.#terminating = true;
    this.signal('SIGTERM');
    this.#killTimer = setTimeout(() => {
      if (this.alive()) {
        this.#forceKilled = true;
        this.killNow();
      }
      live.delete(this);
    }, this.#deps.killGraceMs);
  }

  /** SIGKILL the group and every marked process, synchronously, until none is left. */
  killNow(): void {
    try {
      this.#deps.kill(-this.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    if (this.#tracked()) killMarked(this.#deps.table!, byRun(this.marker!), this.#deps.kill);
  }

  /**
   * Called once the run is over from the caller's point of view (leader exited, output drained): forget the run if
   * nothing is left; otherwise let the kill timer finish in the background without keeping this process alive (the
   * exit hook covers an earlier exit).
   */
  settle(): void {
    if (!this.#terminating) {
      live.delete(this);
      return;
    }
    if (this.#killTimer && !this.alive()) {
      clearTimeout(this.#killTimer);
      live.delete(this);
    } else {
      this.#killTimer?.unref();
    }
  }
}
