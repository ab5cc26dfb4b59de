/**
 * Discord outages, budgets and attachments, with a real worker against the emulator.
 */
import { join } from 'node:path';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentRequest, AgentResult, AgentRunner } from '../../src/agent/runner.js';
import { submit } from '../../src/cli/commands/submit/index.js';
import { Budget } from '../../src/cost/budget.js';
import { useEmulator } from '../helpers/emulator.js';
import { useEnv } from '../helpers/env.js';
import {
  emulatorEnv,
  results,
  scratch,
  startWorker,
  waitFor,
  type InProcessWorker,
  submitterBus,
} from '../helpers/fleet.js';

/** A runner the test steers: each run waits for `gate` (if set), records the request and the files it saw. */
class SteeredRunner implements AgentRunner {
  readonly name = 'steered';
  readonly runs: { request: AgentRequest; files: string[] }[] = [];
  gate: Promise<void> | null = null;
  started: () => void = () => {};
  async check(): Promise<void> {}
  async run(request: AgentRequest): Promise<AgentResult> {
    this.runs.push({ request, files: (await readdir(request.workspace)).sort() });
    this.started();
    if (this.gate) await this.gate;
    let text = `answer to ${request.taskId}`;
    try {
      text += ` / input.txt says: ${(await readFile(join(request.workspace, 'input.txt'), 'utf8')).trim()}`;
    } catch {
      // no input file for this task
    }
    return {
      ok: true,
      text,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 5,
      model: request.model,
      usage: { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0.6,
      notes: [],
    };
  }
}

describe('resilience', () => {
  const emu = useEmulator({ workers: 2 });
  useEnv();
  let worker: InProcessWorker | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await emu.admin.clearFaults();
    await worker?.stop();
    worker = undefined;
  });

  it('keeps working through a Discord outage: local queue, then results delivered when Discord is back', async () => {
    const dir = await scratch();
    const runner = new SteeredRunner();
    worker = await startWorker(emu.world, { dir, runner });
    const runtimeDir = join(dir, '.runtime');
    Object.assign(process.env, emulatorEnv(emu.world), { RUNTIME_DIR: runtimeDir });

    // 1. A Discord task is running when Discord goes away; its report must not be lost or doubled.
    let release!: () => void;
    runner.gate = new Promise((r) => (release = r));
    const started = new Promise<void>((r) => (runner.started = r));
    const bus = submitterBus(emu.world);
    const first = await bus.submit('task before the outage');
    await started;
    await emu.admin.setFaults({ outage: true });

    // 2. During the outage, submit falls back to the local queue, and the worker runs it from there.
    const printed: string[] = [];
    const localId = await submit({
      text: 'task during the outage',
      print: (l) => printed.push(l),
      config: join(dir, 'x.env'),
    });
    expect(localId).toMatch(/^local-\d+$/);
    runner.gate = null;
    release();
    await waitFor(
      async () => runner.runs.some((r) => r.request.taskId === localId),
      30_000,
      'local task to run',
    );
    const log = await waitFor(
      async () => (await readFile(join(runtimeDir, 'queue', 'results.log'), 'utf8').catch(() => '')) || null,
      30_000,
      'local results.log',
    );
    expect(log).toContain(localId);

    // 3. Discord comes back: the held report and the local result both reach #results, exactly once each.
    await emu.admin.clearFaults();
    const posted = await waitFor(
      async () => {
        const r = await results(emu.running);
        const ids = r.map((x) => x.header?.taskId);
        return ids.includes(first.taskId) && ids.includes(localId) ? r : null;
      },
      60_000,
      'both results in #results',
    );
    // Settled: the outbox is empty and every local result is published, so nothing is left that could post a
    // duplicate. Only then count.
    await waitFor(
      async () =>
        (await readdir(join(runtimeDir, 'outbox', 'worker-1')).catch(() => [])).every(
          (n) => !n.endsWith('.json'),
        ) && (await worker!.wired.local.unpublishedReports()).length === 0,
      30_000,
      'nothing left to deliver',
    );
    const ids = (await results(emu.running)).map((x) => x.header?.taskId);
    expect(ids.filter((id) => id === first.taskId)).toHaveLength(1);
    expect(ids.filter((id) => id === localId)).toHaveLength(1);
    expect(posted.length).toBeGreaterThanOrEqual(2);
    expect(runner.runs.filter((r) => r.request.taskId === first.taskId)).toHaveLength(1);
    await bus.close();
  }, 120_000);

