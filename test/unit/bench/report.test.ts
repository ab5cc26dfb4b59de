import { describe, expect, it } from 'vitest';
import type { ClaimBenchResult } from '../../../bench/claims.js';
import { formatReport, problemsOf, table, throughputNotes, type BenchReport } from '../../../bench/report.js';

function claim(overrides: Partial<ClaimBenchResult> = {}): ClaimBenchResult {
  return {
    scenario: 'W=3 T=30',
    workers: 3,
    tasks: 30,
    latencyMs: 0,
    wallSeconds: 12,
    tasksPerSecond: 2.5,
    requests: 300,
    requestsPerTask: 10,
    claimAttempts: 51,
    claimAttemptsPerTask: 1.7,
    lost: { taken: 21, rateLimited: 4, unconfirmed: 0 },
    rateLimited: { route: 3, global: 0 },
    rateLimitedByRoute: { 'PUT /channels/:id/messages/:id/reactions/:reaction': 3 },
    duplicates: 0,
    missing: 0,
    failed: 0,
    timedOut: false,
    startupRequests: 4,
    byRoute: { 'POST /channels/{channel_id}/messages/{message_id}/threads': 51 },
    warnings: { count: 0, samples: [] },
    ...overrides,
  };
}

function report(claims: ClaimBenchResult[]): BenchReport {
  return {
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: { node: 'v20.0.0', cpus: 2, loadAverage: 0.5 },
    emulator: [
      {
        scenario: 'GET /users/@me',
        requests: 10,
        errors: 0,
        seconds: 1,
        requestsPerSecond: 10,
        p50Ms: 1,
        p99Ms: 2,
      },
    ],
    claims,
    notes: throughputNotes(claims),
    problems: problemsOf(claims),
  };
}

describe('bench report', () => {
  it('passes a clean run', () => {
    expect(problemsOf([claim()])).toEqual([]);
    expect(formatReport(report([claim()]))).toContain('OK: no task ran twice, none is missing.');
  });

  it('fails on duplicates, missing results and time-outs, naming the scenario', () => {
    const problems = problemsOf([
      claim({ duplicates: 1 }),
      claim({ scenario: 'W=1 T=20', missing: 2, timedOut: true }),
    ]);
    expect(problems).toEqual([
      'W=3 T=30: 1 task(s) ran or were reported more than once',
      'W=1 T=20: 2 task(s) without a result in #results',
      'W=1 T=20: timed out waiting for results',
    ]);
    expect(formatReport(report([claim({ missing: 1 })]))).toContain('FAILED:\n- W=3 T=30: 1 task(s) without');
  });

  it('shows claim attempts per task and the per-route cost', () => {
    const text = formatReport(report([claim()]));
    expect(text).toMatch(/W=3 T=30 +12\.00 +2\.50 +10\.0 +1\.70 +21 +4 +3 +0 +0 +0/);
    expect(text).toMatch(/POST thread \(claim\) +1\.70/);
  });

  it('aligns table columns', () => {
    expect(table(['a', 'bb'], [['xyz', '1']]).split('\n')).toEqual(['a    bb', '---  --', 'xyz   1']);
  });
});
