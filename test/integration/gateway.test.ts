/**
 * Push mode's gateway client (`TaskGateway`) and the task feed built on it, against the emulator's gateway: new
 * tasks arrive without a poll, claims and deletions take them out, a dropped connection is resumed with what was
 * missed, fatal close codes stop push mode with a message naming the token's key and the fix, and the IDENTIFY
 * budget ([gw] "Identifying": 1000 a day, token reset when spent) is guarded.
 */
import { GatewayIntentBits as I, Routes, type APIMessage } from 'discord-api-types/v10';
import { WebSocketManager } from '@discordjs/ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createRest } from '../../src/bus/discord/rest.js';
import { GATEWAY_INTENTS, TaskGateway, type TaskGatewayOptions } from '../../src/bus/discord/gateway.js';
import { TaskFeed } from '../../src/bus/discord/task-feed.js';
import { ConfigError } from '../../src/lib/errors.js';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { NO_IDENTIFY_SPACING } from '../helpers/gateway.js';
import { waitFor } from '../helpers/fleet.js';

// Heartbeats every 300 ms so zombie detection is quick; a slow machine must not trip the server's own timeout.
const emu = useEmulator({
  rateLimits: false,
  gateway: { heartbeatIntervalMs: 300, heartbeatTimeoutFactor: 20, identifyWindowMs: 0 },
});

const open: { gateway: TaskGateway; feed?: TaskFeed }[] = [];
afterEach(async () => {
  for (const { gateway, feed } of open.splice(0)) {
    feed?.close();
    await gateway.close();
  }
  await emu.admin.gateway.clearFaults();
});

/** A gateway (and feed over `#task-queue`) for `token`, recording what it emits. */
function connect(token: string, extra: Partial<TaskGatewayOptions> = {}) {
  const gateway = new TaskGateway({
    token,
    tokenKey: 'WORKER1_TOKEN',
    rest: createRest({ apiUrl: emu.world.apiUrl, token }),
    identifyThrottler: NO_IDENTIFY_SPACING,
    ...extra,
  });
  const feed = new TaskFeed(gateway, { taskQueueChannel: emu.world.channels.taskQueue, retrySettleMs: 200 });
  const events: string[] = [];
  const fatal: Error[] = [];
  const debug: string[] = [];
  gateway.on('up', ({ resumed }) => events.push(resumed ? 'resumed' : 'ready'));
  gateway.on('down', ({ code }) => events.push(`down ${code}`));
  gateway.on('fatal', (error) => fatal.push(error));
  gateway.on('debug', (m) => debug.push(m));
  open.push({ gateway, feed });
  return { gateway, feed, events, fatal, debug };
}

const post = async (
  content: string,
  token = emu.world.tokens.submitter,
  channel = emu.world.channels.taskQueue,
) =>
  (await restFor(emu.world, token).post(Routes.channelMessages(channel), {
    body: { content },
  })) as APIMessage;

/** Take everything the feed has now, as task ids. */
function drain(feed: TaskFeed): string[] {
  const ids: string[] = [];
  for (let t = feed.take(); t; t = feed.take()) ids.push(t.taskId);
  return ids;
}

async function freshBot(name: string, messageContentIntent = true) {
  return emu.admin.createBot({ name, messageContentIntent });
}

