/** The benchmark's report: one data shape for `--json`, a text rendering for people, and the pass/fail verdict. */
import type { ClaimBenchResult } from './claims.js';
import type { EmulatorBenchResult } from './emulator.js';
import type { BurstResult, FleetResult } from './fleet.js';
import { formatChaos } from './chaos/report.js';
import type { ChaosResult } from './chaos/run.js';

/** Everything one `npm run bench` measured. */
export interface BenchReport {
  /** ISO time the run started. */
  startedAt: string;
  /**
   * Node version, CPU count and the 1-minute load average at the start, so numbers from different machines (or a
   * busy one) are not compared blindly.
   */
  machine: { node: string; cpus: number; loadAverage: number };
  emulator: EmulatorBenchResult[];
  claims: ClaimBenchResult[];
  /** The fleet as people run it (`dorch manager`, real processes), one entry per configuration: seed first. */
  fleet: FleetResult[];
  /** The best configuration draining a backlog with 10 workers. */
  burst: BurstResult | null;
  /** `node -e 0` on this machine now: the floor under any CLI's wall time. */
  nodeFloor: { wallMs: number; cpuMs: number };
  /** Issue #10's targets, each checked against this run. */
  targets: TargetCheck[];
  /** The 1-minute load average at the end (the machine may be shared). */
  loadAverageAtEnd: number;
  /** The chaos runs (issue #8), one per `--chaos-runs`. */
  chaos?: ChaosResult[];
  /** What limits throughput, with this run's numbers. */
  notes: string[];
  /** Broken guarantees (duplicates, missing results); non-empty means the run failed. */
  problems: string[];
}

/** One of issue #10's targets, with what this run measured. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

/** Check the targets of issue #10 ("Done means") against the seed and best fleet runs and the burst. */
export function checkTargets(seed: FleetResult, best: FleetResult, burst: BurstResult | null): TargetCheck[] {
  const ratio = seed.pickupMs.p50 / Math.max(1, best.pickupMs.p50);
  const checks: TargetCheck[] = [
    {
      name: 'pickup p50',
      target: '≤ 50 ms and ≥ 20× faster than seed',
      measured: `${best.pickupMs.p50} ms (seed ${seed.pickupMs.p50} ms, ${ratio.toFixed(0)}×)`,
      met: best.pickupMs.p50 <= 50 && ratio >= 20,
    },
    {
      name: 'overhead p50',
      target: '≤ 150 ms',
      measured: `${best.overheadMs.p50} ms`,
      met: best.overheadMs.p50 <= 150,
    },
    {
      name: 'Discord requests per task besides polling',
      target: '≤ 6',
      measured: String(best.requestsPerTask),
      met: best.requestsPerTask <= 6,
    },
    {
      name: 'idle RSS per worker',
      target: '≤ 80 MB',
      measured: `${Math.max(...best.idleRssMb)} MB (max of ${best.idleRssMb.join(', ')})`,
      met: Math.max(...best.idleRssMb) <= 80,
    },
  ];
  if (burst)
    checks.push({
      name: `429s, ${burst.workers} workers, ${burst.tasks} tasks`,
      target: '0',
      measured: String(burst.rateLimited.route + burst.rateLimited.global + burst.rateLimited.shared),
      met: burst.rateLimited.route + burst.rateLimited.global + burst.rateLimited.shared === 0,
    });
  if (best.submit)
    checks.push({
      name: '`dorch submit` wall p50',
      target: '≤ 500 ms (idle machine)',
      measured: `${best.submit.wallMs.p50} ms (CPU ${best.submit.cpuMs.p50} ms)`,
      met: best.submit.wallMs.p50 <= 500,
    });
  return checks;
}

