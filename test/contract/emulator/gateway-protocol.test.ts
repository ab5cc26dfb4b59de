/**
 * The gateway's wire protocol, driven by hand with `ws` where `@discordjs/ws` would never send the payload:
 * HELLO and heartbeats, the order of IDENTIFY/RESUME, every close code the emulator uses, the send limit, and
 * RESUME with its replay. Sources: `events/gateway.mdx` [gw], `events/gateway-events.mdx` [gwe] and
 * `topics/opcodes-and-status-codes.mdx` [codes] in discord/discord-api-docs.
 */
import { GatewayIntentBits as I, Routes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../../helpers/emulator.js';
import { gatewayUrl, rawGateway, type RawGateway, type RawPayload } from '../../helpers/gateway.js';

const HEARTBEAT_MS = 1000;
const emu = useEmulator({
  rateLimits: false,
  gateway: { heartbeatIntervalMs: HEARTBEAT_MS, identifyWindowMs: 0 },
});

const open: RawGateway[] = [];
async function connect(query?: string, options: { heartbeat?: boolean } = {}): Promise<RawGateway> {
  const raw = await rawGateway(gatewayUrl(emu.world, query), options);
  open.push(raw);
  return raw;
}

const ready = (raw: RawGateway) => raw.next((p) => p.t === 'READY', 'READY');
const worker = () => emu.world.tokens.workers[0]!;
const MESSAGES = I.GuildMessages | I.MessageContent;

afterEach(async () => {
  await Promise.all(open.splice(0).map((raw) => raw.close()));
  await emu.admin.gateway.configure({
    heartbeatIntervalMs: HEARTBEAT_MS,
    identifyWindowMs: 0,
    sendLimit: 120,
    replayBufferSize: 1000,
  });
});

describe('gateway protocol', () => {
  it('says HELLO with the configured interval and acknowledges heartbeats; s and t are null outside dispatches', async () => {
    const raw = await connect();
    expect(raw.log.entries[0]).toEqual({ op: 10, d: { heartbeat_interval: HEARTBEAT_MS }, s: null, t: null });
    raw.send({ op: 1, d: null });
    expect(await raw.next((p) => p.op === 11, 'HEARTBEAT_ACK')).toEqual({
      op: 11,
      d: null,
      s: null,
      t: null,
    });
  });

  it('closes a connection that never heartbeats with 1000, after the interval plus slack', async () => {
    await emu.admin.gateway.configure({ heartbeatIntervalMs: 150 });
    const raw = await connect(undefined, { heartbeat: false });
    const started = Date.now();
    const { code } = await raw.closed;
    expect(code).toBe(1000);
    // heartbeatTimeoutFactor 2: not before two intervals of silence.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 150 - 20);
    expect((await emu.admin.gateway.stats()).closedByServer['1000']).toBeGreaterThanOrEqual(1);
  });

  it('asks for a heartbeat with op 1 when told to through the admin API', async () => {
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    await ready(raw);
    expect(await emu.admin.gateway.requestHeartbeat({ userId: emu.world.users.workers[0]! })).toBe(1);
    expect(await raw.next((p) => p.op === 1, 'a heartbeat request')).toMatchObject({
      op: 1,
      s: null,
      t: null,
    });
  });

  it('closes 4003 on a payload before IDENTIFY (heartbeats are allowed)', async () => {
    const raw = await connect();
    raw.send({ op: 1, d: null });
    await raw.next((p) => p.op === 11, 'HEARTBEAT_ACK');
    raw.send({ op: 3, d: { since: null, activities: [], status: 'online', afk: false } });
    expect((await raw.closed).code).toBe(4003);
  });

  it('closes 4005 on a second IDENTIFY', async () => {
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    await ready(raw);
    raw.identify(worker(), MESSAGES);
    expect(await raw.closed).toEqual({ code: 4005, reason: 'Already authenticated' });
  });

  it('closes 4004 on an unknown token, 4013 on undefined intent bits, 4014 on a privileged intent not enabled', async () => {
    const bad = await connect();
    bad.identify('not-a-token', MESSAGES);
    expect((await bad.closed).code).toBe(4004);

    const invalid = await connect();
    invalid.identify(worker(), 1 << 17);
    expect((await invalid.closed).code).toBe(4013);

    // GUILD_MEMBERS is privileged and never enabled for emulated apps.
    const members = await connect();
    members.identify(worker(), I.Guilds | I.GuildMembers);
    expect((await members.closed).code).toBe(4014);

    const blind = await emu.admin.createBot({ name: 'blind', messageContentIntent: false });
    const content = await connect();
    content.identify(blind.token, MESSAGES);
    expect((await content.closed).code).toBe(4014);
  });

  it('closes 4002 on bad JSON, a binary frame or a payload over 4096 bytes, and 4001 on an unknown opcode', async () => {
    const json = await connect();
    json.send('{not json');
    expect((await json.closed).code).toBe(4002);

    const binary = await connect();
    binary.ws.send(Buffer.from('{"op":1,"d":null}'));
    expect((await binary.closed).code).toBe(4002);

    const big = await connect();
    big.send({ op: 1, d: null, padding: 'x'.repeat(4096) });
    expect((await big.closed).code).toBe(4002);

    const unknown = await connect();
    unknown.send({ op: 5, d: null });
    expect((await unknown.closed).code).toBe(4001);
  });

  it('closes 4010 on an invalid shard, and routes a guild only to its shard ((guild_id >> 22) % num_shards)', async () => {
    const invalid = await connect();
    invalid.send({
      op: 2,
      d: {
        token: worker(),
        intents: I.Guilds,
        properties: { os: 'x', browser: 'x', device: 'x' },
        shard: [2, 2],
      },
    });
    expect((await invalid.closed).code).toBe(4010);
    const home = Number((BigInt(emu.world.guildId) >> 22n) % 2n);
    const seen = async (shard: number) => {
      const raw = await connect();
      raw.send({
        op: 2,
        d: {
          token: worker(),
          intents: I.Guilds,
          properties: { os: 'x', browser: 'x', device: 'x' },
          shard: [shard, 2],
        },
      });
      return (await ready(raw)).d as { guilds: { id: string }[]; shard: number[] };
    };
    expect(await seen(home)).toMatchObject({ guilds: [{ id: emu.world.guildId }], shard: [home, 2] });
    expect(await seen(1 - home)).toMatchObject({ guilds: [], shard: [1 - home, 2] });
  });

  it('closes 4012 for an API version other than 9 or 10', async () => {
    const raw = await connect('v=8&encoding=json');
    expect((await raw.closed).code).toBe(4012);
  });

  it('closes 4008 when a client sends more payloads than the send limit allows', async () => {
    await emu.admin.gateway.configure({ sendLimit: 5 });
    const raw = await connect(undefined, { heartbeat: false });
    for (let i = 0; i < 6; i++) raw.send({ op: 1, d: null });
    expect((await raw.closed).code).toBe(4008);
    // Five heartbeats were within the limit and were acknowledged first.
    expect(raw.log.entries.filter((p) => p.op === 11)).toHaveLength(5);
  });

  it('answers an IDENTIFY within the identify window of the same bot with INVALID_SESSION false', async () => {
    await emu.admin.gateway.configure({ identifyWindowMs: 60_000 });
    const fresh = await emu.admin.createBot({ name: 'fresh' });
    const first = await connect();
    first.identify(fresh.token, MESSAGES);
    await ready(first);
    const second = await connect();
    second.identify(fresh.token, MESSAGES);
    expect(await second.next((p) => p.op === 9, 'INVALID_SESSION')).toMatchObject({ op: 9, d: false });
    // Another bot has its own window.
    const otherBot = await emu.admin.createBot({ name: 'other' });
    const other = await connect();
    other.identify(otherBot.token, MESSAGES);
    await ready(other);
  });

  it('numbers dispatches from 1 and replays the missed ones on RESUME, then RESUMED', async () => {
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    const readyPayload = await ready(raw);
    expect(readyPayload.s).toBe(1);
    const { session_id: sessionId, resume_gateway_url: resumeUrl } = readyPayload.d as {
      session_id: string;
      resume_gateway_url: string;
    };
    expect(resumeUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway\/resume$/);
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    const channel = emu.world.channels.taskQueue;
    await rest.post(Routes.channelMessages(channel), { body: { content: 'one' } });
    const one = await raw.next((p) => p.t === 'MESSAGE_CREATE', 'MESSAGE_CREATE one');
    expect(one.s).toBe(2);
    // A close code other than 1000/1001 keeps the session ([gw] Initiating a Disconnect).
    await raw.close(4000);
    await rest.post(Routes.channelMessages(channel), { body: { content: 'two' } });
    await rest.post(Routes.channelMessages(channel), { body: { content: 'three' } });

    const again = await rawGateway(`${resumeUrl}?v=10&encoding=json`);
    open.push(again);
    again.send({ op: 6, d: { token: worker(), session_id: sessionId, seq: 2 } });
    const resumed = await again.next((p) => p.t === 'RESUMED', 'RESUMED');
    const dispatches = again.log.entries.filter((p): p is RawPayload => p.op === 0);
    expect(dispatches.map((p) => [p.s, p.t, (p.d as { content?: string } | null)?.content])).toEqual([
      [3, 'MESSAGE_CREATE', 'two'],
      [4, 'MESSAGE_CREATE', 'three'],
      [5, 'RESUMED', undefined],
    ]);
    expect(resumed.s).toBe(5);
    const stats = (await emu.admin.gateway.stats()).byBot['worker-1']!;
    expect(stats.resumes).toBeGreaterThanOrEqual(1);
  });

  it('ends the session when the client closes with 1000: a RESUME gets INVALID_SESSION false', async () => {
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    const { session_id: sessionId } = (await ready(raw)).d as { session_id: string };
    await raw.close(1000);
    const again = await connect();
    again.send({ op: 6, d: { token: worker(), session_id: sessionId, seq: 1 } });
    expect(await again.next((p) => p.op === 9, 'INVALID_SESSION')).toMatchObject({ d: false });
  });

  it('answers a RESUME of an unknown session with INVALID_SESSION false, and a sequence from the future with 4007', async () => {
    const unknown = await connect();
    unknown.send({ op: 6, d: { token: worker(), session_id: 'f'.repeat(32), seq: 0 } });
    expect(await unknown.next((p) => p.op === 9, 'INVALID_SESSION')).toMatchObject({ d: false });

    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    const { session_id: sessionId } = (await ready(raw)).d as { session_id: string };
    await raw.close(4000);
    const future = await connect();
    future.send({ op: 6, d: { token: worker(), session_id: sessionId, seq: 99 } });
    expect((await future.closed).code).toBe(4007);
  });

  it('cannot resume from further back than the replay buffer reaches', async () => {
    await emu.admin.gateway.configure({ replayBufferSize: 2 });
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    const { session_id: sessionId } = (await ready(raw)).d as { session_id: string };
    await raw.close(4000);
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    for (const content of ['a', 'b', 'c'])
      await rest.post(Routes.channelMessages(emu.world.channels.taskQueue), { body: { content } });
    const again = await connect();
    again.send({ op: 6, d: { token: worker(), session_id: sessionId, seq: 1 } });
    expect(await again.next((p) => p.op === 9, 'INVALID_SESSION')).toMatchObject({ d: false });
  });

  it('refuses upgrades during a gateway outage and counts them', async () => {
    await emu.admin.gateway.setFaults({ outage: true });
    try {
      await expect(rawGateway(gatewayUrl(emu.world))).rejects.toThrow();
      expect((await emu.admin.gateway.stats()).refused).toBeGreaterThanOrEqual(1);
    } finally {
      await emu.admin.gateway.clearFaults();
    }
    await connect();
  });

  it('rejects bad admin input with a message naming the key', async () => {
    await expect(emu.admin.gateway.configure({ heartbeatIntervalMs: -1 })).rejects.toThrow(
      /heartbeatIntervalMs/,
    );
    await expect(emu.admin.gateway.disconnect({ code: 1006 })).rejects.toThrow(/`code`/);
    await expect(
      emu.admin.gateway.setFaults({ withholdHeartbeatAcks: 'yes' as unknown as boolean }),
    ).rejects.toThrow(/withholdHeartbeatAcks/);
  });

  // Last: it replaces the file's world.
  it('drops every gateway connection when the world is reseeded', async () => {
    const raw = await connect();
    raw.identify(worker(), MESSAGES);
    await ready(raw);
    const oldToken = worker();
    await emu.admin.seed();
    expect((await raw.closed).code).toBe(1006);
    const again = await connect();
    again.identify(oldToken, MESSAGES);
    expect((await again.closed).code).toBe(4004);
  });
});
