/**
 * Transition 8, cancel (issue #11), against the emulator: a waiting task, a running one (its worker stops within a
 * heartbeat), a handed-back one (its live copy is cancelled), an allowed person's 🛑 and a stranger's, and the races
 * that decide between a CANCELLED result and the holder's own: exactly one result either way, every thread archived
 * and locked at the end.
 */
import { Routes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Authorizer } from '../../src/bus/discord/authorization.js';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import { createRest } from '../../src/bus/discord/rest.js';
import { TaskInvalidError } from '../../src/lib/errors.js';
import { REPORT_SEPARATOR, readResultLine } from '../../src/task/format.js';
import { HANG, FakeRunner } from '../helpers/fake-runner.js';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { scratch, startWorker, submitterBus, threadOf, waitFor, workerBus } from '../helpers/fleet.js';

describe('task life: cancel', () => {
  const emu = useEmulator({ workers: 2, rateLimits: false });
  const closers: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    await emu.admin.seed({ workers: 2 });
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  const queue = () => emu.world.channels.taskQueue;
  const marks = async (id: string) =>
    ((await emu.admin.messages(queue())).find((m) => m.id === id)?.reactions ?? []).map((r) => r.emoji.name);
  const resultsFor = async (taskId: string) =>
    (await emu.admin.messages(emu.world.channels.results))
      .map((m) => readResultLine(m.content))
      .filter((r) => r?.taskId === taskId);
  const track = <T extends { close(): Promise<void> }>(bus: T): T => {
    closers.push(() => bus.close());
    return bus;
  };
  // The operator's CLI: the submitter bot, knowing the fleet and the allowlist.
  const operatorBus = (leaseMs?: number) => {
    const w = emu.world;
    const rest = createRest({ apiUrl: w.apiUrl, token: w.tokens.submitter });
    return track(
      new DiscordBus({
        apiUrl: w.apiUrl,
        token: w.tokens.submitter,
        taskQueueChannel: w.channels.taskQueue,
        resultsChannel: w.channels.results,
        workerPoolChannel: w.channels.workerPool,
        rest,
        authorizer: new Authorizer(rest, {
          trustedBots: [w.users.submitter, ...w.users.workers],
          allowedUsers: [w.users.operator],
          allowedRoles: [],
        }),
        actor: 'operator',
        ...(leaseMs ? { leaseMs } : {}),
      }),
    );
  };
  const cli = { name: 'operator', how: 'with dorch cancel' };
  const report = (taskId: string) =>
    `${REPORT_SEPARATOR}\n[SUCCESS] ${taskId} by worker-1\nModel: x/y | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000`;
  const react = (token: string, messageId: string) =>
    restFor(emu.world, token).put(
      Routes.channelMessageOwnReaction(queue(), messageId, encodeURIComponent('🛑')),
    );

  it('a waiting task: never runs, one CANCELLED result, 🛑, its thread the canceller’s and closed', async () => {
    const t = await track(submitterBus(emu.world)).submit('cancel me before anyone starts');
    const outcome = await operatorBus().cancel(t.taskId, cli);
    expect(outcome).toEqual({ action: 'cancelled', taskId: t.taskId, was: 'waiting' });
    const results = await resultsFor(t.taskId);
    expect(results).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' }]);
    const posted = (await emu.admin.messages(emu.world.channels.results)).at(-1)!.content;
    expect(posted).toContain('Cancelled with dorch cancel by operator. It had not started.');
    expect(posted).toContain('cancel me before anyone starts');
    expect(await marks(t.messageId)).toContain('🛑');
    const thread = await threadOf(emu.admin, t.messageId);
    expect(thread.name).toBe(`🛑 ${t.taskId} (cancelled by operator)`);
    expect(thread.owner_id).toBe(emu.world.users.submitter);
    expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
    // No worker offers or wins it.
    const worker = track(workerBus(emu.world, 0));
    expect((await worker.poll()).map((x) => x.id)).not.toContain(t.taskId);
    // Cancelling again says so and posts nothing.
    expect(await operatorBus().cancel(t.taskId, cli)).toEqual({
      action: 'already',
      taskId: t.taskId,
      by: 'operator',
    });
    expect(await resultsFor(t.taskId)).toHaveLength(1);
  });

  it('a running task: its worker stops within a heartbeat, drops its result; one CANCELLED result naming it', async () => {
    const dir = await scratch();
    const t = await track(submitterBus(emu.world)).submit('run until stopped');
    const runner = new FakeRunner(HANG);
    const worker = await startWorker(emu.world, { dir, runner, overrides: { heartbeatMs: 300 } });
    closers.push(() => worker.stop());
    const released: string[] = [];
    worker.wired.worker.on('released', (r) => released.push(r.reason));
    await runner.started();
    // The worker has claimed and posted its progress message before it starts the agent.
    const outcome = await operatorBus().cancel(t.taskId, cli);
    const cancelledAt = Date.now();
    expect(outcome).toEqual({ action: 'cancelled', taskId: t.taskId, was: 'running', worker: 'worker-1' });
    await waitFor(
      async () => runner.aborted.length === 1 || released.length === 1,
      15_000,
      'the agent stopped',
    );
    await waitFor(async () => released.length === 1, 15_000, 'the claim released');
    // One heartbeat (300 ms) finds the thread closed; the slack is for a busy machine, not for a second heartbeat.
    expect(Date.now() - cancelledAt).toBeLessThan(300 * 2 + 3000);
    expect(released[0]).toBe(`${t.taskId} was cancelled by operator`);
    const results = await resultsFor(t.taskId);
    expect(results).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' }]);
    const posted = (await emu.admin.messages(emu.world.channels.results)).at(-1)!.content;
    expect(posted).toMatch(/It was running on worker-1 for [\d.]+ s: stopped, its result is dropped\./);
    const thread = await threadOf(emu.admin, t.messageId);
    expect(thread.name).toBe(`🛑 ${t.taskId} (cancelled by operator)`);
    expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
    // Nothing was posted into the thread after the claim's progress message (a post would have reopened it).
    const inThread = await emu.admin.messages(t.messageId);
    expect(inThread).toHaveLength(1);
    expect(await marks(t.messageId)).toEqual(expect.arrayContaining(['✅', '🛑']));
    expect(await marks(t.messageId)).not.toContain('🏁');
  });

  it('a handed-back task: its live copy is cancelled, the original marked 🛑 too', async () => {
    const t = await track(submitterBus(emu.world)).submit('handed back, then cancelled');
    const holder = track(workerBus(emu.world, 0));
    const task = (await holder.poll()).find((x) => x.id === t.taskId)!;
    const claim = (await holder.claim(task, 'worker-1'))!;
    const back = await holder.handBack(claim, 'worker stopping');
    expect(back.action).toBe('requeued');
    const copyId = (back as { taskId: string }).taskId;
    const outcome = await operatorBus().cancel(t.taskId, cli);
    expect(outcome).toEqual({ action: 'cancelled', taskId: copyId, was: 'waiting' });
    expect(await resultsFor(copyId)).toEqual([{ outcome: 'CANCELLED', taskId: copyId, by: 'operator' }]);
    expect(await resultsFor(t.taskId)).toEqual([]);
    expect(await marks(t.messageId)).toContain('🛑');
    expect(await marks(copyId.slice('discord-'.length))).toContain('🛑');
    const worker = track(workerBus(emu.world, 1, { retrySettleMs: 0 }));
    expect((await worker.poll()).map((x) => x.id)).not.toContain(copyId);
    // Following the original shows the copy cancelled.
    const followed = await operatorBus().follow(t.taskId);
    expect(followed.chain).toEqual([t.taskId, copyId]);
    expect(followed.live).toMatchObject({ state: 'cancelled', cancelledBy: 'operator' });
  });

  it("an allowed person's 🛑 on a waiting task: the next poll cancels it in their name; it never runs", async () => {
    const t = await track(submitterBus(emu.world)).submit('the operator changed their mind');
    await react(emu.world.tokens.operator, t.messageId);
    const worker = track(workerBus(emu.world, 0));
    const cancelled: unknown[] = [];
    worker.on('cancelled', (c) => cancelled.push(c));
    expect((await worker.poll()).map((x) => x.id)).not.toContain(t.taskId);
    expect(cancelled).toEqual([
      expect.objectContaining({
        taskId: t.taskId,
        by: 'operator',
        outcome: { action: 'cancelled', taskId: t.taskId, was: 'waiting' },
      }),
    ]);
    const posted = (await emu.admin.messages(emu.world.channels.results)).at(-1)!.content;
    expect(posted).toContain(`[CANCELLED] ${t.taskId} by operator`);
    expect(posted).toContain('Cancelled with a 🛑 reaction by operator.');
    // Other workers see the fleet's 🛑 and leave it alone: still one result.
    const other = track(workerBus(emu.world, 1));
    expect((await other.poll()).map((x) => x.id)).not.toContain(t.taskId);
    expect(await resultsFor(t.taskId)).toHaveLength(1);
  });

  it("an allowed person's 🛑 on a running task stops it (any worker's poll notices)", async () => {
    const dir = await scratch();
    const t = await track(submitterBus(emu.world)).submit('stop this one');
    const runner = new FakeRunner(HANG);
    const worker = await startWorker(emu.world, { dir, runner, overrides: { heartbeatMs: 300 } });
    closers.push(() => worker.stop());
    await runner.started();
    await react(emu.world.tokens.operator, t.messageId);
    const idle = track(workerBus(emu.world, 1));
    await idle.poll();
    await waitFor(async () => (await resultsFor(t.taskId)).length > 0, 10_000, 'the CANCELLED result');
    await waitFor(
      async () => runner.aborted.length === 1 || !worker.wired.worker.current,
      15_000,
      'the stop',
    );
    expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' }]);
  });

  it("a stranger's 🛑 changes nothing: the task runs and reports once", async () => {
    const stranger = await emu.admin.createUser({ name: 'stranger' });
    const t = await track(submitterBus(emu.world)).submit('a stranger wants this stopped');
    await react(stranger.token, t.messageId);
    const worker = track(workerBus(emu.world, 0));
    const tasks = await worker.poll();
    const task = tasks.find((x) => x.id === t.taskId);
    expect(task).toBeDefined();
    const claim = (await worker.claim(task!, 'worker-1'))!;
    expect(claim).not.toBeNull();
    // Running, with the stranger's 🛑 still on it: another worker's poll leaves it running.
    const other = track(workerBus(emu.world, 1));
    await other.poll();
    expect((await threadOf(emu.admin, t.messageId)).thread_metadata.archived).toBe(false);
    await worker.heartbeat(claim, 'still going');
    const done = await worker.complete(claim, {
      outcome: 'SUCCESS',
      content: report(t.taskId),
      files: [],
      summary: '✅ SUCCESS in 1.0 s',
    });
    expect(done).toEqual({ outcome: 'reported', taskId: t.taskId });
    expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'SUCCESS', taskId: t.taskId, by: 'worker-1' }]);
    expect(await marks(t.messageId)).toContain('🏁');
  });

  it("a stranger's own thread named like a cancel does not block the task: it is handed back and runs", async () => {
    const stranger = await emu.admin.createUser({ name: 'stranger' });
    const t = await track(submitterBus(emu.world)).submit('a fake end state');
    await restFor(emu.world, stranger.token).post(Routes.threads(queue(), t.messageId), {
      body: { name: `🛑 ${t.taskId} (cancelled by operator)` },
    });
    const worker = track(workerBus(emu.world, 0, { retrySettleMs: 0 }));
    const foreign: unknown[] = [];
    worker.on('foreign', (f) => foreign.push(f));
    await worker.poll();
    expect(foreign).toEqual([expect.objectContaining({ taskId: t.taskId })]);
    expect((await worker.poll()).some((x) => x.origin === t.taskId)).toBe(true);
  });

  it('the holder fenced first: the cancel finds its result counts, and there is only that one', async () => {
    const t = await track(submitterBus(emu.world)).submit('finishing right now');
    const holder = track(workerBus(emu.world, 0));
    const task = (await holder.poll()).find((x) => x.id === t.taskId)!;
    const claim = (await holder.claim(task, 'worker-1'))!;
    // It ran past its first heartbeat (which posts the progress message the fence edits).
    await holder.heartbeat(claim, '⏳ working');
    // The holder's result post is slow to land: its fence (the edit) is done, the post is on its way.
    await emu.admin.addFaultRule({
      match: { route: 'POST /channels/:id/messages', channelId: emu.world.channels.results },
      latencyMs: 1500,
      count: 1,
    });
    const completing = holder.complete(claim, {
      outcome: 'SUCCESS',
      content: report(t.taskId),
      files: [],
      summary: '✅ SUCCESS in 1.0 s',
    });
    await waitFor(
      async () => (await emu.admin.messages(t.messageId)).some((m) => m.content.startsWith('✅ SUCCESS')),
      5000,
      'the fence',
    );
    const outcome = await operatorBus().cancel(t.taskId, cli);
    expect(outcome).toEqual({ action: 'finished', taskId: t.taskId, outcome: 'SUCCESS' });
    expect(await completing).toEqual({ outcome: 'reported', taskId: t.taskId });
    expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'SUCCESS', taskId: t.taskId, by: 'worker-1' }]);
    expect(await marks(t.messageId)).not.toContain('🛑');
    expect((await threadOf(emu.admin, t.messageId)).thread_metadata).toMatchObject({ archived: true });
  });

  it('cancel and claim at the same moment: one wins; still exactly one result', async () => {
    for (let round = 0; round < 4; round++) {
      const t = await track(submitterBus(emu.world)).submit(`race ${round}`);
      const worker = track(workerBus(emu.world, 0));
      const task = (await worker.poll()).find((x) => x.id === t.taskId)!;
      const [claim, outcome] = await Promise.all([
        // A winner heartbeats at once, as a worker's lease does at its start (the cancel waits for that message).
        worker.claim(task, 'worker-1').then(async (c) => {
          if (c) await worker.heartbeat(c, '⏳ working').catch(() => undefined);
          return c;
        }),
        operatorBus().cancel(t.taskId, cli),
      ]);
      if (claim) {
        // The claim won: the cancel stopped it as running; the holder's report is dropped.
        expect(outcome).toMatchObject({ action: 'cancelled', was: 'running' });
        const done = await worker.complete(claim, {
          outcome: 'SUCCESS',
          content: report(t.taskId),
          files: [],
          summary: '✅ SUCCESS in 1.0 s',
        });
        expect(done.outcome).toBe('superseded');
      } else expect(outcome).toMatchObject({ action: 'cancelled', was: 'waiting' });
      expect(await resultsFor(t.taskId)).toEqual([
        { outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' },
      ]);
      expect((await threadOf(emu.admin, t.messageId)).thread_metadata).toMatchObject({
        archived: true,
        locked: true,
      });
    }
  });

  it('a canceller that stopped half-way (its thread open) is finished by a sweep, never handed back', async () => {
    const t = await track(submitterBus(emu.world)).submit('half cancelled');
    // What a canceller killed right after creating its thread leaves behind.
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    await rest.put(Routes.channelMessageOwnReaction(queue(), t.messageId, encodeURIComponent('🛑')));
    await rest.post(Routes.threads(queue(), t.messageId), {
      body: { name: `🛑 ${t.taskId} (cancelled by operator)` },
    });
    const sweeper = track(workerBus(emu.world, 1, { leaseMs: 1000, now: () => Date.now() + 60_000 }));
    const swept = (await sweeper.sweep()).filter((s) => s.taskId === t.taskId);
    expect(swept).toEqual([expect.objectContaining({ result: { action: 'finished', taskId: t.taskId } })]);
    expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' }]);
    expect((await emu.admin.messages(emu.world.channels.results)).at(-1)!.content).toContain(
      'Cancelled by operator. It had not started.',
    );
    expect((await threadOf(emu.admin, t.messageId)).thread_metadata).toMatchObject({
      archived: true,
      locked: true,
    });
    expect((await emu.admin.messages(queue())).some((m) => m.content.includes(`[origin:${t.taskId}]`))).toBe(
      false,
    );
  });

  it('a claim whose claimer died before posting its progress message: the cancel waits out the lease, then closes it', async () => {
    const t = await track(submitterBus(emu.world)).submit('claimed, then the claimer died');
    await restFor(emu.world, emu.world.tokens.workers[0]!).post(Routes.threads(queue(), t.messageId), {
      body: { name: `worker-1 · ${t.taskId}` },
    });
    const started = Date.now();
    const outcome = await operatorBus(1500).cancel(t.taskId, cli);
    // Not before the claim was a lease old: until then its progress post could still come and reopen the thread.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(outcome).toEqual({ action: 'cancelled', taskId: t.taskId, was: 'running', worker: 'worker-1' });
    expect(await resultsFor(t.taskId)).toEqual([{ outcome: 'CANCELLED', taskId: t.taskId, by: 'operator' }]);
    expect((await threadOf(emu.admin, t.messageId)).thread_metadata).toMatchObject({
      archived: true,
      locked: true,
    });
  });

  it('nothing to cancel: a refused task, an unknown id, a malformed id', async () => {
    const stranger = await emu.admin.createUser({ name: 'stranger' });
    const posted = (await restFor(emu.world, stranger.token).post(Routes.channelMessages(queue()), {
      body: { content: 'rm -rf /' },
    })) as { id: string };
    await track(workerBus(emu.world, 0)).poll();
    const bus = operatorBus();
    await expect(bus.cancel(`discord-${posted.id}`, cli)).rejects.toThrow(/refused \(🚫\) and never ran/);
    await expect(bus.cancel('discord-123', cli)).rejects.toThrow(TaskInvalidError);
    await expect(bus.cancel('local-1', cli)).rejects.toThrow(/not a Discord task id/);
    expect(await emu.admin.messages(emu.world.channels.results)).toEqual([]);
  });
});
