/**
 * Contention: 10 workers (distinct bots) race over 50 tasks through the emulator with added latency and
 * Discord's rate limits on. The claim protocol (thread from message) must let exactly one worker run each task,
 * leave none behind, and not cost a stampede of claim attempts.
 */
import { describe, expect, it } from 'vitest';
import { CountingRunner } from '../../bench/counting-runner.js';
import { useEmulator } from '../helpers/emulator.js';
import { results, scratch, startWorker, submitterBus, waitFor, workerBus } from '../helpers/fleet.js';

const WORKERS = 10;
const TASKS = 50;

describe('contention', () => {
  const emu = useEmulator({ workers: WORKERS });

  it(`${WORKERS} workers over ${TASKS} tasks with latency: none run twice, none left unclaimed`, async () => {
    const dir = await scratch();
    const submitter = submitterBus(emu.world);
    // Post the backlog first, so every worker races for the same tasks from its first poll. Only for this setup
    // step the message-create limit is raised (at 5 per 5 s, 50 posts would take 50 s); the race itself runs
    // under Discord's limits.
    await emu.admin.configureRateLimits({ buckets: { messageCreate: { limit: 100, windowMs: 5000 } } });
    const ids = (
      await Promise.all(Array.from({ length: TASKS }, (_, i) => submitter.submit(`task ${i}`)))
    ).map((s) => s.taskId);
    await emu.admin.configureRateLimits({ buckets: { messageCreate: { limit: 5, windowMs: 5000 } } });
    await emu.admin.setFaults({ latencyMs: 30 });
    const runner = new CountingRunner(50);
    const runs = runner.runs;
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, index) => startWorker(emu.world, { dir, index, runner })),
    );
    try {
      await waitFor(async () => (await results(emu.running)).length >= TASKS, 240_000, `${TASKS} results`);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await emu.admin.clearFaults();
      await submitter.close();
    }
    expect([...runs.keys()].sort()).toEqual([...ids].sort());
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    const reported = (await results(emu.running)).map((r) => r.header?.taskId).sort();
    expect(reported).toEqual([...ids].sort());
    // None left: a fresh poll offers nothing.
    const checker = workerBus(emu.world, 0);
    expect(await checker.poll()).toEqual([]);
    await checker.close();
    // Claims stay cheap under contention: fewer than 4 thread creations per task on average (a stampede, every
    // worker trying every task, would be 10). Fewer races would be better, not a failure.
    const stats = await emu.admin.stats();
    const threadPosts = stats.byRoute['POST /channels/{channel_id}/messages/{message_id}/threads'] ?? 0;
    expect(threadPosts).toBeGreaterThanOrEqual(TASKS);
    expect(threadPosts).toBeLessThan(4 * TASKS);
    console.log(
      `contention: ${threadPosts} claim attempts for ${TASKS} tasks, ${stats.total} requests in all`,
    );
  }, 300_000);
});
