/**
 * `npm run bench`: emulator throughput, the claim protocol's throughput and request cost under Discord's rate limits,
 * then the chaos run (issue #8: faults, kills, a manager restart; `bench/chaos/`). Loopback only; the chaos run
 * builds `dist/` when it is older than `src/` and takes a few minutes. Options:
 * - `--json` prints the report as JSON on stdout;
 * - `--only <emulator|claims|chaos>` runs one part;
 * - `--chaos-runs <n>` repeats the chaos run n times (default 1), each with its own figures;
 * - `--chaos-restarts` runs the chaos fleet's workers as the manager does by default, a fresh process per task
 *   (slower: a process start per task), instead of keep-alive workers.
 * Exits 1 when a guarantee broke (a task ran twice, a result is missing, a chaos invariant failed).
 */
import { availableParallelism, loadavg } from 'node:os';
import { benchClaims, scenarioName, type ClaimBenchResult, type ClaimScenario } from './claims.js';
import { benchEmulator } from './emulator.js';
import { runChaos } from './chaos/run.js';
import { chaosProblems, formatReport, problemsOf, throughputNotes, type BenchReport } from './report.js';
import type { ChaosResult } from './chaos/run.js';

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
  emulator: boolean;
  claims: boolean;
  chaos: number;
  keepAlive: boolean;
} {
  const only = argv[argv.indexOf('--only') + 1];
  const at = argv.indexOf('--chaos-runs');
  const runs = at >= 0 ? Number(argv[at + 1]) : 1;
  if (argv.includes('--only') && !['emulator', 'claims', 'chaos'].includes(only ?? ''))
    throw new TypeError(`Expected \`--only\` to be emulator, claims or chaos, got \`${only}\``);
  if (!Number.isInteger(runs) || runs < 0)
    throw new TypeError(`Expected \`--chaos-runs\` to be an integer >= 0, got \`${argv[at + 1]}\``);
  const all = !argv.includes('--only');
  return {
    emulator: all || only === 'emulator',
    claims: all || only === 'claims',
    chaos: all || only === 'chaos' ? runs : 0,
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
  let emulator: BenchReport['emulator'] = [];
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
    chaos,
    notes: throughputNotes(claims),
    problems: [...problemsOf(claims), ...chaosProblems(chaos)],
  };
}

const json = process.argv.includes('--json');
const report = await runBench(parts(process.argv), (line) => process.stderr.write(`bench: ${line}\n`));
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
// Exit explicitly: closed workers and REST clients may leave sweep timers behind.
process.exit(report.problems.length === 0 ? 0 : 1);
