/**
 * Dispatches of REST activity, received through `@discordjs/ws` (the product's gateway client): READY and
 * GUILD_CREATE, messages with the MESSAGE_CONTENT rule of [gw] "Message Content Intent", threads, reactions, and
 * the intent and permission filters. "Nothing arrived" is proven with a later barrier event on the same session:
 * a session's dispatches arrive in order, so once the barrier is in, an earlier event would be too.
 */
import {
  GatewayIntentBits as I,
  PermissionFlagsBits,
  Routes,
  type APIMessage,
  type GatewayGuildCreateDispatchData,
} from 'discord-api-types/v10';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../../helpers/emulator.js';
import { recordedGateway, type RecordedGateway } from '../../helpers/gateway.js';

// A slow test machine must not trip the server's heartbeat timeout; the protocol tests cover that rule.
const emu = useEmulator({
  rateLimits: false,
  gateway: { heartbeatIntervalMs: 1000, heartbeatTimeoutFactor: 10, identifyWindowMs: 0 },
});

const clients: RecordedGateway[] = [];
async function connected(token: string, intents: number): Promise<RecordedGateway> {
  const client = recordedGateway(emu.world, { token, intents });
  clients.push(client);
  await client.connect();
  return client;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
});

const submitter = () => restFor(emu.world, emu.world.tokens.submitter);
const post = async (channel: string, body: Record<string, unknown>, token = emu.world.tokens.submitter) =>
  (await restFor(emu.world, token).post(Routes.channelMessages(channel), { body })) as APIMessage;
const created = (client: RecordedGateway, id: string) =>
  client.dispatch('MESSAGE_CREATE', (p) => p.d.id === id);

