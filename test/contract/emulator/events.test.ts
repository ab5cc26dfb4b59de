import { HTTPError } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('event feed', () => {
  it('lists committed writes in commit order with ids, author and the status sent; reads and refusals are not listed', async () => {
    const queue = (await emu.admin.createChannel({ name: 'feed' })).id;
    const start = (await emu.admin.events()).lastSeq;
    const submitter = restFor(emu.world, emu.world.tokens.submitter);
    const w1 = restFor(emu.world, emu.world.tokens.workers[0]!);
    const w2 = restFor(emu.world, emu.world.tokens.workers[1]!);
    const task = (await submitter.post(Routes.channelMessages(queue), {
      body: { content: 'task', nonce: 't-1', enforce_nonce: true },
    })) as APIMessage;
    // A nonce replay commits nothing; a lost race (160004) and a read neither.
    await submitter.post(Routes.channelMessages(queue), {
      body: { content: 'task', nonce: 't-1', enforce_nonce: true },
    });
    await w1.post(Routes.threads(queue, task.id), { body: { name: 'claim' } });
    expect(
      (await discordError(w2.post(Routes.threads(queue, task.id), { body: { name: 'claim' } }))).code,
    ).toBe(160004);
    await w1.get(Routes.channel(task.id));
    const progress = (await w1.post(Routes.channelMessages(task.id), {
      body: { content: 'p' },
    })) as APIMessage;
    await w1.patch(Routes.channelMessage(task.id, progress.id), { body: { content: 'p2' } });
    await w1.put(Routes.channelMessageOwnReaction(queue, task.id, encodeURIComponent('🏁')));
    await w1.patch(Routes.channel(task.id), { body: { archived: true, locked: true } });

    const page = await emu.admin.events({ after: start });
    const w1Id = emu.world.users.workers[0]!;
    expect(page.events.map((e) => [e.route, e.status])).toEqual([
      ['POST /channels/{channel_id}/messages', 200],
      ['POST /channels/{channel_id}/messages/{message_id}/threads', 201],
      ['POST /channels/{channel_id}/messages', 200],
      ['PATCH /channels/{channel_id}/messages/{message_id}', 200],
      ['PUT /channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me', 204],
      ['PATCH /channels/{channel_id}', 200],
    ]);
    const [post, thread, inThread, edit, react, archive] = page.events;
    expect(post).toMatchObject({
      method: 'POST',
      channelId: queue,
      messageId: task.id,
      nonce: 't-1',
      authorId: emu.world.users.submitter,
      authorName: 'submitter',
    });
    expect(post!.threadId).toBeUndefined();
    expect(thread).toMatchObject({
      channelId: queue,
      messageId: task.id,
      threadId: task.id,
      authorId: w1Id,
      authorName: 'worker-1',
    });
    expect(inThread).toMatchObject({ channelId: task.id, messageId: progress.id, threadId: task.id });
    expect(edit).toMatchObject({ messageId: progress.id, threadId: task.id });
    expect(react).toMatchObject({ channelId: queue, messageId: task.id, emoji: '🏁' });
    expect(archive).toMatchObject({ method: 'PATCH', channelId: task.id, threadId: task.id });
    const seqs = page.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(page.lastSeq).toBe(seqs.at(-1));
    for (const e of page.events) expect(Date.parse(e.time)).not.toBeNaN();
  });

  it('long-polls: a waiting read returns as soon as a write commits', async () => {
    const { lastSeq } = await emu.admin.events();
    const started = Date.now();
    const waiting = emu.admin.events({ after: lastSeq, wait: 20_000 });
    await restFor(emu.world, emu.world.tokens.submitter).post(
      Routes.channelMessages(emu.world.channels.results),
      {
        body: { content: 'wake up' },
      },
    );
    const page = await waiting;
    expect(page.events).toHaveLength(1);
    expect(page.events[0]!.seq).toBe(lastSeq + 1);
    expect(Date.now() - started).toBeLessThan(15_000);
    // With nothing new, the wait runs out and the page is empty.
    expect((await emu.admin.events({ after: page.lastSeq, wait: 50 })).events).toEqual([]);
  });

  it('shows a write the moment it commits while a timing-"after" rule holds its answer back, then the answer lost', async () => {
    const results = emu.world.channels.results;
    await emu.admin.addFaultRule({
      match: { route: 'POST /channels/:id/messages', channelId: results, user: 'worker-2' },
      timing: 'after',
      latencyMs: 2500,
      dropRate: 1,
      count: 1,
    });
    try {
      const { lastSeq } = await emu.admin.events();
      let settled = false;
      const answer = restFor(emu.world, emu.world.tokens.workers[1]!, { retries: 0, timeout: 10_000 })
        .post(Routes.channelMessages(results), { body: { content: 'the result', nonce: 'r-1' } })
        .finally(() => (settled = true));
      const committed = await emu.admin.waitForEvent((e) => e.channelId === results && e.nonce === 'r-1', {
        after: lastSeq,
        timeoutMs: 10_000,
      });
      // The harness sees the commit while the worker is still waiting for its answer: the moment to SIGKILL it.
      expect(settled).toBe(false);
      expect(committed).toMatchObject({ authorName: 'worker-2', status: null });
      expect((await emu.admin.messages(results)).some((m) => m.id === committed.messageId)).toBe(true);
      await expect(answer).rejects.not.toBeInstanceOf(HTTPError);
      const after = await emu.admin.events({ after: committed.seq - 1 });
      expect(after.events[0]).toMatchObject({ seq: committed.seq, status: 'dropped' });
    } finally {
      await emu.admin.clearFaults();
    }
  });

  it('keeps a bounded number of events and says which were dropped', async () => {
    const small = await startEmulator({ rateLimits: false, eventCapacity: 3 });
    try {
      const rest = restFor(small.world, small.world.tokens.submitter);
      for (let i = 0; i < 5; i++)
        await rest.post(Routes.channelMessages(small.world.channels.results), { body: { content: `m${i}` } });
      const page = await small.admin.events();
      expect(page.events.map((e) => e.seq)).toEqual([3, 4, 5]);
      expect(page).toMatchObject({ oldestSeq: 3, lastSeq: 5, hasMore: false });
      expect((await small.admin.events({ after: 3, limit: 1 })).events.map((e) => e.seq)).toEqual([4]);
      expect((await small.admin.events({ after: 3, limit: 1 })).hasMore).toBe(true);
      await small.admin.clearEvents();
      expect(await small.admin.events()).toMatchObject({ events: [], lastSeq: 5 });
    } finally {
      await small.close();
    }
  });
});