/** Fleet guarantees: nothing ran twice, nothing is missing. */
export function fleetProblems(fleet: readonly FleetResult[], burst: BurstResult | null): string[] {
  const problems: string[] = [];
  for (const f of fleet) {
    if (f.duplicates > 0)
      problems.push(`fleet ${f.config}: ${f.duplicates} task(s) ran or were reported twice`);
    if (f.missing > 0) problems.push(`fleet ${f.config}: ${f.missing} task(s) without a result`);
  }
  if (burst && burst.duplicates > 0)
    problems.push(`burst: ${burst.duplicates} task(s) ran or were reported twice`);
  if (burst && burst.missing > 0) problems.push(`burst: ${burst.missing} task(s) without a result`);
  return problems;
}

/** The fleet section: one column per configuration. */
export function formatFleet(report: BenchReport): string[] {
  const f = report.fleet;
  if (f.length === 0) return [];
  const out: string[] = [];
  out.push(
    `3. The fleet (\`dorch manager\` from dist/, worker and agent processes, rate limits on; ${f[0]!.workers} workers, ` +
      `${f[0]!.tasks} tasks one after the other, agent: bench/agent.sh)`,
  );
  const mb = (xs: number[]) => (xs.length ? `${Math.max(...xs)}` : '-');
  const row = (name: string, cell: (r: FleetResult) => string) => [name, ...f.map(cell)];
  const rows = [
    row('push', (r) => (r.push ? 'yes' : 'no (poll)')),
    row('mode', (r) => (r.restartPerTask ? 'restart-per-task' : 'keep-alive')),
    row('POLL_INTERVAL s', (r) => String(r.pollIntervalSec)),
    row('pickup p50 / p95 ms', (r) => `${r.pickupMs.p50} / ${r.pickupMs.p95}`),
    row('overhead p50 / p95 ms', (r) => `${r.overheadMs.p50} / ${r.overheadMs.p95}`),
    row('posted → result p50 ms (wall/task)', (r) => `${r.endToEndMs.p50}`),
    row('CPU ms per task (fleet)', (r) => String(r.cpuMsPerTask)),
    row('requests/task besides polling', (r) => String(r.requestsPerTask)),
    row('idle polling req/s (all workers)', (r) => String(r.idleRequestsPerSecond)),
    row('429s', (r) => String(r.rateLimited)),
    row('idle RSS MB per worker (max)', (r) => mb(r.idleRssMb)),
    row('peak RSS MB per worker (max)', (r) => mb(r.peakRssMb)),
    row('dup / missing', (r) => `${r.duplicates} / ${r.missing}`),
  ];
  out.push(table(['', ...f.map((r) => r.config)], rows), '');
  const routes = [...new Set(f.flatMap((r) => Object.keys(r.byRoutePerTask)))].sort();
  out.push('Requests per task by route (polling included)');
  out.push(
    table(
      ['route', ...f.map((r) => r.config)],
      routes.map((route) => [
        ROUTE_LABELS[route] ?? route,
        ...f.map((r) => (r.byRoutePerTask[route] ?? 0).toFixed(2)),
      ]),
    ),
    '',
  );
  const b = report.burst;
  if (b)
    out.push(
      `Burst (${b.config}): ${b.tasks} tasks as a backlog, ${b.workers} workers: ${b.wallSeconds} s from the manager's ` +
        `start, ${b.tasksPerSecond} tasks/s, ${b.requestsPerTask} requests/task, 429s route ${b.rateLimited.route} / ` +
        `global ${b.rateLimited.global} / shared ${b.rateLimited.shared}, dup ${b.duplicates}, missing ${b.missing}`,
      '',
    );
  const withSubmit = f.find((r) => r.submit);
  if (withSubmit?.submit)
    out.push(
      `dorch submit (dist/, its own process): wall p50 ${withSubmit.submit.wallMs.p50} ms, p95 ` +
        `${withSubmit.submit.wallMs.p95} ms; CPU p50 ${withSubmit.submit.cpuMs.p50} ms. \`node -e 0\` now: wall ` +
        `${report.nodeFloor.wallMs} ms, CPU ${report.nodeFloor.cpuMs} ms.`,
      '',
    );
  if (report.targets.length) {
    out.push(`Issue #10 targets (best = ${f[f.length - 1]!.config} vs seed = ${f[0]!.config})`);
    out.push(
      table(
        ['target', 'wanted', 'measured', 'met'],
        report.targets.map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : 'NO']),
      ),
      `Load average: ${report.machine.loadAverage.toFixed(2)} at start, ${report.loadAverageAtEnd.toFixed(2)} at end ` +
        `(${report.machine.cpus} CPUs): wall figures on a loaded machine include waiting for a core.`,
      '',
    );
  }
  return out;
}

