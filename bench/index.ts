/**
 * `npm run bench`: the fleet as people run it in the seed's configuration (polling, a fresh worker process per task)
 * and the best one (push, keep-alive), with one in between (push, restart-per-task) so the cost of restarting is
 * seen apart; a 200-task backlog on 10 workers; `dorch submit`'s own time; then emulator throughput and the claim
 * protocol's throughput and request cost (in-process workers at 1, 3 and 10). Loopback only; needs `npm run build`
 * (the fleet runs the built CLI). Writes the report as JSON under `bench/results/` and prints it as tables (`--json`
 * prints the JSON instead; `--fleet-only` skips the emulator and claim sections). Exits 1 when a task ran twice or a
 * result is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchClaims, scenarioName, type ClaimBenchResult, type ClaimScenario } from './claims.js';
import { benchEmulator, type EmulatorBenchResult } from './emulator.js';
import { BUILT_CLI, benchBurst, benchFleet, spread, type FleetConfig, type FleetResult } from './fleet.js';
import {
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

/** Run every part and build the report. `progress` receives one line per step. */
async function runBench(
  progress: (line: string) => void = () => {},
  fleetOnly = false,
): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = { node: process.version, cpus: availableParallelism(), loadAverage: loadavg()[0] ?? 0 };
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first`);
  const fleet: FleetResult[] = [];
  for (const config of FLEET) {
    progress(`fleet ${config.name} (load average ${(loadavg()[0] ?? 0).toFixed(2)})…`);
    fleet.push(await benchFleet(config));
  }
  const best = FLEET[FLEET.length - 1]!;
  progress(`burst: ${BURST.tasks} tasks, ${BURST.workers} workers, ${best.name}…`);
  const burst = await benchBurst({ ...best, ...BURST });
  const nodeFloor = timeNode();
  let emulator: EmulatorBenchResult[] = [];
  const claims: ClaimBenchResult[] = [];
  if (!fleetOnly) {
    progress(`emulator throughput (${EMULATOR_SECONDS} s per scenario)…`);
    emulator = await benchEmulator({ seconds: EMULATOR_SECONDS });
    for (const scenario of CLAIM_SCENARIOS) {
      progress(`claims ${scenarioName(scenario)}…`);
      claims.push(await benchClaims(scenario));
    }
  }
  return {
    startedAt,
    machine,
    emulator,
    claims,
    fleet,
    burst,
    nodeFloor,
    targets: checkTargets(fleet[0]!, fleet[fleet.length - 1]!, burst),
    loadAverageAtEnd: loadavg()[0] ?? 0,
    notes: claims.length ? throughputNotes(claims) : [],
    problems: [...problemsOf(claims), ...fleetProblems(fleet, burst)],
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
const report = await runBench(
  (line) => process.stderr.write(`bench: ${line}\n`),
  process.argv.includes('--fleet-only'),
);
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
process.stderr.write(`bench: report written to ${file}\n`);
// Exit explicitly: closed workers and REST clients may leave sweep timers behind.
process.exit(report.problems.length === 0 ? 0 : 1);
