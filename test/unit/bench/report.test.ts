import { describe, expect, it } from 'vitest';
import type { ClaimBenchResult } from '../../../bench/claims.js';
import type { FleetResult } from '../../../bench/fleet.js';
import {
  checkTargets,
  fleetProblems,
  formatReport,
  problemsOf,
  table,
  throughputNotes,
  type BenchReport,
} from '../../../bench/report.js';

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
    fleet: [],
    burst: null,
    nodeFloor: { wallMs: 40, cpuMs: 40 },
    targets: [],
    loadAverageAtEnd: 0.5,
    notes: throughputNotes(claims),
    problems: problemsOf(claims),
  };
}

function fleet(overrides: Partial<FleetResult> = {}): FleetResult {
  return {
    config: 'best',
    push: true,
    restartPerTask: false,
    pollIntervalSec: 5,
    workers: 3,
    tasks: 12,
    pickupMs: { p50: 20, p95: 40, n: 12 },
    overheadMs: { p50: 100, p95: 140, n: 12 },
    endToEndMs: { p50: 110, p95: 150, n: 12 },
    idleRequestsPerSecond: 0.1,
    requestsPerTask: 5,
    byRoutePerTask: { 'POST /channels/{channel_id}/messages': 2 },
    rateLimited: 0,
    cpuMsPerTask: 60,
    idleRssMb: [70, 72, 71],
    peakRssMb: [90, 91, 92],
    duplicates: 0,
    missing: 0,
    ...overrides,
  };
}

describe('bench report', () => {
  it("checks issue #10's targets against the seed: each one can fail", () => {
    const seed = fleet({ config: 'seed', pickupMs: { p50: 2100, p95: 4000, n: 12 } });
    const burst = {
      config: 'best',
      workers: 10,
      tasks: 200,
      wallSeconds: 40,
      tasksPerSecond: 5,
      rateLimited: { route: 0, global: 0, shared: 0 },
      requestsPerTask: 5,
      duplicates: 0,
      missing: 0,
    };
    expect(checkTargets(seed, fleet(), burst).every((t) => t.met)).toBe(true);
    const slow = checkTargets(seed, fleet({ pickupMs: { p50: 120, p95: 200, n: 12 } }), burst);
    expect(slow.find((t) => t.name === 'pickup p50')).toMatchObject({ met: false });
    const heavy = checkTargets(seed, fleet({ idleRssMb: [70, 81] }), {
      ...burst,
      rateLimited: { route: 1, global: 0, shared: 0 },
    });
    expect(heavy.filter((t) => !t.met).map((t) => t.name)).toEqual([
      'idle RSS per worker',
      '429s, 10 workers, 200 tasks',
    ]);
    expect(fleetProblems([fleet({ duplicates: 1 })], null)).toEqual([
      'fleet best: 1 task(s) ran or were reported twice',
    ]);
  });

  it('prints the fleet side by side with the targets and the load average', () => {
    const seed = fleet({ config: 'seed', push: false, restartPerTask: true });
    const r = { ...report([]), fleet: [seed, fleet()], targets: checkTargets(seed, fleet(), null) };
    const text = formatReport(r);
    expect(text).toMatch(/pickup p50 \/ p95 ms\s+20 \/ 40\s+20 \/ 40/);
    expect(text).toContain('Load average: 0.50 at start, 0.50 at end');
    expect(text).not.toContain('2. Claim protocol');
  });

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
