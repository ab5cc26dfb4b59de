/**
 * The fleet as people run it: `dorch manager` from the built CLI (`dist/`), its worker processes and their agent
 * processes, over the emulator with Discord's rate limits on. One configuration per run of {@link benchFleet}:
 * - **pickup**: task posted → claim thread created, both from Discord's own clocks (the task message's snowflake,
 *   the thread's `create_timestamp`);
 * - **overhead**: task posted → result posted (the result's snowflake), minus the agent's own time (the ledger's
 *   `durationMs`);
 * - **requests per task**: every `/api` request while tasks run one after the other, by route; "besides polling" leaves
 *   out the poll's route (GET a channel's messages), and idle polling is measured apart (requests per second with
 *   nothing queued, just before); the submit's own POST is counted;
 * - **CPU per task**: the manager's CPU and its children's (workers, agents, restarted workers) over the same window;
 * - **RSS** of each worker process while idle (and its peak, `VmHWM`, after the tasks);
 * - optionally a **burst**: a backlog of tasks drained by the fleet, for tasks/s and 429s;
 * - optionally **`dorch submit`**'s wall and CPU time as a separate process.
 * Linux only (`/proc`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DiscordBus } from '../src/bus/discord/discord-bus.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { worldConfig } from '../src/emulator/world-env.js';
import { sleep } from '../src/lib/sleep.js';
import { parseReportHeader } from '../src/task/format.js';

const ROOT = resolve(import.meta.dirname, '..');
/** The built CLI: what `dorch` runs once installed. */
export const BUILT_CLI = join(ROOT, 'dist/cli/index.js');
/** The poll's route (reading a channel's messages): what idle workers do, reported apart. */
const POLL_ROUTE = 'GET /channels/{channel_id}/messages';
/** Linux's clock ticks per second for `/proc/<pid>/stat` times. */
const TICKS = 100;

/** One fleet configuration. */
export interface FleetConfig {
  /** `seed`, `push-restart`, `best`… */
  name: string;
  /** Push mode (the manager's gateway session). */
  push: boolean;
  /** A fresh worker process per task. */
  restartPerTask: boolean;
  /** `POLL_INTERVAL` in seconds. @defaultValue 5 (the seed's) */
  pollIntervalSec?: number;
  /** Worker processes. @defaultValue 3 (the manager's default) */
  workers?: number;
  /** Tasks run one after the other for the latency figures. @defaultValue 12 */
  tasks?: number;
  /** Seconds of idle before the tasks, to measure idle polling and idle RSS. @defaultValue 8 */
  idleSec?: number;
  /** Also time `dorch submit` this many times. @defaultValue 0 */
  submits?: number;
}

/** Percentiles of a sample, ms. */
export interface Spread {
  p50: number;
  p95: number;
  n: number;
}

/** What one configuration measured. */
export interface FleetResult {
  config: string;
  push: boolean;
  restartPerTask: boolean;
  pollIntervalSec: number;
  workers: number;
  tasks: number;
  pickupMs: Spread;
  overheadMs: Spread;
  /** Task posted → result posted, agent included (the agent here is `cat`). */
  endToEndMs: Spread;
  /** Requests per second with nothing queued (all workers together). */
  idleRequestsPerSecond: number;
  /** Requests per task besides polling (every route but GET a channel's messages; the submit's POST included). */
  requestsPerTask: number;
  /** Requests per task by route in the task window (polling included). */
  byRoutePerTask: Record<string, number>;
  /** 429 answers in the task window. */
  rateLimited: number;
  /** CPU seconds (manager + workers + agents) per task. */
  cpuMsPerTask: number;
  /** Resident memory of each worker process while idle, MB. */
  idleRssMb: number[];
  /** Peak resident memory of the workers alive after the tasks, MB. */
  peakRssMb: number[];
  /** Tasks run twice or reported twice, and tasks without a result. Must be 0. */
  duplicates: number;
  missing: number;
  submit?: { wallMs: Spread; cpuMs: Spread };
}

