/**
 * The marker that lets dorch find every process an agent started, including the ones that left its process group
 * (`setsid`, a double fork, a daemon): an environment variable set on each agent, which every descendant inherits
 * unless it deliberately rewrites its environment.
 *
 * `DORCH_AGENT_OWNER=<scope>/<owner>/<run>`:
 * - `scope`: a hash of the `HOME` the worker ran with, so `dorch stop --force` ends the agents of its own fleet and
 *   not those of a fleet started with another HOME (the tests run one fleet per HOME on one machine);
 * - `owner`: `<pid>.<start time>` of the worker (or any process) that ran the agent, unique on the machine, so the
 *   manager can end the agents of a worker that died;
 * - `run`: one agent run of that owner.
 * An agent started by an agent (dorch inside dorch) keeps the outer markers after its own, space-separated.
 *
 * Found through {@link ProcessTable.environ}, so only where environments are readable (`/proc`: Linux), and only
 * for processes of this uid (the kernel hides other users' environments).
 */
import { createHash } from 'node:crypto';
import { currentUid, defaultProcessTable, type ProcessEntry, type ProcessTable } from './process-table.js';
import { defaultKill, identify, type KillFunction, type ProcessIdentity } from './signal.js';

/** Name of the environment variable. */
export const AGENT_OWNER_ENV = 'DORCH_AGENT_OWNER';

/** One parsed marker. */
export interface AgentMarker {
  scope: string;
  owner: string;
  run: string;
}

/** A process that carries at least one marker. */
export interface MarkedProcess extends ProcessEntry {
  markers: AgentMarker[];
}

/** Which markers to act on. */
export type MarkerMatch = (marker: AgentMarker) => boolean;

/** The scope of processes started with this environment: a short hash of `HOME`. */
export function agentScope(env: NodeJS.ProcessEnv = process.env): string {
  return createHash('sha256')
    .update(env.HOME ?? '')
    .digest('hex')
    .slice(0, 12);
}

/** The `owner` part for a process identity. */
export function ownerTag(id: ProcessIdentity): string {
  return `${id.pid}.${id.startTime.replace(/[^0-9A-Za-z]+/g, '')}`;
}

let self: string | undefined;

/** The `owner` part for this process (from the default process table; `<pid>.0` where there is none). */
export function selfOwner(): string {
  const table = defaultProcessTable();
  self ??= ownerTag((table && identify(table, process.pid)) || { pid: process.pid, startTime: '0' });
  return self;
}

/** Whether the process an `owner` part names is still running (not a later process that reused its pid). */
export function ownerRunning(table: ProcessTable, owner: string): boolean {
  const pid = Number(owner.slice(0, owner.indexOf('.')));
  const entry = Number.isInteger(pid) && pid > 0 ? table.get(pid) : undefined;
  return entry !== undefined && entry.state !== 'Z' && ownerTag(entry) === owner;
}

/** `scope/owner/run`. */
export function formatMarker(marker: AgentMarker): string {
  return `${marker.scope}/${marker.owner}/${marker.run}`;
}

/** Every well-formed marker in a variable's value. */
export function parseMarkers(value: string | undefined): AgentMarker[] {
  if (!value) return [];
  const out: AgentMarker[] = [];
  for (const part of value.split(' ')) {
    const [scope, owner, run, extra] = part.split('/');
    if (scope && owner && run && extra === undefined) out.push({ scope, owner, run });
  }
  return out;
}

/** `env` plus `marker`, keeping the markers `env` already carries (after the new one). */
export function withMarker(env: NodeJS.ProcessEnv, marker: AgentMarker): NodeJS.ProcessEnv {
  const outer = env[AGENT_OWNER_ENV];
  const value = formatMarker(marker);
  return { ...env, [AGENT_OWNER_ENV]: outer ? `${value} ${outer}` : value };
}

/** Matches one run exactly. */
export const byRun =
  (marker: AgentMarker): MarkerMatch =>
  (m) =>
    m.scope === marker.scope && m.owner === marker.owner && m.run === marker.run;

/** Matches every run of one owner. */
export const byOwner =
  (owner: string): MarkerMatch =>
  (m) =>
    m.owner === owner;

/** Matches every run in a scope. */
export const byScope =
  (scope: string): MarkerMatch =>
  (m) =>
    m.scope === scope;

/**
 * Processes of this uid whose environment carries a marker that `match` accepts. This process is never included
 * (an agent that runs `dorch stop --force` must not end itself half-way). Zombies are skipped: already dead.
 */
export function findMarked(table: ProcessTable, match: MarkerMatch): MarkedProcess[] {
  if (!table.hasEnvironments) return [];
  const uid = currentUid();
  const out: MarkedProcess[] = [];
  for (const entry of table.list()) {
    if (entry.pid === process.pid || entry.state === 'Z' || (uid >= 0 && entry.uid !== uid)) continue;
    const markers = parseMarkers(table.getenv(entry.pid, AGENT_OWNER_ENV) ?? undefined);
    if (markers.some(match)) out.push({ ...entry, markers });
  }
  return out;
}

/**
 * Send `signal` to every marked process `match` accepts, and to each process group one of them leads (a group led
 * by an agent process holds only that agent's descendants, including any that cleared their environment). Never
 * this process or its own group. Returns the processes found.
 */
export function signalMarked(
  table: ProcessTable,
  match: MarkerMatch,
  signal: NodeJS.Signals,
  kill: KillFunction = defaultKill,
): MarkedProcess[] {
  const found = findMarked(table, match);
  const ownGroup = table.get(process.pid)?.pgid;
  for (const p of found) {
    try {
      if (p.pgid === p.pid && p.pgid !== ownGroup) kill(-p.pgid, signal);
    } catch {
      // The group is gone already.
    }
    try {
      kill(p.pid, signal);
    } catch {
      // Gone already, or not ours.
    }
  }
  return found;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * SIGKILL every marked process `match` accepts, scanning again until none is left (a process can fork between a
 * scan and its death; its children carry the marker and are caught by the next round), for at most `maxRounds`
 * rounds 10 ms apart. Returns how many distinct processes were killed. Synchronous, so it can run in an `exit` hook.
 */
export function killMarked(
  table: ProcessTable,
  match: MarkerMatch,
  kill: KillFunction = defaultKill,
  maxRounds = 50,
): number {
  const killed = new Set<number>();
  for (let round = 0; round < maxRounds; round++) {
    const found = signalMarked(table, match, 'SIGKILL', kill);
    if (found.length === 0) break;
    for (const p of found) killed.add(p.pid);
    // A killed process takes a moment to become a zombie; the next scan should not count it again.
    Atomics.wait(pause, 0, 0, 10);
  }
  return killed.size;
}
