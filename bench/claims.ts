/**
 * Claim throughput: W in-process keep-alive workers (distinct bots) race over a backlog of T tasks through an
 * in-process emulator with Discord's rate limits on, and we count what the claim protocol costs in requests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscordBus } from '../src/bus/discord/discord-bus.js';
import { loadConfig } from '../src/config/load.js';
import {
  startEmulator,
  type EmulatorStats,
  type EmulatorWorld,
  type RunningEmulator,
} from '../src/emulator/index.js';
import { sleep } from '../src/lib/sleep.js';
import { parseReportHeader } from '../src/task/format.js';
import { createWorker, type WiredWorker } from '../src/worker/create-worker.js';
import { CountingRunner } from './counting-runner.js';
import { worldConfig } from '../src/emulator/world-env.js';

/** Route key of thread creation (= claim attempts) in the emulator's stats. */
export const THREAD_CREATE_ROUTE = 'POST /channels/{channel_id}/messages/{message_id}/threads';

/** One claim scenario. */
export interface ClaimScenario {
  /** Workers, each a distinct bot. */
  workers: number;
  /** Tasks posted as a backlog before the workers start. */
  tasks: number;
  /** Latency injected before every `/api` answer. @defaultValue 0 */
  latencyMs?: number;
  /** How long the stand-in agent takes per task. @defaultValue 20 */
  runMs?: number;
  /** `POLL_INTERVAL` in seconds. @defaultValue 0.5 */
  pollIntervalSec?: number;
  /** Give up waiting for results after this long. @defaultValue 120000 */
  timeoutMs?: number;
}

/** What one scenario measured. */
export interface ClaimBenchResult {
  scenario: string;
  workers: number;
  tasks: number;
  latencyMs: number;
  /** From the workers' start until the last result is in #results. */
  wallSeconds: number;
  tasksPerSecond: number;
  /** `/api` requests in that window (start-up identity look-ups excluded, see `startupRequests`). */
  requests: number;
  requestsPerTask: number;
  /** Thread creations: every worker's attempts, won or lost. */
  claimAttempts: number;
  claimAttemptsPerTask: number;
  /** Claims lost, by the bus's reason (`taken`: 400/160004; `rate-limited`: a long 429 deferred). */
  lost: { taken: number; rateLimited: number; unconfirmed: number };
  /** 429 answers of the emulator. */
  rateLimited: { route: number; global: number };
  /**
   * The same 429s by `@discordjs/rest` route, as the workers' main REST clients saw them; the claim client is not
   * observable, so its 429s show as `claim (thread create)`.
   */
  rateLimitedByRoute: Record<string, number>;
  /** Tasks run more than once, or reported more than once. Must be 0. */
  duplicates: number;
  /** Tasks without a result in #results when the scenario ended. Must be 0. */
  missing: number;
  /** Results reported FAILED (the stand-in agent never fails, so these point at the worker). */
  failed: number;
  /** The wait for results hit `timeoutMs`. */
  timedOut: boolean;
  /** Requests while the workers were built (identity look-ups), not counted in `requests`. */
  startupRequests: number;
  /** Requests per route in the measured window. */
  byRoute: Record<string, number>;
  /** Worker and bus warnings (count and up to five distinct messages; never secrets). */
  warnings: { count: number; samples: string[] };
}

const DEFAULTS = { latencyMs: 0, runMs: 20, pollIntervalSec: 0.5, timeoutMs: 120_000 } as const;

/** A scenario's display name, e.g. `W=10 T=50 +30ms`. */
export function scenarioName(s: ClaimScenario): string {
  return `W=${s.workers} T=${s.tasks}${s.latencyMs ? ` +${s.latencyMs}ms` : ''}`;
}

/** The environment `dorch emulator --write-env` would give a worker, plus bench settings. */
function workerEnv(world: EmulatorWorld, dir: string, pollIntervalSec: number): Record<string, string> {
  return {
    ...worldConfig(world),
    RUNTIME_DIR: join(dir, '.runtime'),
    WORK_DIR: join(dir, 'workers'),
    POLL_INTERVAL: String(pollIntervalSec),
    MAX_IDLE_TIME: '0',
  };
}

/** Post the backlog as the submitter, with the message-create limit raised only for this setup step. */
async function postBacklog(emulator: RunningEmulator, tasks: number): Promise<string[]> {
  const { world, admin } = emulator;
  const submitter = new DiscordBus({
    apiUrl: world.apiUrl,
    token: world.tokens.submitter,
    taskQueueChannel: world.channels.taskQueue,
  });
  await admin.configureRateLimits({ buckets: { messageCreate: { limit: 1000, windowMs: 5000 } } });
  try {
    const ids: string[] = [];
    for (let i = 0; i < tasks; i++) ids.push((await submitter.submit(`bench task ${i}`)).taskId);
    return ids;
  } finally {
    await admin.configureRateLimits({ buckets: { messageCreate: { limit: 5, windowMs: 5000 } } });
    await submitter.close();
  }
}

