import { HTTPError } from '@discordjs/rest';
import { Routes, type APIMessage, type APIUser } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorAdminError } from '../../../src/emulator/index.js';
import { rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });
const quick = { retries: 0, timeout: 5000 };

describe('targeted fault rules', () => {
  afterEach(async () => {
    await emu.admin.clearFaults();
  });

  const contents = async (channel: string) => (await emu.admin.messages(channel)).map((m) => m.content);

  it('applies only to the matching method, route, channel and user, N times, committing with timing "after"', async () => {
    const results = emu.world.channels.results;
    const other = (await emu.admin.createChannel({ name: 'not-targeted' })).id;
    const rule = await emu.admin.addFaultRule({
      match: { route: 'POST /channels/:id/messages', channelId: results, user: 'worker-1' },
      errorRate: 1,
      timing: 'after',
      count: 1,
    });
    expect(rule).toMatchObject({ id: expect.any(String), remaining: 1, applied: 0, timing: 'after' });
    const w1 = restFor(emu.world, emu.world.tokens.workers[0]!, quick);
    const w2 = restFor(emu.world, emu.world.tokens.workers[1]!, quick);
    // Not matching: another user, another channel, another method.
    await w2.post(Routes.channelMessages(results), { body: { content: 'w2 result' } });
    await w1.post(Routes.channelMessages(other), { body: { content: 'w1 elsewhere' } });
    await w1.get(Routes.channelMessages(results));
    expect((await emu.admin.faultRules())[0]).toMatchObject({ remaining: 1, applied: 0 });
    // Matching: the write is committed and its answer lost.
    const lost = await w1
      .post(Routes.channelMessages(results), { body: { content: 'w1 result' } })
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(HTTPError);
    expect(await contents(results)).toContain('w1 result');
    // count: 1 is used up: the rule is gone and the next post is answered.
    expect(await emu.admin.faultRules()).toEqual([]);
    const again = (await w1.post(Routes.channelMessages(results), {
      body: { content: 'w1 again' },
    })) as APIMessage;
    expect(again.content).toBe('w1 again');
  });

  it('holds several rules at once; the first matching rule decides, others get the global faults', async () => {
    await emu.admin.setFaults({ errorRate: 1 });
    await emu.admin.addFaultRule({ match: { user: emu.world.users.workers[1]! }, latencyMs: 1 });
    await emu.admin.addFaultRule({ match: { method: 'GET', route: '/users/@me' }, dropRate: 1 });
    const me = (token: string) =>
      rawRequest(emu.world, { method: 'GET', path: '/users/@me', token }).catch((e: unknown) => e);
    // worker-2: its rule comes first and has no error effect, so it is answered normally.
    expect(await me(emu.world.tokens.workers[1]!)).toMatchObject({ status: 200 });
    // worker-1: the second rule drops the connection.
    expect(await me(emu.world.tokens.workers[0]!)).toBeInstanceOf(Error);
    // A request no rule matches gets the global 5xx.
    const global = await rawRequest(emu.world, {
      method: 'GET',
      path: `/channels/${emu.world.channels.results}`,
      token: emu.world.tokens.submitter,
    });
    expect([500, 502]).toContain(global.status);
    const rules = await emu.admin.faultRules();
    expect(rules.map((r) => r.applied)).toEqual([1, 1]);
    // Replacing the global faults leaves the rules; removing one rule leaves the other.
    expect((await emu.admin.setFaults({})).errorRate).toBe(0);
    expect(await me(emu.world.tokens.workers[0]!)).toBeInstanceOf(Error);
    await emu.admin.removeFaultRule(rules[1]!.id);
    expect(await me(emu.world.tokens.workers[0]!)).toMatchObject({ status: 200 });
    expect((await emu.admin.faultRules()).map((r) => r.id)).toEqual([rules[0]!.id]);
  });

  it('an outage rule for one bot cuts only that bot off; a chosen 5xx status has Discord’s body', async () => {
    await emu.admin.addFaultRule({ match: { user: 'worker-3' }, outage: true });
    await emu.admin.addFaultRule({
      match: { route: 'GET /channels/{channel_id}' },
      errorRate: 1,
      errorStatus: 503,
    });
    await expect(
      restFor(emu.world, emu.world.tokens.workers[2]!, quick).get(Routes.user('@me')),
    ).rejects.toThrow();
    const me = (await restFor(emu.world, emu.world.tokens.submitter, quick).get(
      Routes.user('@me'),
    )) as APIUser;
    expect(me.id).toBe(emu.world.users.submitter);
    const unavailable = await rawRequest(emu.world, {
      method: 'GET',
      path: `/channels/${emu.world.channels.results}`,
      token: emu.world.tokens.submitter,
    });
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toEqual({ message: '503: Service Unavailable', code: 0 });
    const stats = await emu.admin.stats();
    expect(stats.faults.drops).toBeGreaterThanOrEqual(1);
  });

  it('by default (timing "before") a faulted write has no effect', async () => {
    const channel = (await emu.admin.createChannel({ name: 'rule-before' })).id;
    await emu.admin.addFaultRule({
      match: { route: 'POST /channels/*/messages', channelId: channel },
      dropRate: 1,
    });
    const rest = restFor(emu.world, emu.world.tokens.submitter, quick);
    await expect(rest.post(Routes.channelMessages(channel), { body: { content: 'gone' } })).rejects.toThrow();
    await emu.admin.clearFaultRules();
    await rest.post(Routes.channelMessages(channel), { body: { content: 'kept' } });
    expect(await contents(channel)).toEqual(['kept']);
  });

  it('rejects rules without an effect or with bad fields, naming the key; unknown ids are 404', async () => {
    const bad = [
      { match: { user: 'worker-1' } },
      { errorRate: 1, count: 0 },
      { errorRate: 1, errorStatus: 404 },
      { errorRate: 1, match: { route: 'channels/messages' } },
      { dropRate: 2 },
    ];
    for (const rule of bad) {
      const error = await emu.admin.addFaultRule(rule).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmulatorAdminError);
      expect((error as EmulatorAdminError).status).toBe(400);
      expect((error as Error).message).toMatch(/`(latencyMs|count|errorStatus|match\.route|dropRate)`/);
    }
    const missing = await emu.admin.removeFaultRule('rule-999').catch((e: unknown) => e);
    expect((missing as EmulatorAdminError).status).toBe(404);
  });
});