describe('TaskGateway and TaskFeed', () => {
  it('pushes a new task with its text and author roles, without a poll; other channels are ignored', async () => {
    const bot = await freshBot('push');
    await emu.admin.resetStats();
    const { gateway, feed, events } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    expect(events).toEqual(['ready']);
    const role = await emu.admin.createRole({ name: 'submitters' });
    const person = await emu.admin.createUser({ name: 'alice', roles: [role.id] });
    const other = await emu.admin.createChannel({ name: 'elsewhere' });
    await post('not a task', emu.world.tokens.submitter, other.id);
    const task = await post('[model:cheap] summarise', person.token);
    await waitFor(async () => feed.size > 0 || undefined, 10_000, 'the pushed task');
    const pushed = feed.take()!;
    expect(pushed.taskId).toBe(`discord-${task.id}`);
    const payload = pushed.payload as APIMessage & { member?: { roles: string[] } };
    // The Message Content intent is asked for: the text is there; so are the roles the allowlist needs.
    expect(payload.content).toBe('[model:cheap] summarise');
    expect(payload.member?.roles).toContain(role.id);
    expect(feed.take()).toBeNull();
    // Nothing was polled: besides the two posts, the only REST request was GET /gateway/bot.
    expect((await emu.admin.stats()).byRoute).toEqual({
      'GET /gateway/bot': 1,
      'POST /channels/{channel_id}/messages': 2,
    });
  });

  it('identifies once with Guilds, GuildMessages and MessageContent (33281), and nothing privileged besides', async () => {
    const bot = await freshBot('intents');
    const seen: number[] = [];
    const { gateway } = connect(bot.token, {
      createManager: (options) => {
        seen.push(options.intents!);
        return new WebSocketManager(options as ConstructorParameters<typeof WebSocketManager>[0]);
      },
    });
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    expect(GATEWAY_INTENTS).toBe(I.Guilds | I.GuildMessages | I.MessageContent);
    expect(GATEWAY_INTENTS).toBe(33281);
    expect(seen).toEqual([33281]);
    expect((await emu.admin.gateway.stats()).byBot.intents).toMatchObject({ identifies: 1 });
  });

  it('forgets a task once a thread is created from it (anyone claimed it) or it is deleted', async () => {
    const bot = await freshBot('forget');
    const { gateway, feed } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    const [a, b, c] = [await post('a'), await post('b'), await post('c')];
    await waitFor(async () => feed.size === 3 || undefined, 10_000, 'three pushes');
    const worker = restFor(emu.world, emu.world.tokens.workers[0]!);
    await worker.post(Routes.threads(emu.world.channels.taskQueue, a.id), {
      body: { name: 'worker-1 · claim' },
    });
    await worker.delete(Routes.channelMessage(emu.world.channels.taskQueue, b.id));
    await waitFor(async () => feed.size === 1 || undefined, 10_000, 'the claim and the delete to arrive');
    expect(drain(feed)).toEqual([`discord-${c.id}`]);
  });

  it('holds a retry copy until it has settled', async () => {
    const bot = await freshBot('settle');
    const { gateway, feed } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    const copy = await post('[retry:1] [origin:discord-1] [author:1] again');
    await waitFor(async () => feed.size === 1 || undefined, 10_000, 'the push');
    // retrySettleMs is 200 here: not handed out at once, handed out later (and the feed says when).
    const posted = Date.parse(copy.timestamp);
    if (Date.now() - posted < 150) expect(feed.take()).toBeNull();
    const changed = new Promise<void>((resolve) => feed.onChange(resolve));
    if (Date.now() - posted < 150) await changed;
    await waitFor(async () => feed.take() ?? undefined, 5000, 'the settled copy');
  });

  it('resumes after a dropped connection: the tasks posted meanwhile arrive once, and no new IDENTIFY', async () => {
    const bot = await freshBot('drop');
    const { gateway, feed, events } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    const epoch = feed.epoch;
    await emu.admin.gateway.partition({ userId: bot.userId });
    const missed = [await post('m1'), await post('m2')];
    await emu.admin.gateway.disconnect({ userId: bot.userId });
    await waitFor(async () => events.includes('resumed') || undefined, 10_000, 'RESUMED');
    await waitFor(async () => feed.size === 2 || undefined, 10_000, 'the replayed pushes');
    expect(drain(feed)).toEqual(missed.map((m) => `discord-${m.id}`));
    expect(events).toEqual(['ready', 'down 1006', 'resumed']);
    // Resumed: nothing was missed, so pollers need not catch up.
    expect(feed.epoch).toBe(epoch);
    expect((await emu.admin.gateway.stats()).byBot.drop).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('a new session after a gap that could not be resumed bumps the epoch (pollers catch up once)', async () => {
    const bot = await freshBot('gap');
    const { gateway, feed, events } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    const epoch = feed.epoch;
    await emu.admin.gateway.invalidSession({ userId: bot.userId, resumable: false });
    await waitFor(
      async () => events.filter((e) => e === 'ready').length === 2 || undefined,
      10_000,
      'a new READY',
    );
    expect(feed.epoch).toBe(epoch + 1);
  });

  it('stops on 4004 (the token was reset) with a message naming the key and the fix; no reconnect loop', async () => {
    const bot = await freshBot('reset');
    const { gateway, fatal, debug } = connect(bot.token);
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    await emu.admin.gateway.resetToken(bot.userId);
    await emu.admin.gateway.disconnect({ userId: bot.userId, code: 4000 });
    await waitFor(async () => fatal[0], 10_000, 'the fatal close');
    expect(fatal[0]).toBeInstanceOf(ConfigError);
    expect(fatal[0]!.message).toMatch(/WORKER1_TOKEN: the Discord gateway closed with 4004/);
    expect(fatal[0]!.message).toMatch(/Reset Token\) into WORKER1_TOKEN/);
    expect(gateway.live).toBe(false);
    expect(gateway.stopped).toBe(true);
    const stats = (await emu.admin.gateway.stats()).byBot.reset!;
    expect(stats.identifies).toBe(1);
    expect(stats.open).toBe(0);
    // The token never shows in what the gateway says.
    expect(debug.join('\n')).not.toContain(bot.token);
  });

  it('stops on 4014 (Message Content intent off) naming the Developer Portal switch', async () => {
    const blind = await freshBot('blind', false);
    const { gateway, fatal } = connect(blind.token);
    await gateway.start();
    await waitFor(async () => fatal[0], 10_000, 'the fatal close');
    expect(fatal[0]!.message).toMatch(/4014 \(disallowed intents/);
    expect(fatal[0]!.message).toMatch(/Privileged Gateway Intents → Message Content Intent/);
    expect(gateway.stopped).toBe(true);
    // Refused at IDENTIFY, once: no session, no retry.
    const stats = await emu.admin.gateway.stats();
    expect(stats.byBot.blind).toBeUndefined();
    expect(stats.closedByServer['4014']).toBe(1);
  });

  it('close() in the middle of the handshake ends it for good (no reconnect behind our back)', async () => {
    const bot = await freshBot('early-close');
    for (let round = 0; round < 3; round++) {
      const { gateway, debug } = connect(bot.token);
      await gateway.start();
      // Wait until the shard is waiting for HELLO or READY, then close: @discordjs/ws 2.0.4 would reconnect 500 ms
      // later (its wait fails, and it "recovers").
      await waitFor(
        async () => debug.some((m) => /Waiting for event (hello|ready)/.test(m)) || undefined,
        10_000,
        'the handshake',
      );
      await gateway.close();
      const connects = debug.filter((m) => m.includes('Connecting to')).length;
      expect(connects).toBeGreaterThanOrEqual(1);
      // No event says "did not reconnect": wait past the library's reconnect delay (500 ms after the aborted wait,
      // `WebSocketShard.destroy({ recover })` in @discordjs/ws 2.0.4), then look.
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(debug.filter((m) => m.includes('Connecting to')).length).toBe(connects);
      expect((await emu.admin.gateway.stats()).byBot['early-close']?.open ?? 0).toBe(0);
    }
  });

  it('does not identify when GET /gateway/bot says the day budget is nearly spent', async () => {
    const bot = await freshBot('budget');
    await emu.admin.gateway.configure({ sessionStartLimit: 5 });
    try {
      const { gateway } = connect(bot.token, { reserveSessionStarts: 10 });
      await expect(gateway.start()).rejects.toThrow(/only 5 gateway logins left today/);
      expect(gateway.stopped).toBe(true);
      expect((await emu.admin.gateway.stats()).byBot.budget).toBeUndefined();
    } finally {
      await emu.admin.gateway.configure({ sessionStartLimit: 1000 });
    }
  });

  it('turns push off after too many new sessions in a day (a flapping network must not spend the budget)', async () => {
    const bot = await freshBot('flap');
    const { gateway, fatal } = connect(bot.token, { maxIdentifiesPerDay: 1 });
    await gateway.start();
    await waitFor(async () => gateway.live || undefined, 10_000, 'READY');
    await emu.admin.gateway.invalidSession({ userId: bot.userId, resumable: false });
    await waitFor(async () => fatal[0], 10_000, 'push mode off');
    expect(fatal[0]!.message).toMatch(/2 new sessions in 24 h/);
    expect(gateway.stopped).toBe(true);
  });
});
