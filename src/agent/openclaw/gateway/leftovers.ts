/**
 * What a task left running inside a long-lived Gateway. With `--local` the task's process group and marker end
 * everything at the end of the task; a Gateway outlives its tasks, so what a task's commands started (a
 * `sleep 300 &`, a `setsid` daemon) would otherwise live until the Gateway stops (measured with 2026.9.6: such a
 * process is reparented to init and keeps the Gateway's `DORCH_AGENT_OWNER` marker, which OpenClaw's exec tool
 * passes on).
 *
 * The rule, sound because a worker's Gateway runs one task at a time: after each task, every process carrying the
 * Gateway's marker is a leftover of that task, except the Gateway's own processes: the launcher, and processes
 * whose every ancestor up to the launcher is one of the Gateway's own and that run OpenClaw itself (a Node script
 * inside the OpenClaw package, or a process titled `openclaw…`: the `openclaw-gateway` server, its spawn broker,
 * its SQLite workers). A command the agent runs starts under a shell, so neither it nor anything below it counts as
 * the Gateway's own, whatever it runs.
 */
import { sep } from 'node:path';
import { byRun, findMarked, type AgentMarker } from '../../../lib/processes/agent-marker.js';
import type { ProcessEntry, ProcessTable } from '../../../lib/processes/process-table.js';

/** Identifies the Gateway's own processes. */
export interface GatewayIdentity {
  /** Pid of the process the runner started (the `openclaw` launcher). */
  leaderPid: number;
  /** The OpenClaw package folder (holding `openclaw.mjs` and `dist/`), when known. */
  packageDir?: string;
}

/** Whether one process runs OpenClaw itself, judged from its argv. */
export function runsOpenClaw(argv: readonly string[] | undefined, packageDir: string | undefined): boolean {
  if (!argv || argv.length === 0) return false;
  const first = argv[0]!;
  // Process titles OpenClaw sets (`openclaw-gateway`); a title replaces argv[0] and leaves no script path.
  if (/^openclaw(-[a-z-]+)?$/.test(first)) return true;
  if (!packageDir) return false;
  const inside = (path: string | undefined): boolean =>
    path !== undefined && path.startsWith(packageDir.endsWith(sep) ? packageDir : packageDir + sep);
  // `node <package>/dist/…` (helpers) or `<package>/openclaw.mjs` run directly.
  return inside(argv[1]) || inside(first);
}

/**
 * The processes a task left behind: marked with the Gateway's run marker, not the Gateway's own (see the module
 * comment). Zombies and this process are never included (see `findMarked`).
 */
export function findLeftovers(
  table: ProcessTable,
  marker: AgentMarker,
  gateway: GatewayIdentity,
): ProcessEntry[] {
  const marked = findMarked(table, byRun(marker));
  const byPid = new Map(marked.map((p) => [p.pid, p]));
  const own = new Map<number, boolean>();
  const isOwn = (entry: ProcessEntry, depth = 0): boolean => {
    if (entry.pid === gateway.leaderPid) return true;
    const known = own.get(entry.pid);
    if (known !== undefined) return known;
    let result = false;
    if (depth < 64 && runsOpenClaw(table.cmdline(entry.pid), gateway.packageDir)) {
      const parent = entry.ppid === gateway.leaderPid ? undefined : byPid.get(entry.ppid);
      result = entry.ppid === gateway.leaderPid || (parent !== undefined && isOwn(parent, depth + 1));
    }
    own.set(entry.pid, result);
    return result;
  };
  return marked.filter((p) => !isOwn(p));
}
