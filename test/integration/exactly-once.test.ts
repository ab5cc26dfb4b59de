/**
 * Issue #8: exactly once under races, against the emulator. A worker silent past its lease whose task was handed
 * back and run again; the original that wins the retry copy instead; an outbox replay after a hand-back; the manager's
 * recovery of local claims and of reports still waiting in an outbox; heartbeats that only edit.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createResilientBus } from '../../src/bus/create-bus.js';
import { loadConfig } from '../../src/config/load.js';
import { recoverClaim } from '../../src/manager/recover.js';
import { Outbox } from '../../src/worker/outbox.js';
import { useEmulator } from '../helpers/emulator.js';
import {
  PromptRunner,
  emulatorEnv,
  results,
  scratch,
  startWorker,
  submitterBus,
  threadOf,
  waitFor,
  workerBus,
  type InProcessWorker,
} from '../helpers/fleet.js';

describe('exactly once (issue #8)', () => {
  const emu = useEmulator({ workers: 2 });
  const workers: InProcessWorker[] = [];

  beforeEach(async () => {
    await emu.admin.seed({ workers: 2 });
  });
  afterEach(async () => {
    await emu.admin.clearFaults();
    for (const w of workers.splice(0)) await w.stop();
  });

  /**
   * A worker whose heartbeats never come in time: its claim goes silent at once (a frozen process). `thaw()` ends
   * the freeze: its monotonic clock then shows the time it was frozen (longer than its lease), as a real one would,
   * so it no longer trusts its claim to be fresh.
   */
  const silentWorker = async (runner: PromptRunner) => {
    let frozenMs = 0;
    const w = await startWorker(emu.world, {
      dir: await scratch(),
      index: 0,
      runner,
      env: { LEASE_TIMEOUT: '120', HEARTBEAT_INTERVAL: '60' },
      overrides: { heartbeatMs: 60_000, outboxRetryMs: 200, monotonic: () => performance.now() + frozenMs },
    });
    workers.push(w);
    return Object.assign(w, { thaw: () => (frozenMs = 10 * 60_000) });
  };
  const gated = () => {
    const runner = new PromptRunner();
    let open!: () => void;
    runner.gate = new Promise<void>((r) => (open = r));
    return { runner, open: () => open() };
  };
  const resultsFor = async (prompt: string) =>
    (await results(emu.running)).filter((r) => r.content.includes(prompt));
  // Hand T back the way another machine's sweep does: a lease of 1.5 s, swept until it goes.
  const sweepUntilHandedBack = async (taskId: string) => {
    const sweeper = workerBus(emu.world, 1, { leaseMs: 1500 });
    try {
      const swept = await waitFor(
        async () => (await sweeper.sweep()).find((s) => s.taskId === taskId),
        20_000,
        `${taskId} to be handed back`,
      );
      expect(swept.result.action).toBe('requeued');
      return (swept.result as { taskId: string }).taskId;
    } finally {
      await sweeper.close();
    }
  };

  it('late completion: silent past the lease, swept, the retry runs, then the original finishes: one result', async () => {
    const prompt = 'slow but not dead';
    const a = gated();
    const original = await silentWorker(a.runner);
    const released: string[] = [];
    original.wired.worker.on('released', (i) => released.push(i.reason));
    const bus = submitterBus(emu.world);
    const { taskId, messageId } = await bus.submit(prompt);
    await waitFor(async () => a.runner.started.includes(taskId), 20_000, 'the original run to start');

    const b = new PromptRunner();
    const rescuer = await startWorker(emu.world, {
      dir: await scratch(),
      index: 1,
      runner: b,
      env: { LEASE_TIMEOUT: '1.5', HEARTBEAT_INTERVAL: '0.5' },
      overrides: { sweepIntervalMs: 300 },
    });
    workers.push(rescuer);
    const first = await waitFor(async () => (await resultsFor(prompt))[0], 30_000, 'the retry to report');
    expect(first.header?.taskId).not.toBe(taskId);
    const messagesBefore = await emu.admin.messages(messageId);

    original.thaw();
    a.open();
    await waitFor(async () => released.length > 0, 20_000, 'the original to finish');
    expect(released[0]).toMatch(/another run carries it/);
    expect(await resultsFor(prompt)).toHaveLength(1);
    // Nothing was posted into the handed-back thread: it stays archived, locked and unchanged.
    const thread = await threadOf(emu.admin, messageId);
    expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
    expect(await emu.admin.messages(messageId)).toEqual(messagesBefore);
    // The original never got to its first heartbeat: it posted nothing in its thread, ever.
    expect(messagesBefore.filter((m) => m.author.id === emu.world.users.workers[0])).toHaveLength(0);
    await bus.close();
  }, 90_000);

  it('late completion, the original wins the retry copy: its result counts, as the copy, once', async () => {
    const prompt = 'slow, and the copy still waits';
    const a = gated();
    const original = await silentWorker(a.runner);
    const finished: string[] = [];
    original.wired.worker.on('finished', (i) => finished.push(i.claim.task.id));
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit(prompt);
    await waitFor(async () => a.runner.started.includes(taskId), 20_000, 'the original run to start');
    const copyId = await sweepUntilHandedBack(taskId);

    original.thaw();
    a.open();
    const result = await waitFor(async () => (await resultsFor(prompt))[0], 20_000, 'the late result');
    expect(result.header).toMatchObject({ taskId: copyId, workerId: 'worker-1', outcome: 'SUCCESS' });
    expect(result.content).toContain(`first run as ${taskId}`);
    await waitFor(async () => finished.includes(taskId), 10_000, 'the worker to count it finished');
    // The copy is claimed and closed by the original's run: nobody else can take it.
    const copy = await threadOf(emu.admin, copyId.slice('discord-'.length));
    expect(copy.name).toMatch(/^🏁 worker-1 · SUCCESS in /);
    expect(copy.thread_metadata).toMatchObject({ archived: true, locked: true });
    expect(await resultsFor(prompt)).toHaveLength(1);
    await bus.close();
  }, 90_000);

  it('an outbox replay after a hand-back (an outage while another machine swept) is a late completion', async () => {
    const prompt = 'finished during an outage';
    const a = gated();
    const original = await silentWorker(a.runner);
    const warnings: string[] = [];
    original.wired.worker.on('warning', (m) => warnings.push(m));
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit(prompt);
    await waitFor(async () => a.runner.started.includes(taskId), 20_000, 'the original run to start');
    // Worker 1's machine loses Discord; meanwhile another machine hands its claim back.
    const outage = await emu.admin.addFaultRule({ match: { user: 'worker-1' }, outage: true });
    const copyId = await sweepUntilHandedBack(taskId);
    original.thaw();
    a.open();
    await waitFor(
      async () => warnings.some((w) => w.includes('kept in the outbox')),
      20_000,
      'the report kept',
    );
    expect(await resultsFor(prompt)).toHaveLength(0);
    await emu.admin.removeFaultRule(outage.id);
    const result = await waitFor(async () => (await resultsFor(prompt))[0], 30_000, 'the outbox replay');
    expect(result.header?.taskId).toBe(copyId);
    expect(result.content).toContain(`first run as ${taskId}`);
    expect(await resultsFor(prompt)).toHaveLength(1);
    await bus.close();
  }, 90_000);

  it('heartbeats only edit: one progress message in the claim thread, however long the task runs', async () => {
    const prompt = 'a task that runs for a while';
    const runner = new PromptRunner(1500);
    const w = await startWorker(emu.world, {
      dir: await scratch(),
      runner,
      env: { LEASE_TIMEOUT: '1', HEARTBEAT_INTERVAL: '0.1' },
      overrides: { heartbeatMs: 100 },
    });
    workers.push(w);
    const bus = submitterBus(emu.world);
    const { messageId } = await bus.submit(prompt);
    const { seq } = { seq: (await emu.admin.events({ limit: 1 })).lastSeq };
    await waitFor(async () => (await resultsFor(prompt))[0], 20_000, 'the result');
    await waitFor(
      async () => (await threadOf(emu.admin, messageId)).thread_metadata.locked,
      10_000,
      'closed',
    );
    const inThread = (await emu.admin.events({ after: seq, limit: 1000 })).events.filter(
      (e) => e.channelId === messageId && e.status !== null && Number(e.status) < 300,
    );
    const posts = inThread.filter((e) => e.method === 'POST');
    const edits = inThread.filter((e) => e.method === 'PATCH' && e.route.includes('/messages/'));
    expect(posts).toHaveLength(1);
    expect(edits.length).toBeGreaterThanOrEqual(5);
    const [progress] = await emu.admin.messages(messageId);
    expect(progress!.content).toMatch(/^✅ SUCCESS in /);
    await bus.close();
  }, 60_000);

  describe("the manager's recovery of a dead worker's claim", () => {
    const configFor = (dir: string) =>
      loadConfig({
        file: join(dir, 'none.env'),
        env: { ...emulatorEnv(emu.world), RUNTIME_DIR: join(dir, '.runtime'), LEASE_TIMEOUT: '60' },
      }).config;

    it('a local (`local-…`) claim is handed back on the local queue, not asked of Discord', async () => {
      const dir = await scratch();
      const config = configFor(dir);
      const token = emu.world.tokens.workers[0]!;
      const worker = await createResilientBus(config, { token, actor: 'worker-1' });
      const manager = await createResilientBus(config, { token, actor: 'manager' });
      try {
        const { taskId } = await worker.local.submit('queued while Discord was down');
        const [task] = await worker.local.poll();
        const claim = await worker.bus.claim(task!, 'worker-1');
        expect(claim?.task.id).toBe(taskId);
        const recovery = await recoverClaim(
          manager.bus,
          new Outbox(config.worker.runtimeDir, 'worker-1'),
          claim!,
          'worker-1 exited (SIGKILL) while running it',
        );
        expect(recovery.action).toBe('requeued');
        const [retry] = await worker.local.poll();
        expect(retry).toMatchObject({ origin: taskId, retry: 1, prompt: 'queued while Discord was down' });
      } finally {
        await worker.bus.close();
        await manager.bus.close();
      }
    });

    it('a report still in the dead worker’s outbox is delivered, never requeued', async () => {
      const dir = await scratch();
      const config = configFor(dir);
      const submitter = submitterBus(emu.world);
      const prompt = 'done, then killed before the post';
      const { taskId } = await submitter.submit(prompt);
      const holder = workerBus(emu.world, 0);
      const task = (await holder.poll()).find((t) => t.id === taskId)!;
      const claim = await holder.claim(task, 'worker-1');
      const outbox = new Outbox(config.worker.runtimeDir, 'worker-1');
      const content = `═══\n[SUCCESS] ${taskId} by worker-1\nModel: x/y | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000\n\n${prompt}`;
      await outbox.put(claim!, { outcome: 'SUCCESS', content, summary: 'done', files: [] });
      const manager = await createResilientBus(config, {
        token: emu.world.tokens.workers[0]!,
        actor: 'manager',
      });
      try {
        const recovery = await recoverClaim(manager.bus, outbox, claim!, 'worker-1 exited (SIGKILL)');
        expect(recovery).toMatchObject({ action: 'delivered', outcome: 'reported' });
        expect(await resultsFor(prompt)).toHaveLength(1);
        expect(
          (await emu.admin.messages(emu.world.channels.taskQueue)).some((m) =>
            m.content.includes(`[origin:${taskId}]`),
          ),
        ).toBe(false);
        expect(await outbox.get(taskId)).toBeNull();
      } finally {
        await manager.bus.close();
        await holder.close();
        await submitter.close();
      }
    });
  });
});
