/** The benchmark's report: one data shape for `--json`, a text rendering for people, and the pass/fail verdict. */
import type { ClaimBenchResult } from './claims.js';
import type { EmulatorBenchResult } from './emulator.js';
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
  /** The chaos runs (issue #8), one per `--chaos-runs`. */
  chaos?: ChaosResult[];
  /** What limits throughput, with this run's numbers. */
  notes: string[];
  /** Broken guarantees (duplicates, missing results); non-empty means the run failed. */
  problems: string[];
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
