/**
 * `tsx bench/openclaw.ts`: one OpenClaw task run cold (a fresh `openclaw agent --local` process per task) against
 * warm (the worker's own Gateway, a fresh session per task), with the real CLI from `.tools/` against the fake model
 * server. Both go through the product's OpenClawRunner, so what is measured is what a worker does.
 *
 * Measured per task: wall time of `runner.run()`, and CPU time of every process the task used:
 * - cold: the children of this process (user + system time of reaped children, `/proc/self/stat` cutime/cstime),
 *   which is the whole `openclaw agent --local` tree;
 * - warm: the Gateway's process tree (user + system time of its live processes and their reaped children) plus this
 *   process's own CPU (the WebSocket client).
 * And per Gateway: start-up wall and CPU (ready and warmed up), the tree's resident memory when idle after start and
 * after the tasks, and the stop time.
 *
 * Options: `--cold N` (default 4), `--warm N` tasks per Gateway (default 8), `--starts N` Gateways (default 2),
 * `--json`. Linux only (`/proc`). Takes about 5 minutes on two idle cores; the load average is reported because
 * the numbers depend on it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createOpenClawRunner, type OpenClawRunner } from '../src/agent/openclaw/index.js';
import type { AgentRequest } from '../src/agent/runner.js';
import { startFakeModelServer } from '../test/helpers/fake-model-server.js';
import {
  createOpenClawScratch,
  requireOpenClawInstall,
  type OpenClawScratch,
} from '../test/helpers/openclaw.js';

const CLOCK_TICKS = 100;

/** One task's figures. */
export interface TaskSample {
  wallMs: number;
  cpuMs: number;
  ok: boolean;
}

/** One Gateway's figures. */
export interface GatewaySample {
  startWallMs: number;
  startCpuMs: number;
  idleRssMb: number;
  rssAfterTasksMb: number;
  stopWallMs: number;
  tasks: TaskSample[];
}

/** What the bench reports. */
export interface OpenClawBenchReport {
  startedAt: string;
  machine: { node: string; cpus: number; loadBefore: number; loadAfter: number };
  cold: TaskSample[];
  warm: GatewaySample[];
  summary: Record<string, { median: number; min: number; max: number; n: number }>;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
  rssKb: number;
}

function readProc(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      out.set(Number(name), {
        ppid: Number(f[1]),
        ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
        rssKb: rss ? Number(rss[1]) : 0,
      });
    } catch {
      // Gone.
    }
  }
  return out;
}

/** CPU (ms) and RSS (MB) of a process and its live descendants. */
function treeUsage(root: number): { cpuMs: number; rssMb: number } {
  const procs = readProc();
  let ticks = 0;
  let rssKb = 0;
  for (const [pid, p] of procs) {
    let q: number | undefined = pid;
    for (let i = 0; q !== undefined && q > 1 && q !== root && i < 64; i++) q = procs.get(q)?.ppid;
    if (q === root) {
      ticks += p.ticks;
      rssKb += p.rssKb;
    }
  }
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS, rssMb: rssKb / 1024 };
}

