/** The chaos run's figures as text. */
import type { ChaosResult } from './run.js';

/** One run as a block of text lines. */
export function formatChaos(r: ChaosResult, label = r.scenario): string {
  const f = r.figures;
  const recovered = Object.entries(f.recovered)
    .map(([action, n]) => `${action} ${n}`)
    .join(', ');
  const lines = [
    `${label}: ${r.tasks} tasks, ${r.workers} workers, wall ${f.wallSeconds.toFixed(1)} s`,
    `  submitted: ${f.submitted.rest} by the submitter bot (REST), ${f.submitted.cliDuringErrors} by dorch submit during the 5xx faults, ` +
      `${f.submitted.cliDuringOutage} during the outage (${f.submitted.cliQueuedLocally} queued locally)`,
    `  results: ${f.results} (${f.success} SUCCESS, ${f.gaveUp} FAILED after their attempts); ${f.localRuns} ran from the local queue`,
    `  runs: ${f.runs} agent runs, ${f.rerun} task(s) ran more than once, at most ${f.maxRunsPerTask} per task`,
    `  retries: ${f.retries} copies, ${f.handBacks} hand-backs, ${f.duplicates} duplicates marked, ${f.lateReports} late reports` +
      (f.unmarkedCopies + f.unmarkedHandBacks > 0
        ? ` (not marked yet: ${f.unmarkedCopies} non-live copies, ${f.unmarkedHandBacks} hand-backs)`
        : ''),
    `  kills: ${f.kills.random} random, ${f.kills['after-result']} right after a result post, ${f.kills.hunt} of every run of ` +
      `${f.hunted} task(s), ${f.kills.manager} manager mid hand-back (${f.kills.missed} planned kills found no moment); ` +
      `slowest agent end after its worker's kill ${f.slowestAgentEndMs} ms`,
    ...f.missedWhy.map((why) => `    missed: ${why}`),
    `  manager recoveries: ${recovered || 'none'}`,
    `  faults: ${f.faults.errors} 5xx injected, ${f.faults.drops} connections dropped, outage ${(f.outageMs / 1000).toFixed(1)} s, ${f.rateLimited} 429s`,
    `  requests: ${f.requests} (${f.requestsPerTask} per task)`,
  ];
  if (r.problems.length === 0) lines.push('  OK: every invariant held');
  else {
    lines.push(`  FAILED (${r.problems.length}); run folder kept: ${r.dir ?? '-'}`);
    for (const p of r.problems.slice(0, 20)) lines.push(`  - ${p}`);
    if (r.problems.length > 20) lines.push(`  - … and ${r.problems.length - 20} more`);
  }
  return lines.join('\n');
}