/** The guarantees each claim scenario must keep: nothing run twice, nothing lost. */
export function problemsOf(claims: readonly ClaimBenchResult[]): string[] {
  const problems: string[] = [];
  for (const c of claims) {
    if (c.duplicates > 0)
      problems.push(`${c.scenario}: ${c.duplicates} task(s) ran or were reported more than once`);
    if (c.missing > 0) problems.push(`${c.scenario}: ${c.missing} task(s) without a result in #results`);
    if (c.timedOut) problems.push(`${c.scenario}: timed out waiting for results`);
  }
  return problems;
}

/** The chaos runs' broken invariants, each named by its run. */
export function chaosProblems(runs: readonly ChaosResult[]): string[] {
  return runs.flatMap((r, i) => r.problems.map((p) => `chaos run ${i + 1}: ${p}`));
}

/** Notes on what bounds throughput, filled with the measured numbers. */
export function throughputNotes(claims: readonly ClaimBenchResult[]): string[] {
  const notes = [
    'Message create is limited to 5 per 5 s per bot per channel. Every task costs the bot that runs it one post in ' +
      '#results and one CLAIMED post in #worker-pool, so one bot sustains ~1 task/s after a burst of 5, and W bots ' +
      'at most ~W tasks/s. The thread posts (progress, summary) go to a new channel per task and do not queue.',
  ];
  const solo = claims.find((c) => c.workers === 1);
  if (solo) {
    const where = solo.tasksPerSecond >= 0.8 ? 'at that bound' : 'below that bound';
    notes.push(`Measured: W=1 ran ${solo.tasksPerSecond} tasks/s, ${where}.`);
  }
  const crowded = claims.filter((c) => c.workers > 1);
  if (crowded.length) {
    const measured = crowded
      .map(
        (c) =>
          `${c.scenario}: ${c.tasksPerSecond} tasks/s (message-create bound ${c.workers}), ` +
          `${c.claimAttemptsPerTask} claim attempts/task, ${c.lost.rateLimited} claims deferred`,
      )
      .join('; ');
    const bound = crowded.filter((c) => c.lost.rateLimited > 0).map((c) => c.scenario);
    notes.push(
      'Thread creation (the claim) is limited per bot per guild (the emulator guesses 10 per 10 s; Discord does not ' +
        'document it), and lost claims spend that budget too. Workers pick at random among the 10 oldest claimable ' +
        'tasks of a poll, so on a backlog they rarely race for the same one. ' +
        (bound.length
          ? `This bucket ran dry (claims deferred) in ${bound.join(', ')}: there it, not message create, set the pace. `
          : 'This bucket never ran dry here. ') +
        `Measured: ${measured}.`,
    );
  }
  notes.push(
    'Reactions are limited to 1 per 250 ms per bot per channel. @discordjs/rest sends reactions without waiting ' +
      '(its burst handler) and retries after the 429, so a task shorter than 250 ms (✅ on claim, 🏁 on completion) ' +
      'can cost one 429; real agent runs take seconds to minutes and do not hit it.',
    'Polling costs one GET per worker every 0.6–1.6 × POLL_INTERVAL, busy or not.',
  );
  return notes;
}

const ROUTE_LABELS: Record<string, string> = {
  'POST /channels/{channel_id}/messages': 'POST message',
  'GET /channels/{channel_id}/messages': 'GET messages (poll)',
  'POST /channels/{channel_id}/messages/{message_id}/threads': 'POST thread (claim)',
  'PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me': 'PUT reaction',
  'PATCH /channels/{channel_id}': 'PATCH channel (archive)',
  'PATCH /channels/{channel_id}/messages/{message_id}': 'PATCH message (heartbeat)',
  'GET /channels/{channel_id}': 'GET channel',
  'GET /users/@me': 'GET users/@me (start-up)',
};

