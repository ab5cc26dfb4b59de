import {
  PermissionFlagsBits,
  Routes,
  type APIChannel,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APIUser,
} from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { discordError, rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('auth, permissions and errors', () => {
  it('answers 401 {"message":"401: Unauthorized","code":0} without a token or with an unknown one', async () => {
    const path = `/channels/${emu.world.channels.taskQueue}/messages`;
    for (const authorization of [
      undefined,
      'Bot not-a-token',
      `${emu.world.tokens.submitter}`,
      `Bearer ${emu.world.tokens.submitter}`,
    ]) {
      const res = await rawRequest(emu.world, {
        method: 'GET',
        path,
        ...(authorization ? { authorization } : {}),
      });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: '401: Unauthorized', code: 0 });
    }
    const error = await discordError(restFor(emu.world, 'MTIz.bad.token').get(Routes.user('@me')));
    expect(error.status).toBe(401);
    expect(error.code).toBe(0);
  });

  it('accepts a human token with or without a prefix', async () => {
    for (const authorization of [emu.world.tokens.operator, `Bot ${emu.world.tokens.operator}`]) {
      const res = await rawRequest(emu.world, { method: 'GET', path: '/users/@me', authorization });
      expect(res.status).toBe(200);
      expect((res.body as APIUser).id).toBe(emu.world.users.operator);
      expect((res.body as APIUser).bot).toBeUndefined();
    }
  });

  it('answers 404/10003 for unknown channels and 404/10008 for unknown messages', async () => {
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    const channel = await discordError(rest.get(Routes.channel('123456789012345678')));
    expect([channel.status, channel.code]).toEqual([404, 10003]);
    const post = await discordError(
      rest.post(Routes.channelMessages('123456789012345678'), { body: { content: 'x' } }),
    );
    expect([post.status, post.code]).toEqual([404, 10003]);
    const message = await discordError(
      rest.get(Routes.channelMessage(emu.world.channels.taskQueue, '123456789012345678')),
    );
    expect([message.status, message.code]).toEqual([404, 10008]);
    expect(message.rawError).toEqual({ message: 'Unknown Message', code: 10008 });
  });

  it('answers unknown routes with 404 {"message":"404: Not Found","code":0} and wrong methods with 405', async () => {
    const notFound = await rawRequest(emu.world, {
      method: 'GET',
      path: '/nope/at/all',
      token: emu.world.tokens.submitter,
    });
    expect(notFound.status).toBe(404);
    expect(notFound.body).toEqual({ message: '404: Not Found', code: 0 });
    const version = await fetch(`${emu.world.apiUrl}/v6/users/@me`, {
      headers: { Authorization: `Bot ${emu.world.tokens.submitter}` },
    });
    expect(version.status).toBe(404);
    const wrong = await rawRequest(emu.world, {
      method: 'PUT',
      path: '/users/@me',
      token: emu.world.tokens.submitter,
    });
    expect(wrong.status).toBe(405);
    expect(wrong.body).toEqual({ message: '405: Method Not Allowed', code: 0 });
  });

  it('answers 403/50001 when the bot cannot view the channel', async () => {
    const hidden = (await emu.admin.createChannel({ name: 'hidden' })).id;
    await emu.admin.denyPermission(hidden, emu.world.users.workers[0]!, PermissionFlagsBits.ViewChannel);
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    for (const request of [
      rest.get(Routes.channel(hidden)),
      rest.get(Routes.channelMessages(hidden)),
      rest.post(Routes.channelMessages(hidden), { body: { content: 'x' } }),
    ]) {
      const error = await discordError(request);
      expect([error.status, error.code]).toEqual([403, 50001]);
      expect(error.rawError).toEqual({ message: 'Missing Access', code: 50001 });
    }
    // Other bots still see it.
    await restFor(emu.world, emu.world.tokens.workers[1]!).get(Routes.channel(hidden));
  });

  it('answers 403/50013 without SEND_MESSAGES', async () => {
    const muted = (await emu.admin.createChannel({ name: 'muted' })).id;
    await emu.admin.denyPermission(muted, emu.world.users.workers[0]!, PermissionFlagsBits.SendMessages);
    const error = await discordError(
      restFor(emu.world, emu.world.tokens.workers[0]!).post(Routes.channelMessages(muted), {
        body: { content: 'x' },
      }),
    );
    expect([error.status, error.code]).toEqual([403, 50013]);
  });

  it('returns [] for history without READ_MESSAGE_HISTORY, and 50001 for a single message', async () => {
    const channel = (await emu.admin.createChannel({ name: 'no-history' })).id;
    const m = (await restFor(emu.world, emu.world.tokens.submitter).post(Routes.channelMessages(channel), {
      body: { content: 'x' },
    })) as APIMessage;
    await emu.admin.denyPermission(
      channel,
      emu.world.users.workers[0]!,
      PermissionFlagsBits.ReadMessageHistory,
    );
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    expect(await rest.get(Routes.channelMessages(channel))).toEqual([]);
    expect((await discordError(rest.get(Routes.channelMessage(channel, m.id)))).code).toBe(50001);
  });

  it('applies role overwrites: a denied role loses the permission, a member allow wins back', async () => {
    const channel = (await emu.admin.createChannel({ name: 'role-deny' })).id;
    await emu.admin.denyPermission(channel, emu.world.roles.operator, PermissionFlagsBits.SendMessages);
    const operator = restFor(emu.world, emu.world.tokens.operator);
    expect(
      (await discordError(operator.post(Routes.channelMessages(channel), { body: { content: 'x' } }))).code,
    ).toBe(50013);
    await emu.admin.allowPermission(channel, emu.world.users.operator, PermissionFlagsBits.SendMessages);
    await operator.post(Routes.channelMessages(channel), { body: { content: 'x' } });
  });

  it('serves users/@me, guild members with roles, roles, channels and gateway/bot', async () => {
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    const me = (await rest.get(Routes.user('@me'))) as APIUser;
    expect(me).toMatchObject({ id: emu.world.users.workers[0], username: 'worker-1', bot: true });
    const member = (await rest.get(
      Routes.guildMember(emu.world.guildId, emu.world.users.operator),
    )) as APIGuildMember;
    expect(member.roles).toContain(emu.world.roles.operator);
    expect(member.user?.id).toBe(emu.world.users.operator);
    const unknown = await discordError(rest.get(Routes.guildMember(emu.world.guildId, '123456789012345678')));
    expect([unknown.status, unknown.code]).toEqual([404, 10007]);
    const roles = (await rest.get(Routes.guildRoles(emu.world.guildId))) as APIRole[];
    expect(roles.map((r) => r.id)).toEqual(
      expect.arrayContaining([emu.world.guildId, emu.world.roles.operator]),
    );
    const channels = (await rest.get(Routes.guildChannels(emu.world.guildId))) as APIChannel[];
    expect(channels.map((c) => c.name)).toEqual(
      expect.arrayContaining(['task-queue', 'results', 'worker-pool']),
    );
    const gateway = (await rest.get(Routes.gatewayBot())) as {
      url: string;
      shards: number;
      session_start_limit: Record<string, number>;
    };
    expect(gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
    expect(gateway.shards).toBe(1);
    expect(gateway.session_start_limit).toMatchObject({ total: 1000, max_concurrency: 1 });
    expect(gateway.session_start_limit.remaining).toBeGreaterThan(0);
  });

  it('counts 401 and 403 answers as invalid requests, by name and never by token', async () => {
    await emu.admin.resetStats();
    await rawRequest(emu.world, { method: 'GET', path: '/users/@me', authorization: 'Bot nope' });
    const hidden = (await emu.admin.createChannel({ name: 'hidden-2' })).id;
    await emu.admin.denyPermission(hidden, emu.world.users.workers[1]!, PermissionFlagsBits.ViewChannel);
    await rawRequest(emu.world, {
      method: 'GET',
      path: `/channels/${hidden}`,
      token: emu.world.tokens.workers[1]!,
    });
    const stats = await emu.admin.stats();
    expect(stats.invalid).toEqual({ '(unauthenticated)': 1, 'worker-2': 1 });
    expect(stats.byStatus).toEqual({ '401': 1, '403': 1 });
    expect(stats.byRoute).toEqual({ 'GET /users/@me': 1, 'GET /channels/{channel_id}': 1 });
    const text = JSON.stringify(stats);
    for (const token of [emu.world.tokens.submitter, emu.world.tokens.operator, ...emu.world.tokens.workers])
      expect(text).not.toContain(token);
  });
});
