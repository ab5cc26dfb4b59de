/**
 * Issue #8's chaos run, small (the full one is `npm run bench`): the emulator in its own process answering 5 % of
 * requests with a 5xx after committing the write, with latency, dropped connections and one outage; the real
 * `dorch manager` with four workers and a fixture agent that logs every run; tasks from the submitter bot and from
 * `dorch submit` processes during the faults; workers SIGKILLed at random and right after their result post was
 * committed; the manager SIGKILLed and started again once. Then, with the fleet stopped: every submission once in
 * `#task-queue` (or, queued locally during the outage, run from the local queue), exactly one result per task
 * (SUCCESS, or FAILED after its attempts), no task run more often than its attempts, no run beside an older run of
 * its task, no agent alive, outboxes and the local queue empty, no thread left active.
 *
 * Nothing here waits a fixed time for "nothing happened": the run waits on counts (results, threads, files) and
 * stops the fleet before it checks, so a late duplicate cannot slip in after the check.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { formatChaos } from '../../bench/chaos/report.js';
import { runChaos } from '../../bench/chaos/run.js';
import { stopEverything } from '../../bench/chaos/processes.js';
import { SMALL_CHAOS_SCENARIO } from '../../bench/chaos/scenario.js';

describe('chaos', () => {
  // A run cut short by the test's timeout leaves its fleet and emulator running otherwise.
  afterEach(() => stopEverything());

  it('faults, kills and a manager restart: one result per task, nothing run too often, nothing left behind', async () => {
    const result = await runChaos(SMALL_CHAOS_SCENARIO);
    const report = formatChaos(result);
    expect(result.problems, report).toEqual([]);
    const f = result.figures;
    // The run did what it says: faults were injected, the outage happened, the kills landed.
    expect(f.faults.errors, report).toBeGreaterThan(0);
    expect(f.outageMs, report).toBeGreaterThanOrEqual(SMALL_CHAOS_SCENARIO.outageMs!);
    expect(f.kills.random, report).toBeGreaterThanOrEqual(SMALL_CHAOS_SCENARIO.randomKills!);
    expect(f.kills.manager, report).toBe(1);
    expect(f.kills['after-result'], report).toBeGreaterThan(0);
    expect(f.kills.hunt, report).toBe(SMALL_CHAOS_SCENARIO.maxAttempts ?? 3);
    expect(f.gaveUp, report).toBeGreaterThanOrEqual(1);
    expect(f.results, report).toBe(SMALL_CHAOS_SCENARIO.tasks);
    expect(f.submitted.cliDuringErrors + f.submitted.cliDuringOutage, report).toBe(
      SMALL_CHAOS_SCENARIO.cliSubmitsDuringErrors! + SMALL_CHAOS_SCENARIO.cliSubmitsDuringOutage!,
    );
  }, 300_000);
});
