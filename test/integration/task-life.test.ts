/**
 * The transitions of `src/bus/discord/task-life/` that the contract and the fleet tests do not reach, one by one,
 * with buses straight against the emulator: the checks a claimer makes after winning a copy, a claim whose progress
 * message cannot be posted, a sweep that finds the result already posted, and the cancelled (🛑) seam.
 */
import { PermissionFlagsBits, Routes } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Task } from '../../src/task/task.js';
import { buildTaskText } from '../../src/task/tags.js';
import { REPORT_SEPARATOR } from '../../src/task/format.js';
import { readTask } from '../../src/bus/discord/task-life/reading.js';
import { LeaseLostError } from '../../src/lib/errors.js';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { submitterBus, threadOf, workerBus } from '../helpers/fleet.js';

describe('task life: transitions', () => {
  const emu = useEmulator({ workers: 2, rateLimits: false });

  beforeEach(async () => {
    await emu.admin.seed({ workers: 2 });
  });

  const queue = () => emu.world.channels.taskQueue;
  const marks = async (id: string) =>
    ((await emu.admin.messages(queue())).find((m) => m.id === id)?.reactions ?? []).map((r) => r.emoji.name);
  // A fleet copy of `t` (as a hand-back posts it), read back as a Task.
  const postCopy = async (t: { taskId: string; messageId: string }, retry: number): Promise<Task> => {
    const rest = restFor(emu.world, emu.world.tokens.workers[1]!);
    const message = (await rest.post(Routes.channelMessages(queue()), {
      body: {
        content: buildTaskText({
          prompt: 'copied',
          retry,
          origin: t.taskId,
          author: emu.world.users.submitter,
        }),
        message_reference: { message_id: t.messageId },
      },
    })) as Parameters<typeof readTask>[0];
    return readTask(message, true);
  };
  // Hand `t` back by hand: its thread renamed to name `copy`, archived and locked.
  const nameCopy = async (t: { taskId: string; messageId: string }, copy: Task) => {
    const rest = restFor(emu.world, emu.world.tokens.workers[1]!);
    await rest.post(Routes.threads(queue(), t.messageId), { body: { name: `worker-9 · ${t.taskId}` } });
    await rest.patch(Routes.channel(t.messageId), {
      body: { name: `↩️ ${t.taskId} → ${copy.id}`, archived: true, locked: true },
    });
  };

  it('claim of a copy the original does not name: lost, the copy marked ♻️ and its thread closed', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('handed back twice');
    const live = await postCopy(t, 1);
    const stale = await postCopy(t, 1);
    await nameCopy(t, live);
    const bus = workerBus(emu.world, 0);
    const duplicates: unknown[] = [];
    bus.on('duplicate', (d) => duplicates.push(d));
    expect(await bus.claim(stale, 'worker-1')).toBeNull();
    expect(await marks(stale.messageId)).toContain('♻️');
    const thread = await threadOf(emu.admin, stale.messageId);
    expect(thread.name).toBe(`♻️ ${stale.id} (not the live copy)`);
    expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
    expect(duplicates).toEqual([expect.objectContaining({ taskId: stale.id, copyOf: t.taskId })]);
    // The live one is claimed normally.
    expect(await bus.claim(live, 'worker-1')).not.toBeNull();
    await bus.close();
    await submitter.close();
  });

  it('claim of a live copy whose original reported after all (a slow holder): lost, ♻️, not run twice', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('the slow holder reported');
    const copy = await postCopy(t, 1);
    await nameCopy(t, copy);
    await restFor(emu.world, emu.world.tokens.workers[0]!).post(
      Routes.channelMessages(emu.world.channels.results),
      {
        body: {
          content: `${REPORT_SEPARATOR}\n[SUCCESS] ${t.taskId} by worker-9\nModel: x/y | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000`,
        },
      },
    );
    const bus = workerBus(emu.world, 0);
    expect(await bus.claim(copy, 'worker-1')).toBeNull();
    expect(await marks(copy.messageId)).toContain('♻️');
    await bus.close();
    await submitter.close();
  });

  it('claim of a live copy out of attempts (its hand-back party died before reporting): FAILED, not run', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('out of attempts');
    const copy = await postCopy(t, 3);
    await nameCopy(t, copy);
    const bus = workerBus(emu.world, 0, { maxAttempts: 3 });
    expect(await bus.claim(copy, 'worker-1')).toBeNull();
    const result = await bus.findResult(copy.id);
    expect(result).toContain(`[FAILED] ${copy.id} by worker-1`);
    expect(result).toContain('gave up after 3 attempts; last: the party that handed it back stopped');
    expect(await marks(copy.messageId)).toContain('❌');
    expect((await threadOf(emu.admin, copy.messageId)).thread_metadata).toMatchObject({
      archived: true,
      locked: true,
    });
    await bus.close();
    await submitter.close();
  });

  it('a claim whose progress message cannot be posted (first heartbeat) is handed back at once', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('no talking in threads');
    await emu.admin.denyPermission(
      queue(),
      emu.world.users.workers[0]!,
      PermissionFlagsBits.SendMessagesInThreads,
    );
    const bus = workerBus(emu.world, 0);
    const task = (await bus.poll()).find((x) => x.id === t.taskId)!;
    // Winning needs no post in the thread; the first heartbeat does, and its refusal hands the claim back.
    const claim = await bus.claim(task, 'worker-1');
    expect(claim).not.toBeNull();
    await expect(bus.heartbeat(claim!, 'running')).rejects.toBeInstanceOf(LeaseLostError);
    const thread = await threadOf(emu.admin, t.messageId);
    expect(thread.name).toMatch(new RegExp(`^↩️ ${t.taskId} → discord-\\d+$`));
    expect(thread.thread_metadata).toMatchObject({ archived: true, locked: true });
    expect(await marks(t.messageId)).toContain('↩️');
    await bus.close();
    await submitter.close();
  });

  it('a sweep that finds the silent claim already reported finishes it (🏁, closed) instead of handing it back', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('reported, then killed before archiving');
    const holder = workerBus(emu.world, 0);
    const task = (await holder.poll()).find((x) => x.id === t.taskId)!;
    expect(await holder.claim(task, 'worker-1')).not.toBeNull();
    await restFor(emu.world, emu.world.tokens.workers[0]!).post(
      Routes.channelMessages(emu.world.channels.results),
      {
        body: {
          content: `${REPORT_SEPARATOR}\n[SUCCESS] ${t.taskId} by worker-1\nModel: x/y | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000`,
        },
      },
    );
    const sweeper = workerBus(emu.world, 1, { leaseMs: 1000, now: () => Date.now() + 60_000 });
    const swept = (await sweeper.sweep()).filter((s) => s.taskId === t.taskId);
    expect(swept).toEqual([expect.objectContaining({ result: { action: 'finished', taskId: t.taskId } })]);
    expect(await marks(t.messageId)).toContain('🏁');
    expect((await threadOf(emu.admin, t.messageId)).thread_metadata).toMatchObject({
      archived: true,
      locked: true,
    });
    expect((await emu.admin.messages(queue())).some((m) => m.content.includes(`[origin:${t.taskId}]`))).toBe(
      false,
    );
    await sweeper.close();
    await holder.close();
    await submitter.close();
  });

  it('a hand-back that died after posting its copy: the copy stays unmarked while the claim is open, and the sweep names it', async () => {
    // Found by the chaos run: the manager, handing back its dead worker's task as that worker's bot, was killed
    // right after Discord committed the copy. A lease later a poll marked the copy ♻️ ("its hand-back did not
    // finish"), then the sweep (the same bot) handed the task back: Discord's nonce answered with that same copy,
    // the thread named it as the live one, and nobody ever ran the task.
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('the hand-back party died');
    const holder = workerBus(emu.world, 0);
    const task = (await holder.poll()).find((x) => x.id === t.taskId)!;
    expect(await holder.claim(task, 'worker-1')).not.toBeNull();
    // The dead hand-back's copy, posted as the hand-back posts it (nonce q<T>), by worker-2's bot.
    const rest = restFor(emu.world, emu.world.tokens.workers[1]!);
    const dead = (await rest.post(Routes.channelMessages(queue()), {
      body: {
        content: buildTaskText({
          prompt: 'the hand-back party died',
          retry: 1,
          origin: t.taskId,
          author: emu.world.users.submitter,
        }),
        nonce: `q${t.messageId}`,
        enforce_nonce: true,
        message_reference: { message_id: t.messageId, fail_if_not_exists: false },
      },
    })) as { id: string };
    // A lease later (the clock moved on), another worker polls: the claim is still open, so the copy may yet be named.
    const later = () => Date.now() + 60_000;
    const poller = workerBus(emu.world, 0, { leaseMs: 1000, now: later });
    await poller.poll();
    expect(await marks(dead.id)).not.toContain('♻️');
    // The sweep, as worker-2's bot: its copy is the one already posted (same bot, same nonce), and it is live.
    const sweeper = workerBus(emu.world, 1, { leaseMs: 1000, now: later });
    const swept = (await sweeper.sweep()).filter((s) => s.taskId === t.taskId);
    expect(swept).toEqual([
      expect.objectContaining({ result: { action: 'requeued', taskId: `discord-${dead.id}` } }),
    ]);
    expect((await poller.poll()).map((x) => x.id)).toContain(`discord-${dead.id}`);
    expect(await marks(dead.id)).not.toContain('♻️');
    for (const b of [poller, sweeper, holder, submitter]) await b.close();
  });

  it('dorch requeue of a failed task: a poll between its copy and its rename does not mark the copy ♻️', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('failed once, requeued');
    const holder = workerBus(emu.world, 0);
    const task = (await holder.poll()).find((x) => x.id === t.taskId)!;
    const claim = (await holder.claim(task, 'worker-1'))!;
    const failed = `${REPORT_SEPARATOR}\n[FAILED] ${t.taskId} by worker-1\nModel: x/y | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000`;
    await holder.complete(claim, { outcome: 'FAILED', content: failed, summary: 'failed', files: [] });
    expect(await marks(t.messageId)).toContain('❌');
    // The requeue's rename of the (archived) thread waits 3 s, so a poll lands between the copy and the rename.
    await emu.admin.addFaultRule({
      match: { route: 'PATCH /channels/:id', channelId: t.messageId, user: 'worker-2' },
      latencyMs: 3000,
      count: 1,
    });
    const { lastSeq } = await emu.admin.events({ limit: 1, after: Number.MAX_SAFE_INTEGER });
    const requeuer = workerBus(emu.world, 1);
    const requeued = requeuer.requeue(t.taskId);
    const posted = await emu.admin.waitForEvent(
      (e) =>
        e.route === 'POST /channels/{channel_id}/messages' &&
        e.channelId === queue() &&
        e.authorName === 'worker-2',
      { after: lastSeq, timeoutMs: 10_000 },
    );
    const poller = workerBus(emu.world, 0);
    await poller.poll();
    const { copyId } = await requeued;
    expect(copyId).toBe(`discord-${posted.messageId}`);
    expect(await marks(posted.messageId!)).not.toContain('♻️');
    const settled = workerBus(emu.world, 0, { retrySettleMs: 0 });
    expect((await settled.poll()).map((x) => x.id)).toContain(copyId);
    for (const b of [settled, poller, requeuer, holder, submitter]) await b.close();
  });

  it("a stranger's own archived thread: a poll between the hand-back's copy and its rename does not mark it ♻️", async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('a stranger opened and archived a thread on it');
    const stranger = await emu.admin.createUser({ name: 'passer-by' });
    const as = restFor(emu.world, stranger.token);
    await as.post(Routes.threads(queue(), t.messageId), { body: { name: 'mine' } });
    await as.patch(Routes.channel(t.messageId), { body: { archived: true } });
    // worker-1 hands the foreign thread back, its rename 3 s late; worker-2 polls in between and tries too, slower.
    for (const [user, latencyMs] of [
      ['worker-1', 3000],
      ['worker-2', 6000],
    ] as const)
      await emu.admin.addFaultRule({
        match: { route: 'PATCH /channels/:id', channelId: t.messageId, user },
        latencyMs,
        count: 1,
      });
    const { lastSeq } = await emu.admin.events({ limit: 1, after: Number.MAX_SAFE_INTEGER });
    const first = workerBus(emu.world, 0);
    const polled = first.poll();
    const posted = await emu.admin.waitForEvent(
      (e) =>
        e.route === 'POST /channels/{channel_id}/messages' &&
        e.channelId === queue() &&
        e.authorName === 'worker-1',
      { after: lastSeq, timeoutMs: 10_000 },
    );
    const second = workerBus(emu.world, 1);
    await Promise.all([second.poll(), polled]);
    expect((await threadOf(emu.admin, t.messageId)).name).toBe(
      `↩️ ${t.taskId} → discord-${posted.messageId}`,
    );
    expect(await marks(posted.messageId!)).not.toContain('♻️');
    for (const b of [second, first, submitter]) await b.close();
  });

  it('a fleet 🛑 (cancelled, issue #11) is honoured: the task is not offered', async () => {
    const submitter = submitterBus(emu.world);
    const t = await submitter.submit('cancelled before anyone took it');
    await restFor(emu.world, emu.world.tokens.workers[1]!).put(
      Routes.channelMessageOwnReaction(queue(), t.messageId, encodeURIComponent('🛑')),
    );
    const bus = workerBus(emu.world, 0);
    expect((await bus.poll()).map((x) => x.id)).not.toContain(t.taskId);
    await bus.close();
    await submitter.close();
  });
});
