/**
 * `npm run bench`: emulator throughput, then the claim protocol's throughput and request cost under Discord's
 * rate limits. Loopback only, about two minutes on two cores. `--json` prints the report as JSON on stdout.
 * Exits 1 when a task ran twice or a result is missing.
 */
import { availableParallelism, loadavg } from 'node:os';
import { benchClaims, scenarioName, type ClaimBenchResult, type ClaimScenario } from './claims.js';
import { benchEmulator } from './emulator.js';
import { formatReport, problemsOf, throughputNotes, type BenchReport } from './report.js';

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
async function runBench(progress: (line: string) => void = () => {}): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const machine = { node: process.version, cpus: availableParallelism(), loadAverage: loadavg()[0] ?? 0 };
  progress(`emulator throughput (${EMULATOR_SECONDS} s per scenario)…`);
  const emulator = await benchEmulator({ seconds: EMULATOR_SECONDS });
  const claims: ClaimBenchResult[] = [];
  for (const scenario of CLAIM_SCENARIOS) {
    progress(`claims ${scenarioName(scenario)}…`);
    claims.push(await benchClaims(scenario));
  }
  return {
    startedAt,
    machine,
    emulator,
    claims,
    notes: throughputNotes(claims),
    problems: problemsOf(claims),
  };
}

const json = process.argv.includes('--json');
const report = await runBench((line) => process.stderr.write(`bench: ${line}\n`));
process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
// Exit explicitly: closed workers and REST clients may leave sweep timers behind.
process.exit(report.problems.length === 0 ? 0 : 1);