/** CPU (ms) of this process's reaped children. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[13]) + Number(f[14])) * 1000) / CLOCK_TICKS;
}

function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function stats(values: number[]): { median: number; min: number; max: number; n: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, n: sorted.length };
}

function request(scratchWorkspace: string, workerId: string, id: string): AgentRequest {
  return {
    taskId: id,
    prompt: `Say hello for ${id}`,
    model: 'fake/fake-model',
    thinking: 'off',
    workspace: scratchWorkspace,
    timeoutMs: 300_000,
    sessionId: `${workerId}-${id}`,
    workerId,
  };
}

async function benchCold(
  scratch: OpenClawScratch,
  n: number,
  log: (l: string) => void,
): Promise<TaskSample[]> {
  const runner = createOpenClawRunner({ workerId: 'cold', mode: 'local', ...scratch.runnerOptions });
  await runner.check();
  const samples: TaskSample[] = [];
  for (let i = 0; i < n; i++) {
    const id = `cold-${i}`;
    const ws = await scratch.workspace('cold', id, `Say hello for ${id}`);
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    const result = await runner.run(request(ws, 'cold', id));
    const sample = { wallMs: performance.now() - t0, cpuMs: childrenCpuMs() - c0, ok: result.ok };
    samples.push(sample);
    log(
      `cold task ${i + 1}/${n}: ${fmt(sample.wallMs)} wall, ${fmt(sample.cpuMs)} CPU${result.ok ? '' : ` (${result.error})`}`,
    );
  }
  return samples;
}

async function benchWarm(
  scratch: OpenClawScratch,
  index: number,
  n: number,
  log: (l: string) => void,
): Promise<GatewaySample> {
  const workerId = `warm${index}`;
  const runner: OpenClawRunner = createOpenClawRunner({
    workerId,
    mode: 'gateway',
    ...scratch.runnerOptions,
  });
  await runner.check();
  const own0 = ownCpuMs();
  const t0 = performance.now();
  await runner.start();
  const startWallMs = performance.now() - t0;
  const pid = runner.gateway!.pid;
  const started = treeUsage(pid);
  const startCpuMs = started.cpuMs + (ownCpuMs() - own0);
  log(
    `gateway ${index + 1}: ready and warm in ${fmt(startWallMs)}, ${fmt(startCpuMs)} CPU, ${started.rssMb.toFixed(0)} MB`,
  );
  const tasks: TaskSample[] = [];
  for (let i = 0; i < n; i++) {
    const id = `warm-${index}-${i}`;
    const ws = await scratch.workspace(workerId, id, `Say hello for ${id}`);
    const c0 = treeUsage(pid).cpuMs + ownCpuMs();
    const s0 = performance.now();
    const result = await runner.run(request(ws, workerId, id));
    const sample = {
      wallMs: performance.now() - s0,
      cpuMs: treeUsage(pid).cpuMs + ownCpuMs() - c0,
      ok: result.ok,
    };
    tasks.push(sample);
    log(
      `  warm task ${i + 1}/${n}: ${fmt(sample.wallMs)} wall, ${fmt(sample.cpuMs)} CPU${result.ok ? '' : ` (${result.error})`}`,
    );
  }
  const rssAfterTasksMb = treeUsage(pid).rssMb;
  const s0 = performance.now();
  await runner.close();
  const stopWallMs = performance.now() - s0;
  return { startWallMs, startCpuMs, idleRssMb: started.rssMb, rssAfterTasksMb, stopWallMs, tasks };
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new TypeError(`Expected \`${name}\` to be a whole number, got \`${process.argv[i + 1]}\``);
  return value;
}

/** Runs the measurement; `log` receives one line per step. */
export async function benchOpenClaw(
  counts: { cold: number; warm: number; starts: number },
  log: (line: string) => void = () => {},
): Promise<OpenClawBenchReport> {
  requireOpenClawInstall();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0] ?? 0;
  const server = await startFakeModelServer();
  const scratch = await createOpenClawScratch({ baseUrl: server.url });
  try {
    const cold = await benchCold(scratch, counts.cold, log);
    const warm: GatewaySample[] = [];
    for (let i = 0; i < counts.starts; i++) warm.push(await benchWarm(scratch, i, counts.warm, log));
    const warmTasks = warm.flatMap((g) => g.tasks);
    const summary = {
      coldTaskWallMs: stats(cold.map((s) => s.wallMs)),
      coldTaskCpuMs: stats(cold.map((s) => s.cpuMs)),
      warmTaskWallMs: stats(warmTasks.map((s) => s.wallMs)),
      warmTaskCpuMs: stats(warmTasks.map((s) => s.cpuMs)),
      gatewayStartWallMs: stats(warm.map((g) => g.startWallMs)),
      gatewayStartCpuMs: stats(warm.map((g) => g.startCpuMs)),
      gatewayIdleRssMb: stats(warm.map((g) => g.idleRssMb)),
      gatewayRssAfterTasksMb: stats(warm.map((g) => g.rssAfterTasksMb)),
      gatewayStopWallMs: stats(warm.map((g) => g.stopWallMs)),
    };
    const machine = {
      node: process.version,
      cpus: availableParallelism(),
      loadBefore,
      loadAfter: loadavg()[0] ?? 0,
    };
    return { startedAt, machine, cold, warm, summary };
  } finally {
    await server.close();
    await scratch.cleanup();
  }
}

/** The report as text for people. */
export function formatOpenClawReport(r: OpenClawBenchReport): string {
  const s = r.summary;
  const line = (label: string, k: keyof typeof s, unit: 'ms' | 'MB'): string => {
    const v = s[k]!;
    const show = (x: number): string => (unit === 'ms' ? fmt(x) : `${x.toFixed(0)} MB`);
    return `${label.padEnd(34)} median ${show(v.median).padStart(9)}  (min ${show(v.min)}, max ${show(v.max)}, n=${v.n})`;
  };
  return [
    `OpenClaw cold vs warm, ${r.startedAt}, node ${r.machine.node}, ${r.machine.cpus} CPUs, load ${r.machine.loadBefore.toFixed(1)} → ${r.machine.loadAfter.toFixed(1)}`,
    line('cold task (agent --local), wall', 'coldTaskWallMs', 'ms'),
    line('cold task, CPU', 'coldTaskCpuMs', 'ms'),
    line('warm task (Gateway session), wall', 'warmTaskWallMs', 'ms'),
    line('warm task, CPU', 'warmTaskCpuMs', 'ms'),
    line('Gateway start (ready + warm), wall', 'gatewayStartWallMs', 'ms'),
    line('Gateway start, CPU', 'gatewayStartCpuMs', 'ms'),
    line('Gateway RSS, idle after start', 'gatewayIdleRssMb', 'MB'),
    line('Gateway RSS, after the tasks', 'gatewayRssAfterTasksMb', 'MB'),
    line('Gateway stop, wall', 'gatewayStopWallMs', 'ms'),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const counts = { cold: option('--cold', 4), warm: option('--warm', 8), starts: option('--starts', 2) };
  const report = await benchOpenClaw(counts, (l) => process.stderr.write(`bench: ${l}\n`));
  const json = process.argv.includes('--json');
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatOpenClawReport(report)}\n`);
  const failed = [...report.cold, ...report.warm.flatMap((g) => g.tasks)].filter((t) => !t.ok).length;
  process.exit(failed === 0 ? 0 : 1);
}
