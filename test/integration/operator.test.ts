/**
 * The operator's commands against the emulator, called as the CLI calls them: `dorch status` (from a machine that
 * runs no worker: it reads Discord only, in few requests), `dorch cancel`, and `submit --wait` following a task
 * through a requeue, with Ctrl-C asking whether to cancel or leave the task queued.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cancel } from '../../src/cli/commands/cancel/index.js';
import { manager } from '../../src/cli/commands/manager/index.js';
import { status, type StatusReport } from '../../src/cli/commands/status/index.js';
import { submit } from '../../src/cli/commands/submit/index.js';
import { ExitError } from '../../src/cli/errors.js';
import { writeEnvFile } from '../../src/config/env-file.js';
import { readResultLine } from '../../src/task/format.js';
import { FakeRunner, HANG } from '../helpers/fake-runner.js';
import { useEmulator } from '../helpers/emulator.js';
import {
  emulatorEnv,
  scratch,
  startWorker,
  submitterBus,
  waitFor,
  workerBus,
  type InProcessWorker,
} from '../helpers/fleet.js';

const emu = useEmulator({ workers: 2, rateLimits: false });

/** A config file for the emulator world in a fresh folder (no worker runs from it: an operator's laptop). */
async function configFile(): Promise<string> {
  const dir = await scratch();
  const file = join(dir, 'discord-config.env');
  writeEnvFile(file, {
    ...emulatorEnv(emu.world),
    RUNTIME_DIR: join(dir, '.runtime'),
    MACHINE_NAME: 'laptop',
  });
  return file;
}

async function exitCode(run: Promise<unknown>): Promise<number> {
  return run.then(
    () => 0,
    (error: unknown) => {
      if (error instanceof ExitError) return error.exitCode;
      throw error;
    },
  );
}

const resultsFor = async (taskId: string) =>
  (await emu.admin.messages(emu.world.channels.results))
    .map((m) => readResultLine(m.content))
    .filter((r) => r?.taskId === taskId);

