import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_EPOCH, snowflakeTime } from '../../../src/emulator/snowflake.js';
import { discordError, rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('messages', () => {
  let submitter: REST;
  let worker: REST;
  let channel: string;
  const ids: string[] = [];

  beforeAll(async () => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    worker = restFor(emu.world, emu.world.tokens.workers[0]!);
    channel = (await emu.admin.createChannel({ name: 'paging' })).id;
    for (let i = 0; i < 120; i++) {
      const m = (await submitter.post(Routes.channelMessages(channel), {
        body: { content: `m${i}` },
      })) as APIMessage;
      ids.push(m.id);
    }
  });

  it('creates a message with a real snowflake, author and timestamp, and gets it back', async () => {
    const before = Date.now();
    const m = (await submitter.post(Routes.channelMessages(emu.world.channels.results), {
      body: { content: 'hello' },
    })) as APIMessage;
    expect(m.id).toMatch(/^\d{17,20}$/);
    expect(snowflakeTime(m.id)).toBeGreaterThanOrEqual(before - 5);
    expect(snowflakeTime(m.id)).toBeLessThanOrEqual(Date.now() + 5);
    expect(BigInt(m.id) >> 22n).toBe(BigInt(snowflakeTime(m.id)) - DISCORD_EPOCH);
    expect(m.author.id).toBe(emu.world.users.submitter);
    expect(m.author.bot).toBe(true);
    expect(m.channel_id).toBe(emu.world.channels.results);
    expect(Date.parse(m.timestamp)).toBe(snowflakeTime(m.id));
    const got = (await worker.get(Routes.channelMessage(emu.world.channels.results, m.id))) as APIMessage;
    expect(got.content).toBe('hello');
    expect(got.id).toBe(m.id);
  });

  it('gives every message a unique, increasing id', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i]!) > BigInt(ids[i - 1]!)).toBe(true);
  });

  it('lists newest first, 50 by default', async () => {
    const list = (await worker.get(Routes.channelMessages(channel))) as APIMessage[];
    expect(list).toHaveLength(50);
    expect(list[0]!.content).toBe('m119');
    expect(list[49]!.content).toBe('m70');
  });

  it('pages with before and limit', async () => {
    const query = new URLSearchParams({ before: ids[10]!, limit: '3' });
    const list = (await worker.get(Routes.channelMessages(channel), { query })) as APIMessage[];
    expect(list.map((m) => m.content)).toEqual(['m9', 'm8', 'm7']);
  });

  it('returns the messages right after `after`, still newest first', async () => {
    const query = new URLSearchParams({ after: ids[10]!, limit: '3' });
    const list = (await worker.get(Routes.channelMessages(channel), { query })) as APIMessage[];
    expect(list.map((m) => m.content)).toEqual(['m13', 'm12', 'm11']);
  });

  it('after=<channel id> or after=0 starts from the oldest message', async () => {
    for (const after of [channel, '0']) {
      const list = (await worker.get(Routes.channelMessages(channel), {
        query: new URLSearchParams({ after, limit: '2' }),
      })) as APIMessage[];
      expect(list.map((m) => m.content)).toEqual(['m1', 'm0']);
    }
  });

  it('centres around a message', async () => {
    const query = new URLSearchParams({ around: ids[50]!, limit: '5' });
    const list = (await worker.get(Routes.channelMessages(channel), { query })) as APIMessage[];
    expect(list.map((m) => m.content)).toEqual(['m52', 'm51', 'm50', 'm49', 'm48']);
  });

  it('accepts limit 1 and 100 and refuses 0, 101 and two cursors with 50035', async () => {
    const one = (await worker.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '1' }),
    })) as APIMessage[];
    expect(one.map((m) => m.content)).toEqual(['m119']);
    const hundred = (await worker.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '100' }),
    })) as APIMessage[];
    expect(hundred).toHaveLength(100);
    const bad: Record<string, string>[] = [
      { limit: '0' },
      { limit: '101' },
      { limit: 'x' },
      { before: ids[5]!, after: ids[1]! },
    ];
    for (const query of bad) {
      const error = await discordError(
        worker.get(Routes.channelMessages(channel), { query: new URLSearchParams(query) }),
      );
      expect(error.status).toBe(400);
      expect(error.code).toBe(50035);
      expect(Object.keys((error.rawError as { errors: object }).errors).length).toBeGreaterThan(0);
    }
  });

  it('refuses content over 2000 characters with the errors tree', async () => {
    const error = await discordError(
      submitter.post(Routes.channelMessages(channel), { body: { content: 'x'.repeat(2001) } }),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe(50035);
    expect(error.rawError).toEqual({
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
      },
    });
    const ok = (await submitter.post(Routes.channelMessages(emu.world.channels.results), {
      body: { content: 'y'.repeat(2000) },
    })) as APIMessage;
    expect(ok.content).toHaveLength(2000);
  });

  it('refuses an empty message with 50006', async () => {
    for (const body of [{}, { content: '' }, { content: '   ' }, { embeds: [] }]) {
      const error = await discordError(submitter.post(Routes.channelMessages(channel), { body }));
      expect(error.status).toBe(400);
      expect(error.code).toBe(50006);
    }
    const embedOnly = (await submitter.post(Routes.channelMessages(emu.world.channels.results), {
      body: { embeds: [{ title: 't' }] },
    })) as APIMessage;
    expect(embedOnly.embeds[0]?.title).toBe('t');
  });

  it('lets only the author edit (50005 otherwise) and sets edited_timestamp', async () => {
    const m = (await submitter.post(Routes.channelMessages(emu.world.channels.results), {
      body: { content: 'v1' },
    })) as APIMessage;
    const error = await discordError(
      worker.patch(Routes.channelMessage(emu.world.channels.results, m.id), { body: { content: 'hacked' } }),
    );
    expect(error.status).toBe(403);
    expect(error.code).toBe(50005);
    const edited = (await submitter.patch(Routes.channelMessage(emu.world.channels.results, m.id), {
      body: { content: 'v2' },
    })) as APIMessage;
    expect(edited.content).toBe('v2');
    expect(edited.edited_timestamp).not.toBeNull();
    const got = (await worker.get(Routes.channelMessage(emu.world.channels.results, m.id))) as APIMessage;
    expect(got.content).toBe('v2');
  });

  it('deletes by the author, or by anyone with MANAGE_MESSAGES; 10008 afterwards', async () => {
    const results = emu.world.channels.results;
    const a = (await submitter.post(Routes.channelMessages(results), {
      body: { content: 'own' },
    })) as APIMessage;
    await submitter.delete(Routes.channelMessage(results, a.id));
    expect((await discordError(submitter.get(Routes.channelMessage(results, a.id)))).code).toBe(10008);
    expect((await discordError(submitter.delete(Routes.channelMessage(results, a.id)))).status).toBe(404);

    const b = (await submitter.post(Routes.channelMessages(results), {
      body: { content: 'other' },
    })) as APIMessage;
    const operator = restFor(emu.world, emu.world.tokens.operator);
    const denied = await discordError(operator.delete(Routes.channelMessage(results, b.id)));
    expect(denied.status).toBe(403);
    expect(denied.code).toBe(50013);
    await worker.delete(Routes.channelMessage(results, b.id));
    expect((await emu.admin.messages(results)).some((m) => m.id === b.id)).toBe(false);
  });

  it('bulk deletes 2-100 messages and refuses other counts', async () => {
    const bulk = (await emu.admin.createChannel({ name: 'bulk' })).id;
    const made: string[] = [];
    for (let i = 0; i < 3; i++)
      made.push(
        ((await submitter.post(Routes.channelMessages(bulk), { body: { content: `b${i}` } })) as APIMessage)
          .id,
      );
    for (const messages of [[made[0]], Array.from({ length: 101 }, () => made[0])]) {
      const error = await discordError(worker.post(Routes.channelBulkDelete(bulk), { body: { messages } }));
      expect(error.status).toBe(400);
      expect(error.code).toBe(50035);
    }
    await worker.post(Routes.channelBulkDelete(bulk), { body: { messages: made.slice(0, 2) } });
    expect((await emu.admin.messages(bulk)).map((m) => m.content)).toEqual(['b2']);
  });

  it('returns the existing message for a repeated nonce with enforce_nonce, and echoes the nonce', async () => {
    const results = emu.world.channels.results;
    const body = { content: 'once', nonce: 'outbox-1', enforce_nonce: true };
    const first = (await submitter.post(Routes.channelMessages(results), { body })) as APIMessage;
    const second = (await submitter.post(Routes.channelMessages(results), { body })) as APIMessage;
    expect(first.nonce).toBe('outbox-1');
    expect(second.id).toBe(first.id);
    expect((await emu.admin.messages(results)).filter((m) => m.content === 'once')).toHaveLength(1);
    // Another author with the same nonce gets its own message; without enforce_nonce nothing is deduplicated.
    const other = (await worker.post(Routes.channelMessages(results), { body })) as APIMessage;
    expect(other.id).not.toBe(first.id);
    const loose = (await submitter.post(Routes.channelMessages(results), {
      body: { content: 'loose', nonce: 'outbox-1' },
    })) as APIMessage;
    expect(loose.id).not.toBe(first.id);
    const tooLong = await discordError(
      submitter.post(Routes.channelMessages(results), { body: { content: 'x', nonce: 'n'.repeat(26) } }),
    );
    expect(tooLong.code).toBe(50035);
  });

  it('sets mention_everyone only when @everyone is allowed, and lists allowed user mentions', async () => {
    const results = emu.world.channels.results;
    const target = emu.world.users.workers[1]!;
    const post = async (body: Record<string, unknown>) =>
      (await submitter.post(Routes.channelMessages(results), { body })) as APIMessage;
    const content = `@everyone look <@${target}>`;
    const open = await post({ content });
    expect(open.mention_everyone).toBe(true);
    expect(open.mentions.map((u) => u.id)).toEqual([target]);
    const none = await post({ content, allowed_mentions: { parse: [] } });
    expect(none.mention_everyone).toBe(false);
    expect(none.mentions).toEqual([]);
    const usersOnly = await post({ content, allowed_mentions: { parse: ['users'] } });
    expect(usersOnly.mention_everyone).toBe(false);
    expect(usersOnly.mentions.map((u) => u.id)).toEqual([target]);
    const listed = await post({
      content: `@here <@${target}>`,
      allowed_mentions: { parse: ['everyone'], users: [target] },
    });
    expect(listed.mention_everyone).toBe(true);
    expect(listed.mentions.map((u) => u.id)).toEqual([target]);
    const exclusive = await discordError(
      post({ content, allowed_mentions: { parse: ['users'], users: [target] } }),
    );
    expect(exclusive.code).toBe(50035);
  });

  it('needs MENTION_EVERYONE for @everyone to ping', async () => {
    const results = emu.world.channels.results;
    const human = await emu.admin.createUser({ name: 'plain-member' });
    const rest = restFor(emu.world, human.token);
    const m = (await rest.post(Routes.channelMessages(results), {
      body: { content: '@everyone hi' },
    })) as APIMessage;
    expect(m.author.id).toBe(human.userId);
    expect(m.mention_everyone).toBe(false);
  });

  it('creates replies with message_reference and refuses unknown references', async () => {
    const results = emu.world.channels.results;
    const original = (await submitter.post(Routes.channelMessages(results), {
      body: { content: 'task' },
    })) as APIMessage;
    const reply = (await worker.post(Routes.channelMessages(results), {
      body: {
        content: 'retry',
        message_reference: { message_id: original.id },
        allowed_mentions: { parse: [] },
      },
    })) as APIMessage;
    expect(reply.type).toBe(19);
    expect(reply.message_reference?.message_id).toBe(original.id);
    expect(reply.referenced_message?.id).toBe(original.id);
    expect(reply.mentions).toEqual([]);
    const error = await discordError(
      worker.post(Routes.channelMessages(results), {
        body: { content: 'x', message_reference: { message_id: '1' } },
      }),
    );
    expect(error.code).toBe(50035);
  });

  it('answers 200 for create, as Discord does', async () => {
    const res = await rawRequest(emu.world, {
      method: 'POST',
      path: `/channels/${emu.world.channels.results}/messages`,
      token: emu.world.tokens.submitter,
      body: { content: 'raw' },
    });
    expect(res.status).toBe(200);
    expect((res.body as APIMessage).content).toBe('raw');
  });

  it('serves the same routes under /api/v9', async () => {
    const res = await fetch(`${emu.world.apiUrl}/v9/users/@me`, {
      headers: { Authorization: `Bot ${emu.world.tokens.submitter}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(emu.world.users.submitter);
  });
});
