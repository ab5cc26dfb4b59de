/**
 * The chaos run (issue #8): the emulator in its own process with 5 % of answers replaced by a 5xx after the write
 * was committed, latency, a few dropped connections and one outage; the real `dorch manager` with several workers
 * running a fixture agent that logs every run; tasks from the submitter bot (REST) and from real `dorch submit`
 * processes during the faults; workers SIGKILLed at random, during the outage, right after their result post was
 * committed, and on every run of one task; the manager SIGKILLed in the middle of a hand-back and started again.
 * Then the fleet is stopped and {@link checkFinalState} says what broke.
 *
 * Nothing in the product knows about any of this: the faults are the emulator's, the kills are signals.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultConfig } from '../../src/emulator/faults.js';
import type { EmulatorWorld } from '../../src/emulator/world.js';
import { worldConfig } from '../../src/emulator/world-env.js';
import { sleep } from '../../src/lib/sleep.js';
import { readAgentRuns } from './agent-log.js';
import { checkFinalState, type StateFigures } from './checks.js';
import { Fleet } from './fleet.js';
import { Killer, type Kill, type KillKind } from './kills.js';
import { ROOT, ensureBuilt, forget, killFleet, remember, startEmulatorProcess } from './processes.js';
import { Progress, settle } from './progress.js';
import { resolveScenario, type ChaosScenario, type ResolvedChaosScenario } from './scenario.js';
import { Markers, RestSubmitter, cliSubmit, type Submission } from './submissions.js';

/** What one chaos run measured and found. */
export interface ChaosResult {
  scenario: string;
  tasks: number;
  workers: number;
  figures: StateFigures & {
    submitted: { rest: number; cliDuringErrors: number; cliDuringOutage: number; cliQueuedLocally: number };
    /** SIGKILLs by kind; `missed`: planned kills that found no moment (no busy worker, no post in time). */
    kills: Record<KillKind, number> & { missed: number };
    /** Why the missed kills found no moment. */
    missedWhy: string[];
    /** Tasks whose every run was killed (they must end FAILED after their attempts). */
    hunted: number;
    /** Slowest end of a killed worker's agents after the kill (the manager ends them), ms. */
    slowestAgentEndMs: number;
    /** The manager's recoveries of dead workers' tasks, by action (requeued, delivered, error…). */
    recovered: Record<string, number>;
    faults: { errors: number; drops: number };
    rateLimited: number;
    outageMs: number;
    wallSeconds: number;
    requests: number;
    requestsPerTask: number;
  };
  /** Broken guarantees; empty when the run held every one. */
  problems: string[];
  /** The run's folder, kept when there were problems (logs, runtime dir, agent log). */
  dir?: string;
}

/** The fleet's configuration: the emulator's world, the fixture agent, short leases so a sweep happens in the run. */
function fleetEnv(world: EmulatorWorld, s: ResolvedChaosScenario, agentLog: string): Record<string, string> {
  return {
    ...worldConfig(world, { workers: s.workers }),
    AGENT_RUNNER: 'command',
    AGENT_COMMAND: `${process.execPath} ${join(ROOT, 'test/fixtures/agents/chaos.mjs')}`,
    AGENT_ENV_PASS: 'CHAOS_LOG,CHAOS_MIN_MS,CHAOS_MAX_MS,CHAOS_SLOW_MS',
    CHAOS_LOG: agentLog,
    CHAOS_MIN_MS: String(s.agentMs[0]),
    CHAOS_MAX_MS: String(s.agentMs[1]),
    CHAOS_SLOW_MS: '5000',
    POLL_INTERVAL: String(s.pollIntervalSec),
    MAX_IDLE_TIME: '0',
    TASK_TIMEOUT: '60',
    MAX_ATTEMPTS: String(s.maxAttempts),
    LEASE_TIMEOUT: String(s.leaseSec),
    HEARTBEAT_INTERVAL: String(s.heartbeatSec),
  };
}