  it('starts during an outage (nothing cached yet) and runs local tasks', async () => {
    const dir = await scratch();
    const runtimeDir = join(dir, '.runtime');
    await emu.admin.setFaults({ outage: true });
    const runner = new SteeredRunner();
    worker = await startWorker(emu.world, { dir, runner });
    Object.assign(process.env, emulatorEnv(emu.world), { RUNTIME_DIR: runtimeDir });
    const localId = await submit({
      text: 'queued while offline',
      print: () => {},
      config: join(dir, 'x.env'),
    });
    expect(localId).toMatch(/^local-\d+$/);
    await waitFor(
      async () => runner.runs.some((r) => r.request.taskId === localId),
      30_000,
      'the local task to run',
    );
  }, 60_000);

  it('stops claiming once the daily budget is reached, and says why in #worker-pool', async () => {
    const dir = await scratch();
    const runtimeDir = join(dir, '.runtime');
    await mkdir(runtimeDir, { recursive: true });
    // Today's spend already at $2.00 in the local ledger.
    const record = {
      ts: new Date().toISOString(),
      taskId: 'discord-1',
      workerId: 'worker-1',
      model: 'x/y',
      outcome: 'SUCCESS',
      usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      costUsd: 2,
      durationMs: 1,
    };
    await writeFile(join(runtimeDir, 'ledger.jsonl'), `${JSON.stringify(record)}\n`);
    const runner = new SteeredRunner();
    const checks = vi.spyOn(Budget.prototype, 'canClaim');
    worker = await startWorker(emu.world, { dir, index: 1, runner, env: { DAILY_BUDGET_USD: '1.50' } });
    const bus = submitterBus(emu.world);
    const task = await bus.submit('this must wait for tomorrow');
    const pool = await waitFor(
      async () =>
        (await emu.admin.messages(emu.world.channels.workerPool)).find((m) =>
          m.content.startsWith('[worker-2] [BUDGET]'),
        ),
      20_000,
      'BUDGET status',
    );
    expect(pool.content).toContain('daily budget $1.50 reached ($2.00 spent today)');
    // Three more passes of the loop, each asking the budget and told no, without a claim.
    const asked = checks.mock.calls.length;
    await waitFor(async () => checks.mock.calls.length >= asked + 3, 20_000, 'three more budget checks');
    expect(runner.runs).toHaveLength(0);
    const queue = await emu.admin.messages(emu.world.channels.taskQueue);
    expect(queue.find((m) => `discord-${m.id}` === task.taskId)?.thread).toBeUndefined();
    await worker.stop();
    worker = undefined;
    await bus.close();
  }, 60_000);

  it('downloads task attachments into the workspace before the agent starts, and flags a task over MAX_TASK_COST_USD', async () => {
    const dir = await scratch();
    const runner = new SteeredRunner();
    worker = await startWorker(emu.world, { dir, runner, env: { MAX_TASK_COST_USD: '0.5' } });
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit('Review the attached file', {
      files: [{ name: 'input.txt', data: Buffer.from('hello from the attachment\n') }],
    });
    const r = await waitFor(
      async () => (await results(emu.running)).find((x) => x.header?.taskId === taskId),
      30_000,
      'result',
    );
    const run = runner.runs.find((x) => x.request.taskId === taskId)!;
    // Plus the task's delegation file (dot-named: never attached).
    expect(run.files).toEqual(['.dorch-delegate.json', 'AGENTS.md', 'TASK.txt', 'input.txt']);
    expect(r.content).toContain('input.txt says: hello from the attachment');
    expect(r.content).toMatch(/over the per-task limit MAX_TASK_COST_USD=\$0\.50/);
    await bus.close();
  }, 60_000);
});