/** Parsed headers of the messages in #results. */
async function readResults(emulator: RunningEmulator) {
  const messages = await emulator.admin.messages(emulator.world.channels.results);
  return messages.map((m) => parseReportHeader(m.content));
}

/** Run one scenario on a fresh emulator and a fresh temp dir; both are gone when it resolves. */
export async function benchClaims(scenario: ClaimScenario): Promise<ClaimBenchResult> {
  const s = { ...DEFAULTS, ...scenario };
  const emulator = await startEmulator({ workers: s.workers, rateLimits: true });
  const dir = await mkdtemp(join(tmpdir(), 'dorch-bench-'));
  const wired: WiredWorker[] = [];
  const runs: Promise<unknown>[] = [];
  const lost = { taken: 0, rateLimited: 0, unconfirmed: 0 };
  const warnings: string[] = [];
  const limitedByRoute: Record<string, number> = {};
  try {
    const ids = await postBacklog(emulator, s.tasks);
    const { config } = loadConfig({
      file: join(dir, 'no-config-file.env'),
      env: workerEnv(emulator.world, dir, s.pollIntervalSec),
    });
    const runner = new CountingRunner(s.runMs);
    await emulator.admin.resetStats();
    // One after the other, as a manager starts them: the first fills the shared identity cache for the rest.
    for (let i = 0; i < s.workers; i++) {
      const w = await createWorker(config, {
        workerId: `worker-${i + 1}`,
        token: emulator.world.tokens.workers[i]!,
        keepAlive: true,
        runner,
      });
      w.discord.on('lost', ({ reason }) => {
        if (reason === 'taken') lost.taken++;
        else if (reason === 'rate-limited') lost.rateLimited++;
        else lost.unconfirmed++;
      });
      w.worker.on('warning', (message) => warnings.push(message));
      w.discord.rest.on('response', (request, response) => {
        if (response.status !== 429) return;
        const key = `${request.method.toUpperCase()} ${request.route}`;
        limitedByRoute[key] = (limitedByRoute[key] ?? 0) + 1;
      });
      wired.push(w);
    }
    const startupRequests = (await emulator.admin.stats()).total;
    if (s.latencyMs) await emulator.admin.setFaults({ latencyMs: s.latencyMs });
    await emulator.admin.resetStats();

    const started = performance.now();
    for (const w of wired)
      runs.push(w.worker.run().catch((e: unknown) => warnings.push(`worker crashed: ${String(e)}`)));
    const deadline = started + s.timeoutMs;
    let timedOut = false;
    while ((await readResults(emulator)).length < s.tasks) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(50);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const stats: EmulatorStats = await emulator.admin.stats();
    const limitedAtEnd = { ...limitedByRoute };
    // A little longer, so a second run of a task (a broken claim) would still be counted before we stop.
    await sleep(s.pollIntervalSec * 2000);

    const results = await readResults(emulator);
    const reported = new Map<string, number>();
    for (const header of results)
      if (header) reported.set(header.taskId, (reported.get(header.taskId) ?? 0) + 1);
    const duplicates = ids.filter(
      (id) => (runner.runs.get(id) ?? 0) > 1 || (reported.get(id) ?? 0) > 1,
    ).length;
    const missing = ids.filter((id) => !reported.has(id)).length;
    const failed = results.filter((h) => h?.outcome === 'FAILED').length;
    const claimAttempts = stats.byRoute[THREAD_CREATE_ROUTE] ?? 0;
    const seen = Object.values(limitedAtEnd).reduce((a, b) => a + b, 0);
    const unseen = stats.rateLimited.route + stats.rateLimited.global - seen;
    if (unseen > 0) limitedAtEnd['claim (thread create)'] = unseen;
    return {
      scenario: scenarioName(scenario),
      workers: s.workers,
      tasks: s.tasks,
      latencyMs: s.latencyMs,
      wallSeconds: round(wallSeconds, 2),
      tasksPerSecond: round(s.tasks / wallSeconds, 2),
      requests: stats.total,
      requestsPerTask: round(stats.total / s.tasks, 1),
      claimAttempts,
      claimAttemptsPerTask: round(claimAttempts / s.tasks, 2),
      lost,
      rateLimited: stats.rateLimited,
      rateLimitedByRoute: limitedAtEnd,
      duplicates,
      missing,
      failed,
      timedOut,
      startupRequests,
      byRoute: stats.byRoute,
      warnings: { count: warnings.length, samples: [...new Set(warnings)].slice(0, 5) },
    };
  } finally {
    for (const w of wired) w.worker.stop(0);
    await Promise.all(runs);
    await Promise.all(wired.map((w) => w.close().catch(() => undefined)));
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}
