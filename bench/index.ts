/**
 * `npm run bench`: the fleet as people run it in the seed's configuration (polling, a fresh worker process per task)
 * and the best one (push, keep-alive), with one in between (push, restart-per-task) so the cost of restarting is
 * seen apart; a 200-task backlog on 10 workers; `dorch submit`'s own time; emulator throughput; the claim protocol's
 * throughput and request cost (in-process workers at 1, 3 and 10); then the chaos run (issue #8: faults, kills, a
 * manager restart; `bench/chaos/`). Loopback only; needs `npm run build` (the fleet and the chaos run use the built
 * CLI). Writes the report as JSON under `bench/results/` and prints it as tables. Options:
 * - `--json` prints the report as JSON on stdout;
 * - `--only <fleet|emulator|claims|chaos>` runs one part (`--fleet-only` is `--only fleet`);
 * - `--chaos-runs <n>` repeats the chaos run n times (default 1), each with its own figures;
 * - `--chaos-restarts` runs the chaos fleet's workers a fresh process per task instead of keep-alive.
 * Exits 1 when a guarantee broke (a task ran twice, a result is missing, a chaos invariant failed).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchClaims, scenarioName, type ClaimBenchResult, type ClaimScenario } from './claims.js';
import { benchEmulator, type EmulatorBenchResult } from './emulator.js';
import { BUILT_CLI, benchBurst, benchFleet, spread, type FleetConfig, type FleetResult } from './fleet.js';
import { runChaos, type ChaosResult } from './chaos/run.js';
import {
  chaosProblems,
  checkTargets,
  fleetProblems,
  formatReport,
  problemsOf,
  throughputNotes,
  type BenchReport,
} from './report.js';

/** The fleet configurations, seed first and best last. */
const FLEET: readonly FleetConfig[] = [
  { name: 'seed', push: false, restartPerTask: true },
  { name: 'push-restart', push: true, restartPerTask: true },
  { name: 'best', push: true, restartPerTask: false, submits: 7 },
];

/** The backlog the best configuration drains with 10 workers (issue #10: zero 429s). */
const BURST = { workers: 10, tasks: 200 } as const;

/** The claim scenarios `npm run bench` runs. */
const CLAIM_SCENARIOS: readonly ClaimScenario[] = [
  { workers: 1, tasks: 20 },
  { workers: 3, tasks: 30 },
  { workers: 10, tasks: 50 },
  { workers: 10, tasks: 50, latencyMs: 30 },
];

/** Seconds per emulator-throughput scenario. */
const EMULATOR_SECONDS = 2;

/** Which parts to run, from the command line. */
function parts(argv: readonly string[]): {
  fleet: boolean;
  emulator: boolean;
  claims: boolean;
  chaos: number;
  keepAlive: boolean;
} {
  const only = argv.includes('--fleet-only') ? 'fleet' : argv[argv.indexOf('--only') + 1];
  const at = argv.indexOf('--chaos-runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 1;
  const some = argv.includes('--only') || argv.includes('--fleet-only');
  if (some && !['fleet', 'emulator', 'claims', 'chaos'].includes(only ?? ''))
    throw new TypeError(`Expected \`--only\` to be fleet, emulator, claims or chaos, got \`${only}\``);
  if (!Number.isInteger(runs) || runs < 0)
    throw new TypeError(`Expected \`--chaos-runs\` to be an integer >= 0, got \`${argv[at + 1]}\``);
  return {
    fleet: !some || only === 'fleet',
    emulator: !some || only === 'emulator',
    claims: !some || only === 'claims',
    chaos: !some || only === 'chaos' ? runs : 0,
    keepAlive: !argv.includes('--chaos-restarts'),
  };
}

/** Run the chosen parts and build the report. `progress` receives one line per step. */
async function runBench(
  which: ReturnType<typeof parts>,
  progress: (line: string) => void = () => {},
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = { node: process.version, cpus: availableParallelism(), loadAverage: loadavg()[0] ?? 0 };
  const fleet: FleetResult[] = [];
  let burst: BenchReport['burst'] = null;
  if (which.fleet) {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
    for (const config of FLEET) {
      progress(`fleet ${config.name} (load average ${(loadavg()[0] ?? 0).toFixed(2)})…`);
      fleet.push(await benchFleet(config));
    }
    const best = FLEET[FLEET.length - 1]!;
    progress(`burst: ${BURST.tasks} tasks, ${BURST.workers} workers, ${best.name}…`);
    burst = await benchBurst({ ...best, ...BURST });
  }
  const nodeFloor = timeNode();
  let emulator: EmulatorBenchResult[] = [];
  if (which.emulator) {
    progress(`emulator throughput (${EMULATOR_SECONDS} s per scenario)…`);
    emulator = await benchEmulator({ seconds: EMULATOR_SECONDS });
  }
  const claims: ClaimBenchResult[] = [];
  if (which.claims)
    for (const scenario of CLAIM_SCENARIOS) {
      progress(`claims ${scenarioName(scenario)}…`);
      claims.push(await benchClaims(scenario));
    }
  const chaos: ChaosResult[] = [];
  for (let i = 0; i < which.chaos; i++) {
    progress(`chaos run ${i + 1}/${which.chaos} (a few minutes)…`);
    chaos.push(await runChaos({ keepAlive: which.keepAlive, progress: (line) => progress(`  ${line}`) }));
  }
  return {
    startedAt,
    machine,
    emulator,
    claims,
    fleet,
    burst,
    nodeFloor,
    targets: fleet.length && burst ? checkTargets(fleet[0]!, fleet[fleet.length - 1]!, burst) : [],
    chaos,
    loadAverageAtEnd: loadavg()[0] ?? 0,
    notes: claims.length ? throughputNotes(claims) : [],
    problems: [...problemsOf(claims), ...fleetProblems(fleet, burst), ...chaosProblems(chaos)],
  };
}

/** `node -e 0`, five times: wall and CPU p50 (the floor under any Node CLI on this machine right now). */
function timeNode(): { wallMs: number; cpuMs: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const out = spawnSync('sh', ['-c', `"${process.execPath}" -e 0; times`], { encoding: 'utf8' }).stdout;
    walls.push(performance.now() - started);
    // `times` prints the shell's user and sys time, then its children's: `0m0.040s 0m0.010s`.
    const child = out.trim().split('\n')[1] ?? '';
    const secs = [...child.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    cpus.push(Math.round(((secs[0] ?? 0) + (secs[1] ?? 0)) * 1000));
  }
  return { wallMs: spread(walls).p50, cpuMs: spread(cpus).p50 };
}

const json = process.argv.includes('--json');
const report = await runBench(parts(process.argv), (line) => process.stderr.write(`bench: ${line}\n`));
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
process.stderr.write(`bench: report written to ${file}\n`);
// Exit explicitly: closed workers and REST clients may leave sweep timers behind.
process.exit(report.problems.length === 0 ? 0 : 1);
