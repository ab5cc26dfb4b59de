import { Routes, type APIMessage } from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('message content intent', () => {
  let blind: { userId: string; token: string };
  let channel: string;

  beforeAll(async () => {
    blind = await emu.admin.createBot({ name: 'no-intent', messageContentIntent: false });
    channel = (await emu.admin.createChannel({ name: 'intent' })).id;
  });

  const submitter = () => restFor(emu.world, emu.world.tokens.submitter);

  it('blanks content, embeds and attachments of other users’ messages for a bot without the intent', async () => {
    const m = (await submitter().post(Routes.channelMessages(channel), {
      body: { content: 'secret task', embeds: [{ title: 'e' }] },
      files: [{ name: 'a.txt', data: Buffer.from('file') }],
    })) as APIMessage;
    const rest = restFor(emu.world, blind.token);
    const got = (await rest.get(Routes.channelMessage(channel, m.id))) as APIMessage;
    expect(got.content).toBe('');
    expect(got.embeds).toEqual([]);
    expect(got.attachments).toEqual([]);
    expect(got.author.id).toBe(emu.world.users.submitter);
    const list = (await rest.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '1' }),
    })) as APIMessage[];
    expect(list[0]!.content).toBe('');
    // A bot with the intent sees everything.
    const full = (await restFor(emu.world, emu.world.tokens.workers[0]!).get(
      Routes.channelMessage(channel, m.id),
    )) as APIMessage;
    expect(full.content).toBe('secret task');
    expect(full.attachments).toHaveLength(1);
  });

  it('shows messages that mention the bot, and the bot’s own messages, in full', async () => {
    const rest = restFor(emu.world, blind.token);
    const mention = (await submitter().post(Routes.channelMessages(channel), {
      body: { content: `<@${blind.userId}> do this` },
    })) as APIMessage;
    expect(((await rest.get(Routes.channelMessage(channel, mention.id))) as APIMessage).content).toBe(
      `<@${blind.userId}> do this`,
    );
    // A mention that allowed_mentions suppresses is not a mention.
    const muted = (await submitter().post(Routes.channelMessages(channel), {
      body: { content: `<@${blind.userId}> quiet`, allowed_mentions: { parse: [] } },
    })) as APIMessage;
    expect(((await rest.get(Routes.channelMessage(channel, muted.id))) as APIMessage).content).toBe('');
    const own = (await rest.post(Routes.channelMessages(channel), {
      body: { content: 'mine' },
    })) as APIMessage;
    expect(own.content).toBe('mine');
    expect(((await rest.get(Routes.channelMessage(channel, own.id))) as APIMessage).content).toBe('mine');
  });

  it('blanks the referenced message of others in a create response', async () => {
    const rest = restFor(emu.world, blind.token);
    const original = (await submitter().post(Routes.channelMessages(channel), {
      body: { content: 'original' },
    })) as APIMessage;
    const reply = (await rest.post(Routes.channelMessages(channel), {
      body: { content: 'reply', message_reference: { message_id: original.id } },
    })) as APIMessage;
    expect(reply.content).toBe('reply');
    expect(reply.referenced_message?.content).toBe('');
  });

  it('follows the admin switch', async () => {
    const m = (await submitter().post(Routes.channelMessages(channel), {
      body: { content: 'now visible' },
    })) as APIMessage;
    await emu.admin.setMessageContentIntent(blind.userId, true);
    try {
      expect(
        ((await restFor(emu.world, blind.token).get(Routes.channelMessage(channel, m.id))) as APIMessage)
          .content,
      ).toBe('now visible');
    } finally {
      await emu.admin.setMessageContentIntent(blind.userId, false);
    }
    expect(
      ((await restFor(emu.world, blind.token).get(Routes.channelMessage(channel, m.id))) as APIMessage)
        .content,
    ).toBe('');
  });
});