describe('gateway dispatches', () => {
  let channel: string;
  beforeAll(async () => {
    channel = (await emu.admin.createChannel({ name: 'gateway-events' })).id;
  });

  it('sends READY (v, user, unavailable guilds, session, resume URL, application) and a GUILD_CREATE with channels and threads', async () => {
    const starter = await post(channel, { content: 'thread starter' });
    await submitter().post(Routes.threads(channel, starter.id), { body: { name: 'active thread' } });
    const worker = await connected(emu.world.tokens.workers[0]!, I.Guilds | I.GuildMessages);
    const ready = await worker.dispatch('READY');
    expect(ready.s).toBe(1);
    expect(ready.d).toMatchObject({
      v: 10,
      user: { id: emu.world.users.workers[0], bot: true },
      guilds: [{ id: emu.world.guildId, unavailable: true }],
      application: { id: emu.world.users.workers[0], flags: expect.any(Number) },
      shard: [0, 1],
    });
    expect(ready.d.session_id).toMatch(/^[0-9a-f]{32}$/);
    expect(ready.d.resume_gateway_url).toMatch(/\/gateway\/resume$/);
    const guild = (await worker.dispatch('GUILD_CREATE')).d as GatewayGuildCreateDispatchData;
    expect(guild).toMatchObject({ id: emu.world.guildId, unavailable: false, large: false });
    expect(guild.channels.map((c) => c.id)).toEqual(
      expect.arrayContaining([emu.world.channels.taskQueue, emu.world.channels.results, channel]),
    );
    expect(guild.threads.map((t) => t.id)).toContain(starter.id);
    expect(guild.members.map((m) => m.user.id)).toEqual([emu.world.users.workers[0]]);
  });

  it('sends no GUILD_CREATE without the GUILDS intent', async () => {
    const worker = await connected(emu.world.tokens.workers[0]!, I.GuildMessages);
    await worker.dispatch('READY');
    const barrier = await post(channel, { content: 'barrier' });
    await created(worker, barrier.id);
    expect(worker.dispatches().map((p) => p.t)).toEqual(['READY', 'MESSAGE_CREATE']);
  });

  it('sends MESSAGE_CREATE for a message posted over REST, with content, guild_id, member and nonce, and increasing s', async () => {
    const worker = await connected(emu.world.tokens.workers[0]!, I.GuildMessages | I.MessageContent);
    const first = await post(channel, { content: 'task one', nonce: 'n-1' });
    const second = await post(channel, { content: 'task two' });
    const a = await created(worker, first.id);
    const b = await created(worker, second.id);
    expect(a.d).toMatchObject({
      content: 'task one',
      channel_id: channel,
      guild_id: emu.world.guildId,
      author: { id: emu.world.users.submitter },
      member: { roles: expect.any(Array), joined_at: expect.any(String) },
      nonce: 'n-1',
    });
    expect(a.d.member).not.toHaveProperty('user');
    const seqs = worker.dispatches().map((p) => p.s);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(b.s).toBe(a.s + 1);
  });

  it('blanks content, embeds and attachments without the MESSAGE_CONTENT intent, except the bot’s own messages and mentions', async () => {
    const bot = emu.world.users.workers[1]!;
    const token = emu.world.tokens.workers[1]!;
    // The app has the intent enabled but does not ask for it in IDENTIFY: content is blank on the gateway.
    const worker = await connected(token, I.GuildMessages);
    const secret = await restFor(emu.world, emu.world.tokens.submitter).post(
      Routes.channelMessages(channel),
      {
        body: { content: 'secret', embeds: [{ title: 'e' }] },
        files: [{ name: 'a.txt', data: Buffer.from('file') }],
      },
    );
    const hidden = await created(worker, (secret as APIMessage).id);
    expect(hidden.d).toMatchObject({ content: '', embeds: [], attachments: [], components: [] });
    const mention = await post(channel, { content: `<@${bot}> do this` });
    expect((await created(worker, mention.id)).d.content).toBe(`<@${bot}> do this`);
    expect((await created(worker, mention.id)).d.mentions[0]).toMatchObject({
      id: bot,
      member: expect.any(Object),
    });
    const own = await post(channel, { content: 'mine' }, token);
    expect((await created(worker, own.id)).d.content).toBe('mine');
  });

  it('shows a stranger’s message with its author and member', async () => {
    const stranger = await emu.admin.createUser({ name: 'stranger' });
    const worker = await connected(emu.world.tokens.workers[0]!, I.GuildMessages | I.MessageContent);
    const message = await post(channel, { content: 'not from the submitter' }, stranger.token);
    const event = await created(worker, message.id);
    expect(event.d).toMatchObject({ content: 'not from the submitter', author: { id: stranger.userId } });
    expect(event.d.member).toBeDefined();
  });

  it('sends MESSAGE_UPDATE on an edit and MESSAGE_DELETE on a delete', async () => {
    const worker = await connected(emu.world.tokens.workers[0]!, I.GuildMessages | I.MessageContent);
    const message = await post(channel, { content: 'draft' });
    await submitter().patch(Routes.channelMessage(channel, message.id), { body: { content: 'final' } });
    const update = await worker.dispatch('MESSAGE_UPDATE', (p) => p.d.id === message.id);
    expect(update.d).toMatchObject({ content: 'final', edited_timestamp: expect.any(String), tts: false });
    await submitter().delete(Routes.channelMessage(channel, message.id));
    const deleted = await worker.dispatch('MESSAGE_DELETE', (p) => p.d.id === message.id);
    expect(deleted.d).toEqual({ id: message.id, channel_id: channel, guild_id: emu.world.guildId });
  });

  it('sends THREAD_CREATE (newly_created) and a MESSAGE_UPDATE with `thread` when a thread starts, THREAD_UPDATE on archive', async () => {
    const worker = await connected(emu.world.tokens.workers[0]!, I.Guilds | I.GuildMessages);
    const task = await post(channel, { content: 'claim me' });
    await restFor(emu.world, emu.world.tokens.workers[2]!).post(Routes.threads(channel, task.id), {
      body: { name: 'claimed by worker-3' },
    });
    const thread = await worker.dispatch('THREAD_CREATE', (p) => p.d.id === task.id);
    expect(thread.d).toMatchObject({
      id: task.id,
      parent_id: channel,
      name: 'claimed by worker-3',
      owner_id: emu.world.users.workers[2],
      newly_created: true,
    });
    const update = await worker.dispatch('MESSAGE_UPDATE', (p) => p.d.id === task.id);
    expect(update.d).toMatchObject({ thread: { id: task.id } });
    const inThread = await post(task.id, { content: 'heartbeat' }, emu.world.tokens.workers[2]!);
    expect((await created(worker, inThread.id)).d).toMatchObject({
      channel_id: task.id,
      guild_id: emu.world.guildId,
    });
    await restFor(emu.world, emu.world.tokens.workers[2]!).patch(Routes.channel(task.id), {
      body: { archived: true },
    });
    const archived = await worker.dispatch('THREAD_UPDATE', (p) => p.d.id === task.id);
    expect(archived.d).toMatchObject({ thread_metadata: { archived: true } });
  });

  it('sends reaction events only to sessions with GUILD_MESSAGE_REACTIONS', async () => {
    const withIntent = await connected(
      emu.world.tokens.workers[0]!,
      I.GuildMessages | I.GuildMessageReactions,
    );
    const without = await connected(emu.world.tokens.workers[1]!, I.GuildMessages);
    const message = await post(channel, { content: 'react here' });
    const emoji = encodeURIComponent('👍');
    await restFor(emu.world, emu.world.tokens.workers[2]!).put(
      Routes.channelMessageOwnReaction(channel, message.id, emoji),
    );
    const add = await withIntent.dispatch('MESSAGE_REACTION_ADD');
    expect(add.d).toMatchObject({
      user_id: emu.world.users.workers[2],
      message_id: message.id,
      channel_id: channel,
      guild_id: emu.world.guildId,
      emoji: { id: null, name: '👍' },
      message_author_id: emu.world.users.submitter,
      member: { user: { id: emu.world.users.workers[2] } },
      burst: false,
      type: 0,
    });
    await restFor(emu.world, emu.world.tokens.workers[2]!).delete(
      Routes.channelMessageOwnReaction(channel, message.id, emoji),
    );
    await withIntent.dispatch('MESSAGE_REACTION_REMOVE', (p) => p.d.message_id === message.id);
    const barrier = await post(channel, { content: 'barrier' });
    await created(without, barrier.id);
    expect(without.dispatches().some((p) => p.t.startsWith('MESSAGE_REACTION'))).toBe(false);
  });

  it('sends nothing about a channel the bot cannot view', async () => {
    const hidden = (await emu.admin.createChannel({ name: 'hidden-from-worker' })).id;
    const bot = emu.world.users.workers[0]!;
    await emu.admin.denyPermission(hidden, bot, PermissionFlagsBits.ViewChannel);
    const worker = await connected(emu.world.tokens.workers[0]!, I.Guilds | I.GuildMessages);
    await post(hidden, { content: 'you cannot see this' });
    const barrier = await post(channel, { content: 'barrier' });
    await created(worker, barrier.id);
    expect(worker.dispatches().filter((p) => p.t === 'MESSAGE_CREATE')).toHaveLength(1);
    // Allowing it again lets the next message through.
    await emu.admin.clearPermissions(hidden, bot);
    const visible = await post(hidden, { content: 'now you can' });
    await created(worker, visible.id);
  });

  it('sends MESSAGE_DELETE_BULK, MESSAGE_REACTION_REMOVE_ALL and THREAD_DELETE', async () => {
    const worker = await connected(
      emu.world.tokens.workers[0]!,
      I.Guilds | I.GuildMessages | I.GuildMessageReactions,
    );
    const a = await post(channel, { content: 'bulk a' });
    const b = await post(channel, { content: 'bulk b' });
    await submitter().put(Routes.channelMessageOwnReaction(channel, a.id, encodeURIComponent('✅')));
    await submitter().delete(Routes.channelMessageAllReactions(channel, a.id));
    const cleared = await worker.dispatch('MESSAGE_REACTION_REMOVE_ALL', (p) => p.d.message_id === a.id);
    expect(cleared.d).toEqual({ channel_id: channel, message_id: a.id, guild_id: emu.world.guildId });
    await submitter().post(Routes.threads(channel, b.id), { body: { name: 'short-lived' } });
    await restFor(emu.world, emu.world.tokens.workers[0]!).delete(Routes.channel(b.id));
    const gone = await worker.dispatch('THREAD_DELETE', (p) => p.d.id === b.id);
    expect(gone.d).toEqual({ id: b.id, guild_id: emu.world.guildId, parent_id: channel, type: 11 });
    await restFor(emu.world, emu.world.tokens.workers[0]!).post(Routes.channelBulkDelete(channel), {
      body: { messages: [a.id, b.id] },
    });
    const bulk = await worker.dispatch('MESSAGE_DELETE_BULK');
    expect(bulk.d).toEqual({ ids: [a.id, b.id], channel_id: channel, guild_id: emu.world.guildId });
  });

  it('sends CHANNEL_CREATE when a channel is added', async () => {
    const worker = await connected(emu.world.tokens.workers[0]!, I.Guilds);
    const added = await emu.admin.createChannel({ name: 'brand-new' });
    const event = await worker.dispatch('CHANNEL_CREATE', (p) => p.d.id === added.id);
    expect(event.d).toMatchObject({ name: 'brand-new', guild_id: emu.world.guildId });
  });
});
