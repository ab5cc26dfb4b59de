/**
 * Gateway faults against `@discordjs/ws`: dropped and half-open connections are resumed with the missed events
 * replayed once, in order; INVALID_SESSION, RECONNECT and outages lead where [gw] "Resuming" says; fatal close
 * codes (4004, 4014) stop the client instead of looping.
 */
import { GatewayIntentBits as I, Routes, type APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../../helpers/emulator.js';
import { recordedGateway, type RecordedGateway } from '../../helpers/gateway.js';

// A slow test machine must not trip the server's heartbeat timeout; the protocol tests cover that rule.
const emu = useEmulator({
  rateLimits: false,
  gateway: { heartbeatIntervalMs: 500, heartbeatTimeoutFactor: 10, identifyWindowMs: 0 },
});
const INTENTS = I.Guilds | I.GuildMessages | I.MessageContent;

const clients: RecordedGateway[] = [];
function client(token: string, intents = INTENTS, restToken?: string): RecordedGateway {
  const made = recordedGateway(emu.world, { token, intents, ...(restToken ? { restToken } : {}) });
  clients.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await emu.admin.gateway.clearFaults();
});

let channel: string;
beforeAll(async () => {
  channel = (await emu.admin.createChannel({ name: 'gateway-faults' })).id;
});

const post = async (content: string) =>
  (await restFor(emu.world, emu.world.tokens.submitter).post(Routes.channelMessages(channel), {
    body: { content },
  })) as APIMessage;

/** Contents of the MESSAGE_CREATEs a client got, in arrival order. */
const contents = (c: RecordedGateway) =>
  c.dispatches().flatMap((p) => (p.t === 'MESSAGE_CREATE' ? [p.d.content] : []));

/** A fresh bot, so stats and sessions of one test do not mix with another's. */
async function freshBot(name: string): Promise<{ userId: string; token: string }> {
  return emu.admin.createBot({ name });
}