/** A backlog drained by the fleet. */
export interface BurstResult {
  config: string;
  workers: number;
  tasks: number;
  /** Manager start → last result. */
  wallSeconds: number;
  tasksPerSecond: number;
  rateLimited: { route: number; global: number; shared: number };
  requestsPerTask: number;
  duplicates: number;
  missing: number;
}

/** p50 and p95 of a sample (nearest rank). */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { p50: Math.round(at(0.5)), p95: Math.round(at(0.95)), n: sorted.length };
}

/** Discord snowflake → epoch ms. */
export function snowflakeMs(id: string): number {
  return Number(BigInt(id) >> 22n) + 1_420_070_400_000;
}

/** Run one configuration on a fresh emulator and folder. */
export async function benchFleet(config: FleetConfig): Promise<FleetResult> {
  const c = { pollIntervalSec: 5, workers: 3, tasks: 12, idleSec: 8, submits: 0, ...config };
  const emulator = await startEmulator({ workers: c.workers, rateLimits: true });
  const dir = await mkdtemp(join(tmpdir(), 'dorch-bench-fleet-'));
  const env = fleetEnv(emulator, dir, c.workers, c.pollIntervalSec);
  const submitter = new DiscordBus({
    apiUrl: emulator.world.apiUrl,
    token: emulator.world.tokens.submitter,
    taskQueueChannel: emulator.world.channels.taskQueue,
  });
  const manager = startManager(dir, env, c);
  try {
    await manager.ready;
    // Idle: what polling costs with nothing to do, and what an idle worker weighs.
    await emulator.admin.resetStats();
    const idleStart = performance.now();
    await sleep(c.idleSec * 1000);
    const idleStats = await emulator.admin.stats();
    const idleRequestsPerSecond = idleStats.total / ((performance.now() - idleStart) / 1000);
    const idleRssMb = workersOf(manager.child.pid!).map((pid) => memoryMb(pid, 'VmRSS'));

    // Tasks one after the other.
    await emulator.admin.resetStats();
    const cpuBefore = treeCpuMs(manager.child.pid!);
    const posted: { taskId: string; messageId: string }[] = [];
    for (let i = 0; i < c.tasks; i++) {
      const t = await submitter.submit(`bench latency task ${i}`);
      posted.push(t);
      await waitForResults(emulator, posted.length, 120_000);
      // Tasks come at random moments, not in step with anyone's polls: a pause of 0.3 s to 0.3 s + POLL_INTERVAL.
      await sleep(300 + Math.random() * c.pollIntervalSec * 1000);
    }
    const stats = await emulator.admin.stats();
    const cpuMsPerTask = (treeCpuMs(manager.child.pid!) - cpuBefore) / c.tasks;
    const peakRssMb = workersOf(manager.child.pid!).map((pid) => memoryMb(pid, 'VmHWM'));

    let submit: FleetResult['submit'];
    if (c.submits > 0) submit = await timeSubmits(dir, env, c.submits);

    const results = await emulator.admin.messages(emulator.world.channels.results);
    const resultAt = new Map<string, number>();
    const reported = new Map<string, number>();
    for (const m of results) {
      const header = parseReportHeader(m.content);
      if (!header) continue;
      reported.set(header.taskId, (reported.get(header.taskId) ?? 0) + 1);
      if (!resultAt.has(header.taskId)) resultAt.set(header.taskId, snowflakeMs(m.id));
    }
    await manager.stop();
    const agentMs = ledgerDurations(dir);
    const pickups: number[] = [];
    const overheads: number[] = [];
    const ends: number[] = [];
    for (const t of posted) {
      const postedAt = snowflakeMs(t.messageId);
      const thread = await emulator.admin.channel(t.messageId).catch(() => null);
      const created = (thread?.thread_metadata as { create_timestamp?: string } | undefined)
        ?.create_timestamp;
      if (created) pickups.push(Date.parse(created) - postedAt);
      const done = resultAt.get(t.taskId);
      if (done === undefined) continue;
      ends.push(done - postedAt);
      overheads.push(done - postedAt - (agentMs.get(t.taskId) ?? 0));
    }
    const byRoutePerTask: Record<string, number> = {};
    for (const [route, n] of Object.entries(stats.byRoute)) byRoutePerTask[route] = round(n / c.tasks, 2);
    const agentRuns = countAgentRuns(dir);
    return {
      config: c.name,
      push: c.push,
      restartPerTask: c.restartPerTask,
      pollIntervalSec: c.pollIntervalSec,
      workers: c.workers,
      tasks: c.tasks,
      pickupMs: spread(pickups),
      overheadMs: spread(overheads),
      endToEndMs: spread(ends),
      idleRequestsPerSecond: round(idleRequestsPerSecond, 2),
      requestsPerTask: round((stats.total - (stats.byRoute[POLL_ROUTE] ?? 0)) / c.tasks, 2),
      byRoutePerTask,
      rateLimited: stats.rateLimited.route + stats.rateLimited.global + stats.rateLimited.shared,
      cpuMsPerTask: Math.round(cpuMsPerTask),
      idleRssMb,
      peakRssMb,
      duplicates: posted.filter(
        (t) => (reported.get(t.taskId) ?? 0) > 1 || (agentRuns.get(t.taskId) ?? 0) > 1,
      ).length,
      missing: posted.filter((t) => !reported.has(t.taskId)).length,
      ...(submit ? { submit } : {}),
    };
  } finally {
    await manager.stop();
    await submitter.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** A backlog of `tasks` posted before the manager starts, drained by `workers` workers. */
export async function benchBurst(config: FleetConfig & { tasks: number }): Promise<BurstResult> {
  const c = { pollIntervalSec: 5, workers: 10, ...config };
  const emulator = await startEmulator({ workers: c.workers, rateLimits: true });
  const dir = await mkdtemp(join(tmpdir(), 'dorch-bench-burst-'));
  const env = fleetEnv(emulator, dir, c.workers, c.pollIntervalSec);
  const submitter = new DiscordBus({
    apiUrl: emulator.world.apiUrl,
    token: emulator.world.tokens.submitter,
    taskQueueChannel: emulator.world.channels.taskQueue,
  });
  // The backlog is posted with the message-create limit raised for this setup step only.
  await emulator.admin.configureRateLimits({ buckets: { messageCreate: { limit: 1000, windowMs: 5000 } } });
  const ids: string[] = [];
  try {
    for (let i = 0; i < c.tasks; i++) ids.push((await submitter.submit(`bench burst task ${i}`)).taskId);
  } finally {
    await emulator.admin.configureRateLimits({ buckets: { messageCreate: { limit: 5, windowMs: 5000 } } });
  }
  await emulator.admin.resetStats();
  const started = performance.now();
  const manager = startManager(dir, env, c);
  try {
    await waitForResults(emulator, c.tasks, 600_000);
    const wallSeconds = (performance.now() - started) / 1000;
    const stats = await emulator.admin.stats();
    await manager.stop();
    const reported = new Map<string, number>();
    for (const m of await emulator.admin.messages(emulator.world.channels.results)) {
      const header = parseReportHeader(m.content);
      if (header) reported.set(header.taskId, (reported.get(header.taskId) ?? 0) + 1);
    }
    const runs = countAgentRuns(dir);
    return {
      config: c.name,
      workers: c.workers,
      tasks: c.tasks,
      wallSeconds: round(wallSeconds, 1),
      tasksPerSecond: round(c.tasks / wallSeconds, 2),
      rateLimited: stats.rateLimited,
      requestsPerTask: round(stats.total / c.tasks, 2),
      duplicates: ids.filter((id) => (reported.get(id) ?? 0) > 1 || (runs.get(id) ?? 0) > 1).length,
      missing: ids.filter((id) => !reported.has(id)).length,
    };
  } finally {
    await manager.stop();
    await submitter.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function fleetEnv(
  emulator: RunningEmulator,
  dir: string,
  workers: number,
  pollIntervalSec: number,
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    ...worldConfig(emulator.world, { workers }),
    // The smallest real agent: the prompt in, the answer out. What is left is the system's own cost.
    AGENT_RUNNER: 'command',
    AGENT_COMMAND: join(ROOT, 'bench/agent.sh'),
    AGENT_LOG: join(dir, 'agent.log'),
    AGENT_ENV_PASS: 'AGENT_LOG',
    POLL_INTERVAL: String(pollIntervalSec),
    MAX_IDLE_TIME: '0',
    MACHINE_NAME: 'bench',
  };
}

interface ManagerRun {
  child: ChildProcess;
  /** Every worker said READY (and, with push, the gateway is up). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function startManager(
  dir: string,
  env: Record<string, string>,
  c: Required<Pick<FleetConfig, 'workers'>> & FleetConfig,
): ManagerRun {
  const args = [BUILT_CLI, 'manager', '--workers', String(c.workers)];
  if (c.restartPerTask) args.push('--restart-per-task');
  if (!c.push) args.push('--no-push');
  const child = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const ready = new Promise<void>((res, rej) => {
    const check = () => {
      const readyWorkers = new Set([...out.matchAll(/(bench-\d+) +READY/g)].map((m) => m[1]));
      if (readyWorkers.size >= c.workers && (!c.push || out.includes('push mode on'))) res();
    };
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then(() =>
      rej(new Error(`the manager exited before its workers were ready:\n${out.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  let stopping: Promise<void> | null = null;
  return {
    child,
    ready,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
        await exited;
        clearTimeout(killer);
      })()),
  };
}

async function waitForResults(emulator: RunningEmulator, count: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const results = await emulator.admin.messages(emulator.world.channels.results);
    if (results.filter((m) => parseReportHeader(m.content)).length >= count) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${count} results`);
    await sleep(25);
  }
}

/** `dorch submit` as its own process, `times` times: wall and CPU (ours, from the reaped child's times). */
async function timeSubmits(
  dir: string,
  env: Record<string, string>,
  times: number,
): Promise<{ wallMs: Spread; cpuMs: Spread }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < times; i++) {
    const cpuBefore = childrenCpuMs(process.pid);
    const started = performance.now();
    const child = spawn(process.execPath, [BUILT_CLI, 'submit', `bench submit ${i}`], {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    walls.push(performance.now() - started);
    cpus.push(childrenCpuMs(process.pid) - cpuBefore);
    if (code !== 0 || !/^discord-\d+$/m.test(out)) throw new Error(`dorch submit failed (${code}): ${out}`);
    await sleep(200);
  }
  return { wallMs: spread(walls), cpuMs: spread(cpus) };
}

/** `/proc/<pid>/stat` fields 14–17 (utime, stime, cutime, cstime), in ms; 0 when the process is gone. */
function statTimes(pid: number): { self: number; children: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i - 3]);
    return { self: ((n(14) + n(15)) * 1000) / TICKS, children: ((n(16) + n(17)) * 1000) / TICKS };
  } catch {
    return { self: 0, children: 0 };
  }
}

function childrenCpuMs(pid: number): number {
  return statTimes(pid).children;
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** The manager's live worker processes. */
function workersOf(managerPid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => parentOf(pid) === managerPid);
}

/** CPU of the manager and everything under it: itself, its reaped children, and its live workers with theirs. */
function treeCpuMs(managerPid: number): number {
  const m = statTimes(managerPid);
  let total = m.self + m.children;
  for (const pid of workersOf(managerPid)) {
    const w = statTimes(pid);
    total += w.self + w.children;
  }
  return total;
}

function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return round(kb / 1024, 1);
  } catch {
    return NaN;
  }
}

/** Agent time per task from the ledger. */
function ledgerDurations(dir: string): Map<string, number> {
  const file = join(dir, '.runtime', 'ledger.jsonl');
  const out = new Map<string, number>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { taskId?: string; durationMs?: number };
      if (entry.taskId && typeof entry.durationMs === 'number') out.set(entry.taskId, entry.durationMs);
    } catch {
      // a torn last line
    }
  }
  return out;
}

/** How often the agent ran each task (`bench/agent.sh` appends the task id to `$AGENT_LOG`). */
function countAgentRuns(dir: string): Map<string, number> {
  const file = join(dir, 'agent.log');
  const runs = new Map<string, number>();
  if (!existsSync(file)) return runs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const id = line.trim().split(' ')[0];
    if (id) runs.set(id, (runs.get(id) ?? 0) + 1);
  }
  return runs;
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}