describe('operator commands', () => {
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    await emu.admin.seed({ workers: 2 });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  const worker = async (runner: FakeRunner, index = 0): Promise<InProcessWorker> => {
    const w = await startWorker(emu.world, {
      dir: await scratch(),
      index,
      runner,
      env: { MACHINE_NAME: index === 0 ? 'box' : 'rack' },
    });
    stops.push(() => w.stop());
    return w;
  };

  it('status: queue depth, the task in flight with worker, machine, elapsed and model, results, workers, spend', async () => {
    const file = await configFile();
    const submitter = submitterBus(emu.world);
    const runner = new FakeRunner({ costUsd: 0.25 }, HANG);
    const done = await submitter.submit('first, finishes');
    await worker(runner);
    await waitFor(async () => (await resultsFor(done.taskId)).length === 1, 15_000, 'the first result');
    const running = await submitter.submit('second, runs for ever [model:coder]');
    await runner.started(2);
    const waiting = [await submitter.submit('third, waits'), await submitter.submit('fourth, waits')];
    await submitter.close();
    // The worker's status message is edited in the background, a moment after the claim: wait until it says so.
    await waitFor(
      async () =>
        (await emu.admin.messages(emu.world.channels.workerPool)).some((m) =>
          m.content.includes(`[CLAIMED] Working on ${running.taskId}`),
        ),
      15_000,
      'the CLAIMED status',
    );

    const lines: string[] = [];
    // The first run learns the fleet's bot ids (cached on this machine after that).
    await status({ config: file, print: () => undefined });
    await emu.admin.resetStats();
    const report = await status({ config: file, print: (l) => lines.push(l) });
    const stats = await emu.admin.stats();
    // Few requests: one page of each channel, all of them counted.
    expect(report.requests).toBe(stats.total);
    expect(report.requests).toBeLessThanOrEqual(3);

    expect(report.queue.waiting.map((t) => t.taskId)).toEqual(waiting.map((w) => w.taskId));
    expect(report.queue.running).toEqual([
      expect.objectContaining({
        taskId: running.taskId,
        worker: 'worker-1',
        machine: 'box',
        model: 'openrouter/qwen/qwen3-coder-next',
        attempt: 1,
      }),
    ]);
    expect(Date.parse(report.queue.running[0]!.claimedAt!)).toBeLessThanOrEqual(Date.now());
    expect(report.results[0]).toMatchObject({
      taskId: done.taskId,
      outcome: 'SUCCESS',
      by: 'worker-1',
      machine: 'box',
      costUsd: 0.25,
    });
    expect(report.today).toMatchObject({ results: 1, SUCCESS: 1, spendUsd: 0.25, complete: true });
    expect(report.workers).toEqual([
      expect.objectContaining({
        workerId: 'worker-1',
        status: 'CLAIMED',
        machine: 'box',
        detail: `Working on ${running.taskId}`,
      }),
    ]);
    const text = lines.join('\n');
    expect(text).toContain('Queue: 2 waiting, 1 running');
    expect(text).toMatch(new RegExp(`${running.taskId}\\s+worker-1\\s+box\\s+\\d`));
    expect(text).toMatch(
      /Today \(\d{4}-\d\d-\d\d UTC\): 1 result\(s\), \$0\.250000 spent \(1 SUCCESS, 0 FAILED, 0 CANCELLED\)/,
    );
    expect(text).toContain(`(${report.requests} Discord requests)`);

    // --json: one object, the same numbers.
    const json: string[] = [];
    await status({ config: file, json: true, print: (l) => json.push(l) });
    expect(json).toHaveLength(1);
    const parsed = JSON.parse(json[0]!) as StatusReport;
    expect(parsed.ok).toBe(true);
    expect(parsed.queue.waiting).toHaveLength(2);
  });

  it('cancel: a waiting task (never runs), a running one (its worker stops), again (says so); a finished one cannot be', async () => {
    const file = await configFile();
    const submitter = submitterBus(emu.world);
    const runner = new FakeRunner(HANG);
    const running = await submitter.submit('runs until cancelled');
    await worker(runner);
    await runner.started();
    const waiting = await submitter.submit('waits behind it');
    await submitter.close();

    const lines: string[] = [];
    const print = (l: string) => lines.push(l);
    await cancel({ config: file, taskId: waiting.taskId, by: 'alice', print });
    expect(lines.at(-1)).toBe(`Cancelled ${waiting.taskId}: it had not started and will not run.`);
    await cancel({ config: file, taskId: running.taskId, by: 'alice', print });
    expect(lines.at(-1)).toBe(
      `Cancelled ${running.taskId}: it was running on worker-1, which stops within one heartbeat and drops its result.`,
    );
    await waitFor(async () => runner.aborted.length === 1, 15_000, 'the agent stopped');
    for (const t of [waiting, running])
      expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'alice' }]);
    // The worker goes on with the next task; a cancelled one is not offered.
    const json: string[] = [];
    expect(
      await exitCode(
        cancel({ config: file, taskId: waiting.taskId, json: true, print: (l) => json.push(l) }),
      ),
    ).toBe(0);
    expect(JSON.parse(json[0]!)).toEqual({
      ok: true,
      asked: waiting.taskId,
      action: 'already',
      taskId: waiting.taskId,
      by: 'alice',
    });
    await expect(cancel({ config: file, taskId: 'discord-42', print })).rejects.toThrow(/no such task/);
    // The worker is free again: a task it finishes can no longer be cancelled (exit 1, its result counts).
    const submitter2 = submitterBus(emu.world);
    const quick = await submitter2.submit('quick one');
    await submitter2.close();
    await waitFor(async () => (await resultsFor(quick.taskId)).length === 1, 15_000, 'the quick result');
    expect(await exitCode(cancel({ config: file, taskId: quick.taskId, print }))).toBe(1);
    expect(lines.at(-1)).toBe(
      `${quick.taskId} finished before it could be cancelled: its result (SUCCESS) counts.`,
    );
    expect(await resultsFor(quick.taskId)).toHaveLength(1);
  });

  it('submit --wait follows a requeued task to its copy, shows who runs it, and prints the copy’s result', async () => {
    const file = await configFile();
    const progress: string[] = [];
    const out: string[] = [];
    const waiting = submit({
      config: file,
      text: 'handed back once, then done',
      wait: true,
      timeout: 60,
      terminal: true,
      pollMs: 100,
      progress: { show: (l) => progress.push(l), clear: () => undefined },
      interrupts: { next: () => new Promise(() => undefined) },
      print: (l) => out.push(l),
    });
    const taskId = await waitFor(
      async () => out.find((l) => l.startsWith('discord-')),
      10_000,
      'the task id',
    );
    await waitFor(
      async () => progress.some((l) => l.includes('waiting in #task-queue')),
      10_000,
      'waiting shown',
    );
    // worker-1 claims it and hands it back (it is stopping); worker-2 runs the copy.
    const holder = workerBus(emu.world, 0);
    const task = (await holder.poll()).find((t) => t.id === taskId)!;
    const claim = (await holder.claim(task, 'worker-1'))!;
    await waitFor(
      async () => progress.some((l) => l.includes('running on worker-1')),
      10_000,
      'running shown',
    );
    const back = await holder.handBack(claim, 'worker stopping');
    await holder.close();
    expect(back.action).toBe('requeued');
    const copyId = (back as { taskId: string }).taskId;
    const runner = new FakeRunner(async () => {
      await waitFor(
        async () => progress.some((l) => l.includes('running on worker-2')),
        10_000,
        'the copy shown',
      );
      return { text: 'done by the copy' };
    });
    await worker(runner, 1);
    expect(await waiting).toBe(taskId);
    expect(progress).toContainEqual(
      expect.stringMatching(
        new RegExp(`^▶ ${taskId} running on worker-2 for .* \\(attempt 2, as ${copyId}\\)$`),
      ),
    );
    const result = out.at(-1)!;
    expect(readResultLine(result)).toMatchObject({
      outcome: 'SUCCESS',
      taskId: copyId,
      by: 'worker-2',
      machine: 'rack',
    });
    expect(result).toContain('done by the copy');
  });

  it('submit --wait --json: one object at the end, naming the copy the result came under', async () => {
    const file = await configFile();
    const out: string[] = [];
    await worker(new FakeRunner({}), 0);
    const id = await submit({
      config: file,
      text: 'plain',
      wait: true,
      json: true,
      timeout: 60,
      pollMs: 100,
      print: (l) => out.push(l),
    });
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: true, taskId: id, outcome: 'SUCCESS', via: 'discord' });
  });

  it('manager --json: one JSON object per event, worker ids <machine>-<slot>', async () => {
    const dir = await scratch();
    const file = join(dir, 'discord-config.env');
    writeEnvFile(file, {
      ...emulatorEnv(emu.world, 1),
      RUNTIME_DIR: join(dir, '.runtime'),
      WORK_DIR: join(dir, 'workers'),
      MACHINE_NAME: 'laptop',
      AGENT_RUNNER: 'demo',
      POLL_INTERVAL: '0.3',
    });
    const out: string[] = [];
    let stop!: () => void;
    const running = manager({
      config: file,
      workers: 1,
      view: 'json',
      until: new Promise<void>((resolve) => (stop = resolve)),
      print: (l) => out.push(l),
    });
    const submitter = submitterBus(emu.world);
    const { taskId } = await submitter.submit('What is 2+2?');
    await submitter.close();
    try {
      await waitFor(
        async () => out.some((l) => l.includes('"event":"finished"')),
        60_000,
        'the finished event',
      );
    } finally {
      stop();
      await running;
    }
    const events = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.event === 'finished')).toMatchObject({
      worker: 'laptop-1',
      taskId,
      outcome: 'SUCCESS',
      tokens: { input: expect.any(Number), output: expect.any(Number) },
    });
    expect(events).toContainEqual(
      expect.objectContaining({ worker: 'laptop-1', event: 'status', status: 'READY' }),
    );
    expect(events.at(-1)).toMatchObject({
      event: 'manager',
      message: expect.stringMatching(/^Manager: 1 worker slot/),
    });
    expect(await resultsFor(taskId)).toEqual([
      { outcome: 'SUCCESS', taskId, by: 'laptop-1', machine: 'laptop' },
    ]);
  });

  it('Ctrl-C in submit --wait: cancel → the CANCELLED result ends it (exit 1); leave → exit 3, still queued', async () => {
    const file = await configFile();
    let press!: () => void;
    const interrupts = { next: () => new Promise<void>((resolve) => (press = resolve)) };
    const out: string[] = [];
    const asked: string[] = [];
    const cancelled = submit({
      config: file,
      text: 'nobody runs this',
      wait: true,
      json: true,
      timeout: 60,
      pollMs: 100,
      interrupts,
      confirmCancel: async (id) => (asked.push(id), true),
      by: 'alice',
      print: (l) => out.push(l),
    });
    await waitFor(
      async () => (await emu.admin.messages(emu.world.channels.taskQueue)).length === 1,
      10_000,
      'posted',
    );
    press();
    expect(await exitCode(cancelled)).toBe(1);
    const object = JSON.parse(out.at(-1)!) as { taskId: string; outcome: string; result: string };
    expect(object.outcome).toBe('CANCELLED');
    expect(asked).toEqual([object.taskId]);
    expect(readResultLine(object.result)).toEqual({
      outcome: 'CANCELLED',
      taskId: object.taskId,
      by: 'alice',
    });

    const left: string[] = [];
    const leaving = submit({
      config: file,
      text: 'keep this one queued',
      wait: true,
      json: true,
      timeout: 60,
      pollMs: 100,
      interrupts,
      confirmCancel: async () => false,
      print: (l) => left.push(l),
    });
    await waitFor(
      async () => (await emu.admin.messages(emu.world.channels.taskQueue)).length === 2,
      10_000,
      'posted',
    );
    press();
    expect(await exitCode(leaving)).toBe(3);
    const kept = JSON.parse(left.at(-1)!) as { taskId: string; outcome: null; error: string };
    expect(kept.outcome).toBeNull();
    expect(kept.error).toContain(`${kept.taskId} stays queued`);
    expect(kept.error).toContain(`dorch cancel ${kept.taskId}`);
    const report = await status({ config: file, print: () => undefined });
    expect(report.queue.waiting.map((t) => t.taskId)).toEqual([kept.taskId]);
  });
});
