import { PermissionFlagsBits, Routes, type APIMessage } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { discordError, rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false, workers: 2 });

describe('admin API', () => {
  it('seeds a guild with three channels, a submitter, K workers and an operator', async () => {
    const world = await emu.admin.world();
    expect(world).toEqual(emu.world);
    expect(world.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    expect(world.adminUrl).toBe(world.apiUrl.replace(/\/api$/, '/_emulator'));
    expect(world.tokens.workers).toHaveLength(2);
    expect(new Set([world.tokens.submitter, world.tokens.operator, ...world.tokens.workers]).size).toBe(4);
    expect(new Set([world.users.submitter, world.users.operator, ...world.users.workers]).size).toBe(4);
    for (const [i, token] of world.tokens.workers.entries()) {
      const me = await rawRequest(world, { method: 'GET', path: '/users/@me', token });
      expect(me.body).toMatchObject({ id: world.users.workers[i], username: `worker-${i + 1}`, bot: true });
    }
    const channels = await Promise.all(Object.values(world.channels).map((id) => emu.admin.channel(id)));
    expect(channels.map((c) => c.name)).toEqual(['task-queue', 'results', 'worker-pool']);
  });

  it('creates humans with roles who can post with their token', async () => {
    const role = await emu.admin.createRole({ name: 'submitters' });
    const person = await emu.admin.createUser({ name: 'alice', roles: [role.id] });
    const rest = restFor(emu.world, person.token);
    const m = (await rest.post(Routes.channelMessages(emu.world.channels.taskQueue), {
      body: { content: 'please do X' },
    })) as APIMessage;
    expect(m.author).toMatchObject({ id: person.userId, username: 'alice' });
    expect(m.author.bot).toBeUndefined();
    const member = (await restFor(emu.world, emu.world.tokens.submitter).get(
      Routes.guildMember(emu.world.guildId, person.userId),
    )) as { roles: string[] };
    expect(member.roles).toEqual([role.id]);
  });

  it('returns raw stored messages with nonce and reacting users', async () => {
    const channel = (await emu.admin.createChannel({ name: 'raw' })).id;
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    const m = (await rest.post(Routes.channelMessages(channel), {
      body: { content: 'raw', nonce: 'n-1', enforce_nonce: true },
    })) as APIMessage;
    await restFor(emu.world, emu.world.tokens.workers[1]!).put(
      Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent('✅')),
    );
    const [raw] = await emu.admin.messages(channel);
    expect(raw).toMatchObject({
      id: m.id,
      content: 'raw',
      nonce: 'n-1',
      author: { id: emu.world.users.submitter },
    });
    expect(raw!.reactions).toEqual([
      { emoji: { id: null, name: '✅' }, count: 1, users: [emu.world.users.workers[1]] },
    ]);
  });

  it('denies and clears permissions per bot', async () => {
    const channel = (await emu.admin.createChannel({ name: 'perm' })).id;
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    await emu.admin.denyPermission(channel, emu.world.users.workers[0]!, PermissionFlagsBits.SendMessages);
    expect(
      (await discordError(rest.post(Routes.channelMessages(channel), { body: { content: 'x' } }))).code,
    ).toBe(50013);
    await emu.admin.clearPermissions(channel, emu.world.users.workers[0]!);
    await rest.post(Routes.channelMessages(channel), { body: { content: 'x' } });
  });

  it('counts requests by route template, status and bot name, and resets', async () => {
    await emu.admin.resetStats();
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    await rest.get(Routes.user('@me'));
    await rest.get(Routes.channelMessages(emu.world.channels.results));
    await restFor(emu.world, emu.world.tokens.submitter).get(Routes.user('@me'));
    const stats = await emu.admin.stats();
    expect(stats.total).toBe(3);
    expect(stats.byRoute).toEqual({ 'GET /users/@me': 2, 'GET /channels/{channel_id}/messages': 1 });
    expect(stats.byStatus).toEqual({ '200': 3 });
    expect(stats.byBot).toEqual({ 'worker-1': 2, submitter: 1 });
    await emu.admin.resetStats();
    expect((await emu.admin.stats()).total).toBe(0);
  });

  it('reseeds a fresh world, invalidating old tokens', async () => {
    const old = emu.world;
    const world = await emu.admin.seed({ workers: 3 });
    expect(world.guildId).not.toBe(old.guildId);
    expect(world.tokens.workers).toHaveLength(3);
    expect(emu.world).toEqual(world);
    expect(
      (await rawRequest(world, { method: 'GET', path: '/users/@me', token: old.tokens.submitter })).status,
    ).toBe(401);
    expect(
      (await rawRequest(world, { method: 'GET', path: '/users/@me', token: world.tokens.workers[2]! }))
        .status,
    ).toBe(200);
  });

  it('answers unknown admin routes with 404', async () => {
    const res = await fetch(`${emu.world.adminUrl}/nope`);
    expect(res.status).toBe(404);
  });
});
