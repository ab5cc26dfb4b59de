/** What one chaos run does: how many tasks and workers, which faults, how many kills. */

/** One chaos run's settings (see {@link DEFAULT_CHAOS_SCENARIO} and {@link SMALL_CHAOS_SCENARIO}). */
export interface ChaosScenario {
  /** A name for reports. @defaultValue 'chaos' */
  name?: string;
  /** Tasks submitted in all (each with a unique `chaos-…` marker in its text). @defaultValue 150 */
  tasks?: number;
  /** Posted by the submitter bot through REST before anything else (message-create limit raised meanwhile). @defaultValue 50 */
  backlog?: number;
  /** Submitted with real `dorch submit` processes while the 5xx faults run. @defaultValue 8 */
  cliSubmitsDuringErrors?: number;
  /** Submitted with real `dorch submit` processes during the outage (they go to the local queue). @defaultValue 6 */
  cliSubmitsDuringOutage?: number;
  /** Worker processes under the manager (each its own bot). @defaultValue 6 */
  workers?: number;
  /**
   * Workers stay up between tasks (`--keep-alive`) instead of restarting after each task (the product's default,
   * which costs a process start per task: on two shared cores that doubles the run). @defaultValue true
   */
  keepAlive?: boolean;
  /** Fraction of `/api` answers replaced by a 5xx after the write was committed. @defaultValue 0.05 */
  errorRate?: number;
  /** Fraction of `/api` connections dropped after the write was committed. @defaultValue 0.005 */
  dropRate?: number;
  /** Latency added to every `/api` answer. @defaultValue 25 */
  latencyMs?: number;
  /** The one outage (every connection dropped): how long. @defaultValue 16000 */
  outageMs?: number;
  /** Start the outage once this fraction of the tasks has a result. @defaultValue 0.25 */
  outageAt?: number;
  /** Workers SIGKILLed at random moments (one running an agent when there is one). @defaultValue 8 */
  randomKills?: number;
  /** Workers SIGKILLed right after Discord committed their result post (its answer held back). @defaultValue 4 */
  resultKills?: number;
  /** Workers SIGKILLed during the outage (the manager cannot hand their tasks back then). @defaultValue 1 */
  outageKills?: number;
  /** Tasks whose every run is killed until they are out of attempts. @defaultValue 1 */
  huntKills?: number;
  /**
   * When this fraction has a result: SIGKILL a busy worker, then the manager right after Discord committed the retry
   * copy of that worker's task (mid hand-back), and start the manager again; null: never. @defaultValue 0.55
   */
  managerKillAt?: number | null;
  /** How long the manager stays dead. @defaultValue 1500 */
  managerDownMs?: number;
  /** The fixture agent's run time: a random value in this range (ms). @defaultValue [300, 2000] */
  agentMs?: [number, number];
  /** `MAX_ATTEMPTS`. @defaultValue 3 */
  maxAttempts?: number;
  /** `LEASE_TIMEOUT` in seconds. @defaultValue 20 */
  leaseSec?: number;
  /** `HEARTBEAT_INTERVAL` in seconds. @defaultValue 4 */
  heartbeatSec?: number;
  /** `POLL_INTERVAL` in seconds. @defaultValue 0.5 */
  pollIntervalSec?: number;
  /** Run the CLI from `dist/` (built first when older than `src/`) or from the sources through tsx. @defaultValue 'dist' */
  cli?: 'dist' | 'src';
  /** Give up waiting for the fleet to settle after this long. @defaultValue 600000 */
  timeoutMs?: number;
  /** Progress lines (stderr in the bench). @defaultValue none */
  progress?: (line: string) => void;
}

/** A scenario with every default filled in. */
export type ResolvedChaosScenario = Required<Omit<ChaosScenario, 'managerKillAt'>> & {
  managerKillAt: number | null;
};

/** The `npm run bench` chaos run (issue #8's "Done means"). */
export const DEFAULT_CHAOS_SCENARIO: ResolvedChaosScenario = {
  name: 'chaos',
  tasks: 150,
  backlog: 50,
  cliSubmitsDuringErrors: 8,
  cliSubmitsDuringOutage: 6,
  workers: 6,
  keepAlive: true,
  errorRate: 0.05,
  dropRate: 0.005,
  latencyMs: 25,
  outageMs: 16_000,
  outageAt: 0.25,
  randomKills: 8,
  resultKills: 4,
  outageKills: 1,
  huntKills: 1,
  managerKillAt: 0.55,
  managerDownMs: 1500,
  agentMs: [300, 2000],
  maxAttempts: 3,
  leaseSec: 20,
  heartbeatSec: 4,
  pollIntervalSec: 0.5,
  cli: 'dist',
  timeoutMs: 600_000,
  progress: () => {},
};

/** The smaller run `npm test` makes: the same invariants, well under a minute. */
export const SMALL_CHAOS_SCENARIO: ChaosScenario = {
  name: 'chaos (small)',
  tasks: 30,
  backlog: 16,
  cliSubmitsDuringErrors: 2,
  cliSubmitsDuringOutage: 2,
  workers: 4,
  outageMs: 4000,
  outageAt: 0.2,
  randomKills: 3,
  resultKills: 2,
  managerKillAt: 0.5,
  managerDownMs: 500,
  agentMs: [200, 1200],
  leaseSec: 10,
  heartbeatSec: 2,
  pollIntervalSec: 0.3,
  // npm test's global setup has just transpiled src/ into dist/ (a CLI start there costs far less CPU than tsx).
  cli: 'dist',
  timeoutMs: 150_000,
};

/** Fill in the defaults; throws a `TypeError` naming the key for values that cannot work. */
export function resolveScenario(scenario: ChaosScenario = {}): ResolvedChaosScenario {
  const s: ResolvedChaosScenario = { ...DEFAULT_CHAOS_SCENARIO, ...stripUndefined(scenario) };
  const int = (key: keyof ResolvedChaosScenario, min: number) => {
    const v = s[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new TypeError(`Expected \`${key}\` to be an integer >= ${min}, got \`${String(v)}\``);
  };
  int('tasks', 1);
  int('workers', 1);
  int('backlog', 0);
  int('maxAttempts', 1);
  const cli = s.cliSubmitsDuringErrors + s.cliSubmitsDuringOutage;
  if (s.backlog + cli > s.tasks)
    throw new TypeError(
      `Expected \`backlog\` + the CLI submissions (${s.backlog + cli}) to be at most \`tasks\` (${s.tasks})`,
    );
  for (const key of ['errorRate', 'dropRate', 'outageAt'] as const)
    if (!(s[key] >= 0 && s[key] < 1))
      throw new TypeError(`Expected \`${key}\` to be a fraction in [0, 1), got \`${s[key]}\``);
  if (s.heartbeatSec * 2 > s.leaseSec)
    throw new TypeError(
      `Expected \`leaseSec\` (${s.leaseSec}) to be at least two heartbeats (${s.heartbeatSec * 2})`,
    );
  return s;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
