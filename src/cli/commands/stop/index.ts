/**
 * `dorch stop`: stop every dorch worker and manager of this user on this machine, wherever it was started. They
 * are found in the process table (command line, uid and HOME; see lib/processes/dorch-processes.ts), not through
 * pid files, and each is signalled only while its pid still names the process that was found (same start time).
 *
 * Graceful by default: workers get SIGTERM (a running task finishes within 30 s, else it is requeued), managers
 * SIGTERM. `--force` is the emergency stop: workers get SIGUSR2 (their agents are killed at once and the tasks
 * requeued). Whatever is still running when the wait is over gets SIGKILL. Then agent processes left behind are
 * ended through their `DORCH_AGENT_OWNER` marker: with `--force` every agent of this user and HOME; without it, the
 * agents whose worker is gone (killed with SIGKILL, say).
 */
import {
  agentScope,
  byScope,
  findMarked,
  killMarked,
  ownerRunning,
  signalMarked,
  type MarkerMatch,
} from '../../../lib/processes/agent-marker.js';
import { findDorchProcesses } from '../../../lib/processes/dorch-processes.js';
import { defaultProcessTable, type ProcessTable } from '../../../lib/processes/process-table.js';
import { defaultKill, isRunning, signalIfSame, type KillFunction } from '../../../lib/processes/signal.js';
import { sleep } from '../../../lib/sleep.js';
import { ExitError } from '../../errors.js';

/** Options of `dorch stop`. */
export interface StopOptions {
  /** Accepted like every command's; `stop` needs no configuration. */
  config?: string;
  force?: boolean;
  /** How long to wait for processes to exit before SIGKILL. @defaultValue 45000 (graceful), 10000 (force) */
  waitMs?: number;
  /** How long agents left behind get between SIGTERM and SIGKILL (graceful stop only). @defaultValue 5000 */
  agentGraceMs?: number;
  print?: (line: string) => void;
  /** Where processes are looked up. @defaultValue `/proc`, else `ps` */
  table?: ProcessTable;
  /** Stop the processes of this HOME. @defaultValue `process.env.HOME` */
  home?: string;
  /** Signal sender. @defaultValue `process.kill` */
  kill?: KillFunction;
}

/** Signal every dorch process of this user and wait for them to exit. Returns how many were running. */
export async function stop(options: StopOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const table = options.table ?? defaultProcessTable();
  if (!table) {
    throw new ExitError(
      1,
      'dorch stop: cannot list processes on this system (no /proc, and `ps` does not run)',
    );
  }
  const kill = options.kill ?? defaultKill;
  const home = options.home ?? process.env.HOME ?? '';
  const force = options.force ?? false;

  const found = findDorchProcesses({ table, home });
  const workers = found.filter((p) => p.role === 'worker');
  const managers = found.filter((p) => p.role === 'manager');
  if (found.length > 0) {
    // Workers first: under --force they must get SIGUSR2 (kill the agent, requeue) before their manager's SIGTERM.
    for (const w of workers) signalIfSame(table, w, force ? 'SIGUSR2' : 'SIGTERM', kill);
    for (const m of managers) signalIfSame(table, m, 'SIGTERM', kill);
    print(
      `${force ? 'Emergency stop' : 'Stopping'}: signalled ${workers.length} worker(s), ${managers.length} manager(s).`,
    );
    const deadline = Date.now() + (options.waitMs ?? (force ? 10_000 : 45_000));
    while (found.some((p) => isRunning(table, p)) && Date.now() < deadline) await sleep(100);
    const left = found.filter((p) => signalIfSame(table, p, 'SIGKILL', kill));
    if (left.length) print(`Killed ${left.length} process(es) that did not stop in time.`);
  }

  const scope = byScope(agentScope({ HOME: home }));
  const ended = force
    ? killMarked(table, scope, kill)
    : await endAgents(
        table,
        (m) => scope(m) && !ownerRunning(table, m.owner),
        options.agentGraceMs ?? 5_000,
        kill,
      );
  if (ended > 0) {
    print(
      `Ended ${ended} agent process(es) ${force ? 'still running' : 'left behind by workers that are gone'}.`,
    );
  }
  if (found.length === 0 && ended === 0) {
    print('No workers or managers are running for this user on this machine.');
    return 0;
  }
  print('All stopped.');
  return found.length;
}

// SIGTERM, then SIGKILL whatever is left after the grace period. Returns how many processes were found.
async function endAgents(
  table: ProcessTable,
  match: MarkerMatch,
  graceMs: number,
  kill: KillFunction,
): Promise<number> {
  const first = signalMarked(table, match, 'SIGTERM', kill).length;
  if (first === 0) return 0;
  const deadline = Date.now() + graceMs;
  while (findMarked(table, match).length > 0 && Date.now() < deadline) await sleep(100);
  return Math.max(first, killMarked(table, match, kill));
}