describe('gateway faults with @discordjs/ws', () => {
  it('resumes after a dropped connection and replays the events posted meanwhile, once, in order', async () => {
    const bot = await freshBot('drop');
    const worker = client(bot.token);
    await worker.connect();
    const { session_id: sessionId } = (await worker.dispatch('READY')).d;
    // Half-open first, so the posts below certainly happen while the client receives nothing.
    expect(await emu.admin.gateway.partition({ userId: bot.userId })).toBe(1);
    for (const content of ['m1', 'm2', 'm3']) await post(content);
    expect(contents(worker)).toEqual([]);
    // Then cut TCP without a close frame: the client sees 1006 and resumes.
    expect(await emu.admin.gateway.disconnect({ userId: bot.userId })).toBe(1);
    expect(await worker.closed()).toBe(1006);
    await worker.dispatch('RESUMED');
    await post('m4');
    await worker.dispatch('MESSAGE_CREATE', (p) => p.d.content === 'm4');
    expect(contents(worker)).toEqual(['m1', 'm2', 'm3', 'm4']);
    // The missed events were replayed before RESUMED; sequence numbers continue the session's.
    expect(worker.dispatches().map((p) => p.t)).toEqual([
      'READY',
      'GUILD_CREATE',
      'MESSAGE_CREATE',
      'MESSAGE_CREATE',
      'MESSAGE_CREATE',
      'RESUMED',
      'MESSAGE_CREATE',
    ]);
    const seqs = worker.dispatches().map((p) => p.s);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const stats = (await emu.admin.gateway.stats()).byBot.drop!;
    expect(stats).toMatchObject({ identifies: 1, resumes: 1, connections: 2, open: 1 });
    expect(stats.closedByServer).toEqual({ dropped: 1 });
    expect(worker.dispatches().filter((p) => p.t === 'READY')).toHaveLength(1);
    expect(sessionId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('detects a zombie connection (heartbeats not acknowledged) and resumes', async () => {
    const bot = await freshBot('zombie');
    const worker = client(bot.token);
    await worker.connect();
    await emu.admin.gateway.setFaults({ withholdHeartbeatAcks: [bot.userId] });
    // @discordjs/ws closes with 4200 when an ACK is missing at the next beat, then resumes.
    expect(await worker.closed()).toBe(4200);
    await emu.admin.gateway.clearFaults();
    await worker.dispatch('RESUMED');
    await post('after zombie');
    await worker.dispatch('MESSAGE_CREATE', (p) => p.d.content === 'after zombie');
    expect((await emu.admin.gateway.stats()).byBot.zombie).toMatchObject({
      identifies: 1,
      resumes: 1,
      closedByClient: { '4200': 1 },
    });
  });

  it('re-identifies after INVALID_SESSION false, with a new session', async () => {
    const bot = await freshBot('invalid');
    const worker = client(bot.token);
    await worker.connect();
    const first = (await worker.dispatch('READY')).d.session_id;
    const from = worker.log.entries.length;
    expect(await emu.admin.gateway.invalidSession({ userId: bot.userId, resumable: false })).toBe(1);
    const second = (await worker.dispatch('READY', () => true, from)).d.session_id;
    expect(second).not.toBe(first);
    await post('after re-identify');
    await worker.dispatch('MESSAGE_CREATE', (p) => p.d.content === 'after re-identify');
    expect((await emu.admin.gateway.stats()).byBot.invalid).toMatchObject({
      identifies: 2,
      resumes: 0,
      invalidSessions: 1,
    });
  });

  it('resumes on the same connection after INVALID_SESSION true', async () => {
    const bot = await freshBot('invalid-true');
    const worker = client(bot.token);
    await worker.connect();
    await emu.admin.gateway.invalidSession({ userId: bot.userId, resumable: true });
    await worker.dispatch('RESUMED');
    const stats = (await emu.admin.gateway.stats()).byBot['invalid-true']!;
    expect(stats).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
    // Same socket: no close on either side.
    expect(stats.closedByClient).toEqual({});
    expect(stats.closedByServer).toEqual({});
  });

  it('resumes after RECONNECT (op 7)', async () => {
    const bot = await freshBot('reconnect');
    const worker = client(bot.token);
    await worker.connect();
    expect(await emu.admin.gateway.reconnect({ userId: bot.userId })).toBe(1);
    expect(await worker.closed()).toBe(4200);
    await worker.dispatch('RESUMED');
    expect((await emu.admin.gateway.stats()).byBot.reconnect).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('re-identifies after the server closes with 1000 (what @discordjs/ws does with it), and resumes after 4000', async () => {
    const bot = await freshBot('codes');
    const worker = client(bot.token);
    await worker.connect();
    await emu.admin.gateway.disconnect({ userId: bot.userId, code: 4000 });
    await worker.dispatch('RESUMED');
    const from = worker.log.entries.length;
    await emu.admin.gateway.disconnect({ userId: bot.userId, code: 1000 });
    await worker.dispatch('READY', () => true, from);
    expect((await emu.admin.gateway.stats()).byBot.codes).toMatchObject({
      identifies: 2,
      resumes: 1,
      closedByServer: { '4000': 1, '1000': 1 },
    });
  });

  it('gives up on 4004 after its token was reset (no reconnect loop)', async () => {
    const bot = await freshBot('reset');
    const worker = client(bot.token);
    await worker.connect();
    await emu.admin.gateway.resetToken(bot.userId);
    await emu.admin.gateway.disconnect({ userId: bot.userId });
    expect(await worker.closed()).toBe(1006);
    // The resume carries the old token: 4004, and the shard is destroyed without recovery.
    const from = worker.log.entries.length;
    expect(await worker.closed(from)).toBe(4004);
    expect((await worker.error()).message).toBe('Authentication failed');
    await worker.log.waitFor(
      (e) => e.kind === 'debug' && e.message.includes('Code: 4004') && e.message.includes('Recover: none'),
      'the destroy without recovery',
    );
    // The resuming connection never authenticated, so its 4004 counts in the global tally.
    expect((await emu.admin.gateway.stats()).closedByServer['4004']).toBeGreaterThanOrEqual(1);
  });

  it('rejects connect() with 4004 for an unknown token', async () => {
    // /gateway/bot is fetched with a valid token, IDENTIFY carries a bad one.
    const worker = client('bogus-token', INTENTS, emu.world.tokens.workers[0]!);
    await expect(worker.connect()).rejects.toThrow('Authentication failed');
    expect(worker.log.entries.filter((e) => e.kind === 'closed')).toEqual([{ kind: 'closed', code: 4004 }]);
  });

  it('rejects connect() with 4014 when MESSAGE_CONTENT is not enabled for the app', async () => {
    const blind = await emu.admin.createBot({ name: 'no-content', messageContentIntent: false });
    const worker = client(blind.token);
    await expect(worker.connect()).rejects.toThrow('Used disallowed intents');
    await worker.log.waitFor(
      (e) => e.kind === 'debug' && e.message.includes('Code: 4014') && e.message.includes('Recover: none'),
      'the destroy without recovery',
    );
    // Without the intent bit the same app connects, and sees others' content blank.
    const ok = client(blind.token, I.GuildMessages);
    await ok.connect();
    const message = await post('hidden text');
    const event = await ok.dispatch('MESSAGE_CREATE', (p) => p.d.id === message.id);
    expect(event.d.content).toBe('');
  });

  it('keeps retrying during a gateway outage and starts a new session once it ends', async () => {
    const bot = await freshBot('outage');
    const worker = client(bot.token);
    await worker.connect();
    await emu.admin.gateway.setFaults({ outage: true });
    await emu.admin.gateway.disconnect({ userId: bot.userId });
    // Reconnect attempts are refused (a failed connection makes @discordjs/ws re-identify rather than resume).
    await worker.log.waitFor((e) => e.kind === 'socketError', 'a refused reconnect');
    expect((await emu.admin.gateway.stats()).refused).toBeGreaterThanOrEqual(1);
    const from = worker.log.entries.length;
    await emu.admin.gateway.clearFaults();
    // A new session: the outage cost one more IDENTIFY from the daily budget.
    await worker.dispatch('READY', () => true, from);
    await post('after outage');
    await worker.dispatch('MESSAGE_CREATE', (p) => p.d.content === 'after outage');
    expect((await emu.admin.gateway.stats()).byBot.outage).toMatchObject({ identifies: 2, resumes: 0 });
  });
});