/** Run one chaos scenario end to end; resolves to its figures and problems. Never leaves a process behind. */
export async function runChaos(input: ChaosScenario = {}): Promise<ChaosResult> {
  const s = resolveScenario(input);
  const say = s.progress;
  if (s.cli === 'dist' && (await ensureBuilt())) say('built dist/ (it was older than src/)');
  const dir = await mkdtemp(join(tmpdir(), 'dorch-chaos-'));
  remember(dir);
  const runtimeDir = join(dir, '.runtime');
  const agentLog = join(dir, 'agent-runs.jsonl');
  const emulator = await startEmulatorProcess(s.cli, s.workers, dir);
  const { world, admin } = emulator;
  const env = fleetEnv(world, s, agentLog);
  const fleet = new Fleet({ source: s.cli, dir, env, workers: s.workers, keepAlive: s.keepAlive });
  const markers = new Markers();
  const rest = new RestSubmitter(world);
  const submissions: Submission[] = [];
  const progress = new Progress(admin, world.channels.results, s.tasks);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const channels = { taskQueue: world.channels.taskQueue, results: world.channels.results };
  const finished = () => progress.fraction >= 1;
  const workerUsers = world.users.workers;
  const killer = new Killer({ fleet, admin, agentLog, channels, workerUsers, elapsed, finished });
  const problems: string[] = [];
  const outage = { from: 0, to: 0, on: false };
  let over = false;
  const giveUp = () => over;
  const deadline = setTimeout(() => (over = true), s.timeoutMs);
  const ticker = setInterval(() => say(`${progress.done.size}/${s.tasks} results`), 5000);
  const faults: FaultConfig = {
    errorRate: s.errorRate,
    dropRate: s.dropRate,
    latencyMs: s.latencyMs,
    timing: 'after',
  };
  // One kill at a time (each waits for the one before).
  let killing: Promise<unknown> = Promise.resolve();
  const kill = async (make: () => Promise<Kill[]>): Promise<void> => {
    const previous = killing;
    const next = previous.then(make);
    killing = next.catch(() => undefined);
    for (const k of await next) say(describeKill(k));
  };
  try {
    await admin.setFaults(faults);
    await admin.resetStats();
    say(`${s.name}: ${s.tasks} tasks, ${s.workers} workers, folder ${dir}`);

    // The backlog, with the message-create limit raised while it is posted (as a bench's setup step).
    const limits = await admin.configureRateLimits({});
    await admin.configureRateLimits({ buckets: { messageCreate: { limit: 1000, windowMs: 5000 } } });
    // The first tasks are the ones hunted down later: slow, so each of their runs is caught running.
    const prey: string[] = [];
    for (let i = 0; i < s.backlog; i++) {
      const marker = markers.next();
      if (i < s.huntKills) prey.push(marker);
      submissions.push(await rest.submit(marker, i < s.huntKills));
    }
    await admin.configureRateLimits({ buckets: { messageCreate: limits.buckets.messageCreate } });
    fleet.start();
    progress.start();
    say(`backlog of ${s.backlog} posted; manager started`);

    // Tasks hunted down, each on its own (its retries wait their turn in the queue): every run killed.
    const hunts = prey.map((chain) => killer.hunt(chain, s.maxAttempts, (k) => say(describeKill(k))));

    const cliOptions = { cwd: dir, env };
    const cli: Promise<Submission>[] = [];
    const restCount = s.tasks - s.backlog - s.cliSubmitsDuringErrors - s.cliSubmitsDuringOutage;
    const errorsBefore = Math.ceil(s.cliSubmitsDuringErrors / 2);

    // The rest of the REST submissions trickle in at Discord's pace, between the events below.
    const trickle = (async () => {
      for (let i = 0; i < restCount && !over; i++) {
        submissions.push(await rest.submit(markers.next()));
        await sleep(300);
      }
    })();

    const director = (async () => {
      await progress.reach(Math.min(0.1, s.outageAt / 2), giveUp);
      for (let i = 0; i < errorsBefore; i++)
        cli.push(cliSubmit(s.cli, markers.next(), 'cli-errors', cliOptions));
      await progress.reach(s.outageAt, giveUp);
      say(`outage for ${s.outageMs / 1000} s (at ${Math.round(progress.fraction * 100)} % done)`);
      await admin.setFaults({ ...faults, outage: true });
      outage.on = true;
      outage.from = performance.now();
      // Workers killed while Discord is down: the manager cannot hand their tasks back; a sweep must, later.
      const outageKills = (async () => {
        for (let i = 0; i < s.outageKills; i++) {
          await sleep(s.outageMs / (s.outageKills + 2));
          await kill(async () => {
            const k = await killer.random(1000);
            return k ? [k] : [];
          });
        }
      })();
      const during: Promise<Submission>[] = [];
      for (let i = 0; i < s.cliSubmitsDuringOutage; i++) {
        during.push(cliSubmit(s.cli, markers.next(), 'cli-outage', cliOptions));
        await sleep(Math.min(1000, s.outageMs / (s.cliSubmitsDuringOutage + 2)));
      }
      cli.push(...during);
      // Wait for the outage's submissions and kills, but never shorten the outage.
      await Promise.all([...during, outageKills]);
      await sleep(Math.max(0, s.outageMs - (performance.now() - outage.from)));
      await admin.setFaults(faults);
      outage.to = performance.now();
      outage.on = false;
      say(`outage over after ${((outage.to - outage.from) / 1000).toFixed(1)} s`);
      for (let i = errorsBefore; i < s.cliSubmitsDuringErrors; i++)
        cli.push(cliSubmit(s.cli, markers.next(), 'cli-errors', cliOptions));
      if (s.managerKillAt !== null) {
        await progress.reach(s.managerKillAt, giveUp);
        await kill(async () => [await killer.managerMidRecovery(s.managerDownMs)]);
      }
    })();

    // Worker kills spread over the run by progress; none while the manager is down, result kills not in the outage.
    const plan = [
      ...spread(s.randomKills, 0.08, 0.85).map((at) => ({ at, kind: 'random' as const })),
      ...spread(s.resultKills, 0.12, 0.9).map((at) => ({ at, kind: 'after-result' as const })),
    ].sort((a, b) => a.at - b.at);
    const kills = (async () => {
      for (const step of plan) {
        await progress.reach(step.at, giveUp);
        while (!over && (!fleet.up || (step.kind === 'after-result' && outage.on))) await sleep(200);
        if (over) return;
        await kill(async () => {
          const k = step.kind === 'random' ? await killer.random() : await killer.afterResult();
          return k ? [k] : [];
        });
      }
    })();

    await Promise.all([trickle, director, kills, ...hunts]);
    submissions.push(...(await Promise.all(cli)));
    say(`all ${submissions.length} submitted; waiting for the fleet to settle`);
    const waiting = await settle(admin, world, runtimeDir, submissions, giveUp);
    if (waiting) problems.push(`not settled after ${s.timeoutMs / 1000} s: ${waiting}`);
    const wallMs = elapsed();
    await killer.settled();
    await fleet.stop(60_000).catch((e: unknown) => problems.push(String(e)));
    progress.stop();

    const [queue, results, runs, stats] = await Promise.all([
      admin.messages(world.channels.taskQueue),
      admin.messages(world.channels.results),
      readAgentRuns(agentLog),
      admin.stats(),
    ]);
    const state = await checkFinalState({
      submissions,
      queue,
      results,
      runs,
      hunted: killer.hunted,
      maxAttempts: s.maxAttempts,
      runtimeDir,
    });
    problems.push(...state.problems);
    for (const k of killer.kills)
      if (k.agentsGoneMs === null)
        problems.push(
          `agent(s) ${k.agents.map((a) => a.pid).join(', ')} outlived their killed worker ${k.pid}`,
        );
    const count = (kind: KillKind) => killer.kills.filter((k) => k.kind === kind).length;
    return {
      scenario: s.name,
      tasks: s.tasks,
      workers: s.workers,
      figures: {
        ...state.figures,
        submitted: {
          rest: submissions.filter((x) => x.way === 'rest').length,
          cliDuringErrors: submissions.filter((x) => x.way === 'cli-errors').length,
          cliDuringOutage: submissions.filter((x) => x.way === 'cli-outage').length,
          cliQueuedLocally: submissions.filter((x) => x.via === 'local').length,
        },
        kills: {
          random: count('random'),
          'after-result': count('after-result'),
          hunt: count('hunt'),
          manager: count('manager'),
          missed: killer.misses.length,
        },
        missedWhy: killer.misses,
        hunted: killer.hunted.length,
        slowestAgentEndMs: Math.max(0, ...killer.kills.map((k) => k.agentsGoneMs ?? 0)),
        recovered: recoveries(fleet.output()),
        faults: stats.faults,
        rateLimited: stats.rateLimited.route + stats.rateLimited.global + stats.rateLimited.shared,
        outageMs: Math.round(outage.to - outage.from),
        wallSeconds: Math.round(wallMs / 100) / 10,
        requests: stats.total,
        requestsPerTask: Math.round((stats.total / s.tasks) * 10) / 10,
      },
      problems,
      ...(problems.length > 0 ? { dir } : {}),
    };
  } finally {
    over = true;
    clearTimeout(deadline);
    clearInterval(ticker);
    progress.stop();
    killFleet(dir);
    forget(dir);
    await rest.close();
    await emulator.stop();
    if (problems.length === 0 && !process.env.CHAOS_KEEP)
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** One line for a kill. */
function describeKill(k: Kill): string {
  const agents = k.agents.length ? `, agent ${k.agents.map((a) => a.task).join(' ')}` : '';
  const task = k.taskId ? `, ${k.kind === 'manager' ? 'handing back' : 'result of'} ${k.taskId}` : '';
  return `${k.kind} kill of ${k.workerId ?? 'the manager'} (pid ${k.pid}${agents}${task}) at ${(k.at / 1000).toFixed(1)} s`;
}

/** `at` values for `n` events spread evenly over [from, to]. */
function spread(n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, (_, i) => from + ((to - from) * (i + 0.5)) / n);
}

/** The manager's `RECOVERED <task>: <action>` lines, counted by action. */
function recoveries(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of output.matchAll(/RECOVERED\s+\S+: (\S+)/g)) out[m[1]!] = (out[m[1]!] ?? 0) + 1;
  return out;
}
