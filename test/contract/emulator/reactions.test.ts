import type { REST } from '@discordjs/rest';
import { PermissionFlagsBits, Routes, type APIMessage, type APIUser } from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false, workers: 4 });
const CHECK = encodeURIComponent('✅');

describe('reactions', () => {
  let submitter: REST;
  let workers: REST[];
  let channel: string;

  beforeAll(async () => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    workers = emu.world.tokens.workers.map((t) => restFor(emu.world, t));
    channel = emu.world.channels.taskQueue;
  });

  const post = async (content = 'task') =>
    (await submitter.post(Routes.channelMessages(channel), { body: { content } })) as APIMessage;

  it('lets two bots both add ✅ (both 204) and lists both, sorted by user id', async () => {
    const m = await post();
    // Add in reverse id order: the list must still come back sorted by id, not by time.
    const [a, b] = [workers[3]!, workers[0]!];
    await emu.admin.resetStats();
    await Promise.all([
      a.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK)),
      b.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK)),
    ]);
    const stats = await emu.admin.stats();
    expect(stats.byStatus).toEqual({ '204': 2 });
    const users = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK))) as APIUser[];
    const expected = [emu.world.users.workers[3]!, emu.world.users.workers[0]!].sort((x, y) =>
      BigInt(x) < BigInt(y) ? -1 : 1,
    );
    expect(users.map((u) => u.id)).toEqual(expected);
    const raw = (await emu.admin.messages(channel)).find((x) => x.id === m.id)!;
    expect(raw.reactions?.[0]?.count).toBe(2);
  });

  it('answers 204 with a real 204 status and no body', async () => {
    const m = await post();
    const res = await fetch(
      `${emu.world.apiUrl}/v10/channels/${channel}/messages/${m.id}/reactions/${CHECK}/@me`,
      {
        method: 'PUT',
        headers: { Authorization: `Bot ${emu.world.tokens.workers[0]!}` },
      },
    );
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('counts a repeated reaction by the same bot once', async () => {
    const m = await post();
    await workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    await workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    const got = (await submitter.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    expect(got.reactions).toHaveLength(1);
    expect(got.reactions?.[0]).toMatchObject({ count: 1, me: false, emoji: { id: null, name: '✅' } });
  });

  it('sets `me` relative to the requesting bot', async () => {
    const m = await post();
    await workers[1]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    const mine = (await workers[1]!.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    const theirs = (await workers[2]!.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    expect(mine.reactions?.[0]?.me).toBe(true);
    expect(theirs.reactions?.[0]?.me).toBe(false);
    const list = (await workers[1]!.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '1' }),
    })) as APIMessage[];
    expect(list[0]?.reactions?.[0]?.me).toBe(true);
  });

  it('pages the user list with after and limit (default 25, 1-100)', async () => {
    const m = await post();
    const extra = [];
    for (let i = 0; i < 27; i++) extra.push(await emu.admin.createBot({ name: `reactor-${i}` }));
    for (const bot of extra)
      await restFor(emu.world, bot.token).put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    const all = extra.map((b) => b.userId).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    const first = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK))) as APIUser[];
    expect(first.map((u) => u.id)).toEqual(all.slice(0, 25));
    const next = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK), {
      query: new URLSearchParams({ after: all[24]!, limit: '100' }),
    })) as APIUser[];
    expect(next.map((u) => u.id)).toEqual(all.slice(25));
    const two = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK), {
      query: new URLSearchParams({ limit: '2' }),
    })) as APIUser[];
    expect(two).toHaveLength(2);
    for (const limit of ['0', '101']) {
      const error = await discordError(
        submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK), {
          query: new URLSearchParams({ limit }),
        }),
      );
      expect(error.code).toBe(50035);
    }
  });

  it('refuses unknown custom emoji and non-emoji text with 400/10014, and accepts unicode emoji', async () => {
    const m = await post();
    for (const emoji of [
      'claimed:123456789012345678',
      'notanemoji',
      encodeURIComponent('a:party:123456789012345678'),
    ]) {
      const error = await discordError(
        workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, emoji)),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe(10014);
    }
    for (const emoji of ['🚫', '👍🏽', '❌', '🇺🇸', '1️⃣', '👨‍👩‍👧']) {
      await workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent(emoji)));
    }
    const got = (await submitter.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    expect(got.reactions?.map((r) => r.emoji.name)).toEqual(['🚫', '👍🏽', '❌', '🇺🇸', '1️⃣', '👨‍👩‍👧']);
  });

  it('removes own reactions, others only with MANAGE_MESSAGES, and all at once', async () => {
    const m = await post();
    await workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    await workers[1]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    await workers[0]!.delete(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    let users = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK))) as APIUser[];
    expect(users.map((u) => u.id)).toEqual([emu.world.users.workers[1]]);
    const operator = restFor(emu.world, emu.world.tokens.operator);
    const denied = await discordError(
      operator.delete(Routes.channelMessageUserReaction(channel, m.id, CHECK, emu.world.users.workers[1]!)),
    );
    expect(denied.code).toBe(50013);
    await workers[0]!.delete(
      Routes.channelMessageUserReaction(channel, m.id, CHECK, emu.world.users.workers[1]!),
    );
    users = (await submitter.get(Routes.channelMessageReaction(channel, m.id, CHECK))) as APIUser[];
    expect(users).toEqual([]);
    await workers[2]!.put(Routes.channelMessageOwnReaction(channel, m.id, CHECK));
    await workers[2]!.put(Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent('🚫')));
    await workers[0]!.delete(Routes.channelMessageAllReactions(channel, m.id));
    const got = (await submitter.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    expect(got.reactions).toBeUndefined();
  });

  it('needs ADD_REACTIONS only for the first reaction of an emoji', async () => {
    const own = (await emu.admin.createChannel({ name: 'no-react' })).id;
    const m = (await submitter.post(Routes.channelMessages(own), { body: { content: 'x' } })) as APIMessage;
    await emu.admin.denyPermission(own, emu.world.users.workers[1]!, PermissionFlagsBits.AddReactions);
    const error = await discordError(workers[1]!.put(Routes.channelMessageOwnReaction(own, m.id, CHECK)));
    expect(error.status).toBe(403);
    expect(error.code).toBe(50013);
    await workers[0]!.put(Routes.channelMessageOwnReaction(own, m.id, CHECK));
    await workers[1]!.put(Routes.channelMessageOwnReaction(own, m.id, CHECK));
    const users = (await submitter.get(Routes.channelMessageReaction(own, m.id, CHECK))) as APIUser[];
    expect(users).toHaveLength(2);
  });

  it('caps a message at 20 distinct emoji (30010) and answers 10008 for unknown messages', async () => {
    const m = await post();
    const emoji = [
      '😀',
      '😁',
      '😂',
      '🤣',
      '😃',
      '😄',
      '😅',
      '😆',
      '😉',
      '😊',
      '😋',
      '😎',
      '😍',
      '😘',
      '🥰',
      '😗',
      '😙',
      '😚',
      '🙂',
      '🤗',
    ];
    for (const e of emoji)
      await workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent(e)));
    const error = await discordError(
      workers[0]!.put(Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent('🤩'))),
    );
    expect(error.code).toBe(30010);
    const unknown = await discordError(
      workers[0]!.put(Routes.channelMessageOwnReaction(channel, '123456789012345678', CHECK)),
    );
    expect(unknown.status).toBe(404);
    expect(unknown.code).toBe(10008);
  });
});