/** Render rows as a left-aligned text table with a header rule. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The report as text for a terminal. */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const m = report.machine;
  out.push(
    `dorch bench · ${report.startedAt} · node ${m.node} · ${m.cpus} CPUs · load average ${m.loadAverage.toFixed(2)} at start`,
    '',
  );

  out.push(...formatFleet(report));

  if (report.emulator.length > 0) {
    out.push('1. Emulator throughput (rate limits off, keep-alive clients, emulator in a child process)');
    out.push(
      table(
        ['scenario', 'req/s', 'requests', 'errors', 'p50 ms', 'p99 ms'],
        report.emulator.map((e) => [
          e.scenario,
          String(e.requestsPerSecond),
          String(e.requests),
          String(e.errors),
          String(e.p50Ms),
          String(e.p99Ms),
        ]),
      ),
      '',
    );
  }
  if (report.claims.length > 0) {
    out.push(
      '2. Claim protocol (rate limits on, in-process keep-alive workers, POLL_INTERVAL 0.5 s, agent 20 ms)',
    );
    out.push(
      table(
        [
          'scenario',
          'wall s',
          'tasks/s',
          'req/task',
          'claims/task',
          'lost',
          'deferred',
          '429s',
          'dup',
          'missing',
          'failed',
        ],
        report.claims.map((c) => [
          c.scenario,
          c.wallSeconds.toFixed(2),
          c.tasksPerSecond.toFixed(2),
          c.requestsPerTask.toFixed(1),
          c.claimAttemptsPerTask.toFixed(2),
          String(c.lost.taken + c.lost.unconfirmed),
          String(c.lost.rateLimited),
          String(c.rateLimited.route + c.rateLimited.global),
          String(c.duplicates),
          String(c.missing),
          String(c.failed),
        ]),
      ),
      'claims/task: thread creations (won or lost) per task; lost: claims answered 400/160004 (another worker won);',
      'deferred: claims the client refused to send because the thread-create bucket would make it wait > 5 s.',
      '',
    );

    const routes = [...new Set(report.claims.flatMap((c) => Object.keys(c.byRoute)))].sort();
    out.push('Requests per task by route');
    out.push(
      table(
        ['route', ...report.claims.map((c) => c.scenario)],
        routes.map((r) => [
          ROUTE_LABELS[r] ?? r,
          ...report.claims.map((c) => ((c.byRoute[r] ?? 0) / c.tasks).toFixed(2)),
        ]),
      ),
      '',
    );

    for (const c of report.claims) {
      const limited = Object.entries(c.rateLimitedByRoute)
        .map(([route, n]) => `${route}: ${n}`)
        .join(', ');
      const lost = `lost claims: taken ${c.lost.taken}, rate-limited ${c.lost.rateLimited}, unconfirmed ${c.lost.unconfirmed}`;
      out.push(
        `${c.scenario}: ${c.requests} requests, ${c.claimAttempts} claim attempts, ${lost}; ` +
          `429s: ${limited || 'none'}; start-up requests ${c.startupRequests}; warnings ${c.warnings.count}`,
      );
      for (const w of c.warnings.samples) out.push(`  warning: ${w}`);
    }
    out.push('');

    out.push('3. What limits throughput');
    for (const n of report.notes) out.push(`- ${n}`);
    out.push('');
  }
  if (report.chaos?.length) {
    out.push(
      '4. Chaos (issue #8): 5xx after commit, latency, drops, one outage, SIGKILLed workers and manager; real processes',
    );
    report.chaos.forEach((r, i) => out.push(formatChaos(r, `run ${i + 1}`), ''));
  }
  out.push(
    report.problems.length === 0
      ? `OK: no task ran twice, none is missing${report.chaos?.length ? ', every chaos invariant held' : ''}.`
      : `FAILED:\n${report.problems.map((p) => `- ${p}`).join('\n')}`,
  );
  return out.join('\n');
}
