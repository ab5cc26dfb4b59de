import type { REST } from '@discordjs/rest';
import {
  PermissionFlagsBits,
  Routes,
  type APIMessage,
  type APIThreadChannel,
  type RESTGetAPIGuildThreadsResult,
} from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('threads from messages', () => {
  let submitter: REST;
  let w1: REST;
  let w2: REST;
  let queue: string;

  beforeAll(() => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    w1 = restFor(emu.world, emu.world.tokens.workers[0]!);
    w2 = restFor(emu.world, emu.world.tokens.workers[1]!);
    queue = emu.world.channels.taskQueue;
  });

  const task = async (channel = queue) =>
    (await submitter.post(Routes.channelMessages(channel), { body: { content: 'task' } })) as APIMessage;
  const claim = (rest: REST, messageId: string, name = 'worker · claim', channel = queue) =>
    rest.post(Routes.threads(channel, messageId), {
      body: { name, auto_archive_duration: 1440 },
    }) as Promise<APIThreadChannel>;

  it('creates a public thread whose id is the message id, with metadata', async () => {
    const m = await task();
    const thread = await claim(w1, m.id, 'worker-1 · discord-1');
    expect(thread.id).toBe(m.id);
    expect(thread.type).toBe(11);
    expect(thread.parent_id).toBe(queue);
    expect(thread.owner_id).toBe(emu.world.users.workers[0]);
    expect(thread.name).toBe('worker-1 · discord-1');
    expect(thread.thread_metadata).toMatchObject({
      archived: false,
      locked: false,
      auto_archive_duration: 1440,
    });
    expect(typeof thread.thread_metadata?.archive_timestamp).toBe('string');
    const parent = (await submitter.get(Routes.channelMessage(queue, m.id))) as APIMessage;
    expect(parent.thread?.id).toBe(m.id);
    const fetched = (await w2.get(Routes.channel(m.id))) as APIThreadChannel;
    expect(fetched.name).toBe('worker-1 · discord-1');
  });

  it('refuses a second thread on the same message with 400/160004', async () => {
    const m = await task();
    await claim(w1, m.id);
    const error = await discordError(claim(w2, m.id));
    expect(error.status).toBe(400);
    expect(error.code).toBe(160004);
    expect(error.rawError).toEqual({
      code: 160004,
      message: 'A thread has already been created for this message',
    });
    // The same bot retrying also loses: it must check the thread, not trust a retry.
    expect((await discordError(claim(w1, m.id))).code).toBe(160004);
  });

  it('lets exactly one of many concurrent claimers win', async () => {
    const m = await task();
    const outcomes = await Promise.allSettled(
      emu.world.tokens.workers.map((t, i) => claim(restFor(emu.world, t), m.id, `worker-${i + 1}`)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes
        .filter((o) => o.status === 'rejected')
        .map((o) => ((o as PromiseRejectedResult).reason as { code: number }).code),
    ).toEqual(Array(emu.world.tokens.workers.length - 1).fill(160004));
  });

  it('validates name (1-100) and auto_archive_duration', async () => {
    const m = await task();
    for (const body of [
      { name: '' },
      { name: 'x'.repeat(101) },
      {},
      { name: 'ok', auto_archive_duration: 30 },
    ]) {
      const error = await discordError(w1.post(Routes.threads(queue, m.id), { body }));
      expect(error.status).toBe(400);
      expect(error.code).toBe(50035);
    }
    const unknown = await discordError(claim(w1, '123456789012345678'));
    expect(unknown.code).toBe(10008);
  });

  it('carries messages inside the thread, listed newest first', async () => {
    const m = await task();
    await claim(w1, m.id);
    await w1.post(Routes.channelMessages(m.id), { body: { content: 'progress 1' } });
    await w1.post(Routes.channelMessages(m.id), { body: { content: 'progress 2' } });
    const list = (await w2.get(Routes.channelMessages(m.id))) as APIMessage[];
    expect(list.map((x) => x.content)).toEqual(['progress 2', 'progress 1']);
    expect(list[0]!.channel_id).toBe(m.id);
    const thread = (await w1.get(Routes.channel(m.id))) as APIThreadChannel;
    expect(thread.message_count).toBe(2);
  });

  it('unarchives a thread by PATCH, and locking needs MANAGE_THREADS (archive rules: thread-archive.test.ts)', async () => {
    const m = await task();
    await claim(w1, m.id);
    const archived = (await w1.patch(Routes.channel(m.id), { body: { archived: true } })) as APIThreadChannel;
    expect(archived.thread_metadata?.archived).toBe(true);
    const back = (await w1.patch(Routes.channel(m.id), { body: { archived: false } })) as APIThreadChannel;
    expect(back.thread_metadata?.archived).toBe(false);
    const human = await emu.admin.createUser({ name: 'locker-test' });
    const person = restFor(emu.world, human.token);
    expect((await discordError(person.patch(Routes.channel(m.id), { body: { locked: true } }))).code).toBe(
      50013,
    );
    const locked = (await w1.patch(Routes.channel(m.id), { body: { locked: true } })) as APIThreadChannel;
    expect(locked.thread_metadata?.locked).toBe(true);
  });

  it('lists active threads of the guild, not archived ones', async () => {
    const a = await task();
    const b = await task();
    await claim(w1, a.id);
    await claim(w1, b.id);
    await w1.patch(Routes.channel(b.id), { body: { archived: true } });
    const active = (await w2.get(
      Routes.guildActiveThreads(emu.world.guildId),
    )) as RESTGetAPIGuildThreadsResult;
    const ids = active.threads.map((t) => t.id);
    expect(ids).toContain(a.id);
    expect(ids).not.toContain(b.id);
  });

  it('needs CREATE_PUBLIC_THREADS on the parent (403/50013) and SEND_MESSAGES_IN_THREADS to post inside', async () => {
    const channel = (await emu.admin.createChannel({ name: 'thread-perms' })).id;
    const m = await task(channel);
    await emu.admin.denyPermission(
      channel,
      emu.world.users.workers[1]!,
      PermissionFlagsBits.CreatePublicThreads,
    );
    const error = await discordError(claim(w2, m.id, 'x', channel));
    expect(error.status).toBe(403);
    expect(error.code).toBe(50013);
    expect(error.rawError).toEqual({ message: 'Missing Permissions', code: 50013 });
    await claim(w1, m.id, 'x', channel);
    await emu.admin.denyPermission(
      channel,
      emu.world.users.workers[1]!,
      PermissionFlagsBits.SendMessagesInThreads,
    );
    const post = await discordError(w2.post(Routes.channelMessages(m.id), { body: { content: 'no' } }));
    expect(post.code).toBe(50013);
    // SEND_MESSAGES has no effect inside threads.
    await emu.admin.denyPermission(channel, emu.world.users.workers[0]!, PermissionFlagsBits.SendMessages);
    await w1.post(Routes.channelMessages(m.id), { body: { content: 'still fine' } });
    expect(
      (await discordError(w1.post(Routes.channelMessages(channel), { body: { content: 'no' } }))).code,
    ).toBe(50013);
  });

  it('caps active threads per guild (400/160006); archiving frees a slot', async () => {
    const active = (await w1.get(
      Routes.guildActiveThreads(emu.world.guildId),
    )) as RESTGetAPIGuildThreadsResult;
    await emu.admin.setActiveThreadLimit(active.threads.length + 1);
    try {
      const a = await task();
      await claim(w1, a.id);
      const b = await task();
      const error = await discordError(claim(w2, b.id));
      expect(error.status).toBe(400);
      expect(error.code).toBe(160006);
      await w1.patch(Routes.channel(a.id), { body: { archived: true } });
      await claim(w2, b.id);
    } finally {
      await emu.admin.setActiveThreadLimit(1000);
    }
  });

  it('refuses a thread from a message inside a thread (50024)', async () => {
    const m = await task();
    await claim(w1, m.id);
    const inner = (await w1.post(Routes.channelMessages(m.id), { body: { content: 'inner' } })) as APIMessage;
    const error = await discordError(claim(w1, inner.id, 'nested', m.id));
    expect(error.code).toBe(50024);
  });

  it('lists archived public threads of a channel, newest archive first', async () => {
    const channel = (await emu.admin.createChannel({ name: 'archive-list' })).id;
    const a = await task(channel);
    const b = await task(channel);
    await claim(w1, a.id, 'a', channel);
    await claim(w1, b.id, 'b', channel);
    await w1.patch(Routes.channel(a.id), { body: { archived: true } });
    await new Promise((r) => setTimeout(r, 5));
    await w1.patch(Routes.channel(b.id), { body: { archived: true } });
    const listed = (await w2.get(Routes.channelThreads(channel, 'public'))) as {
      threads: APIThreadChannel[];
      has_more: boolean;
    };
    expect(listed.threads.map((t) => t.name)).toEqual(['b', 'a']);
    expect(listed.has_more).toBe(false);
  });

  it('deletes a thread only with MANAGE_THREADS, and a deleted thread is not re-creatable', async () => {
    const m = await task();
    await claim(w1, m.id);
    const person = restFor(emu.world, (await emu.admin.createUser({ name: 'deleter' })).token);
    expect((await discordError(person.delete(Routes.channel(m.id)))).code).toBe(50013);
    await w2.delete(Routes.channel(m.id));
    expect((await discordError(w1.get(Routes.channel(m.id)))).code).toBe(10003);
    expect((await discordError(claim(w2, m.id))).code).toBe(160004);
  });

  it('lets members join a thread and send typing', async () => {
    const m = await task();
    await claim(w1, m.id);
    // threads.mdx: getting a channel returns "the thread member object for the current user as a property on the
    // channel, if the current user is a member of the thread."
    expect(((await w2.get(Routes.channel(m.id))) as APIThreadChannel).member).toBeUndefined();
    await w2.put(Routes.threadMembers(m.id, '@me'));
    await w2.post(Routes.channelTyping(m.id));
    const thread = (await w1.get(Routes.channel(m.id))) as APIThreadChannel;
    expect(thread.member_count).toBe(2);
    expect(thread.member).toMatchObject({ id: m.id, user_id: emu.world.users.workers[0] });
    expect(((await w2.get(Routes.channel(m.id))) as APIThreadChannel).member?.user_id).toBe(
      emu.world.users.workers[1],
    );
  });
});
