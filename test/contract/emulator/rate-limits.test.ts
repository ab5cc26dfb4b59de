import { RateLimitError } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../../src/emulator/rate-limit.js';
import { rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: true });

function postRaw(token: string, channel: string, content: string) {
  return rawRequest(emu.world, {
    method: 'POST',
    path: `/channels/${channel}/messages`,
    token,
    body: { content },
  });
}

describe('rate limits', () => {
  afterEach(async () => {
    await emu.admin.configureRateLimits({
      enabled: true,
      globalPerSecond: 50,
      buckets: structuredClone(DEFAULT_RATE_LIMITS.buckets),
    });
  });

  it('lets 5 of a burst of 8 creates through and answers the rest 429 with Discord’s headers and body', async () => {
    await emu.admin.resetStats();
    const channel = (await emu.admin.createChannel({ name: 'burst' })).id;
    const token = emu.world.tokens.submitter;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => postRaw(token, channel, `b${i}`)));
    const ok = answers.filter((a) => a.status === 200);
    const limited = answers.filter((a) => a.status === 429);
    expect(ok).toHaveLength(5);
    expect(limited).toHaveLength(3);
    const bucket = ok[0]!.headers.get('x-ratelimit-bucket');
    expect(bucket).toMatch(/^[0-9a-f]{32}$/);
    expect(ok.map((a) => a.headers.get('x-ratelimit-remaining')).sort()).toEqual(['0', '1', '2', '3', '4']);
    for (const a of [...ok, ...limited]) {
      expect(a.headers.get('x-ratelimit-limit')).toBe('5');
      expect(a.headers.get('x-ratelimit-bucket')).toBe(bucket);
      const resetAfter = Number(a.headers.get('x-ratelimit-reset-after'));
      expect(resetAfter).toBeGreaterThan(0);
      expect(resetAfter).toBeLessThanOrEqual(5);
      expect(Number(a.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
    }
    for (const a of limited) {
      expect(a.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(a.headers.get('x-ratelimit-scope')).toBe('user');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = a.body as { message: string; retry_after: number; global: boolean };
      expect(body.message).toBe('You are being rate limited.');
      expect(body.global).toBe(false);
      expect(body.retry_after).toBeGreaterThan(0);
      expect(body.retry_after).toBeLessThanOrEqual(5);
    }
    const stats = await emu.admin.stats();
    expect(stats.rateLimited.route).toBe(3);
    expect(stats.invalid).toEqual({ submitter: 3 });
    // Another channel is another bucket; another bot has its own window.
    expect((await postRaw(token, emu.world.channels.results, 'other channel')).status).toBe(200);
    expect((await postRaw(emu.world.tokens.workers[0]!, channel, 'other bot')).status).toBe(200);
  });

  it('@discordjs/rest still delivers all 8, in order, after running into a 429', async () => {
    // A one-second window keeps the test quick; the semantics are the same as 5 per 5 s.
    await emu.admin.configureRateLimits({ buckets: { messageCreate: { limit: 5, windowMs: 1000 } } });
    const channel = (await emu.admin.createChannel({ name: 'ordered' })).id;
    const token = emu.world.tokens.workers[1]!;
    // Use up the window behind REST's back, so its first request meets an unexpected 429.
    for (let i = 0; i < 5; i++) expect((await postRaw(token, channel, `pre${i}`)).status).toBe(200);
    await emu.admin.resetStats();
    const rest = restFor(emu.world, token);
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        rest.post(Routes.channelMessages(channel), { body: { content: `r${i}` } }),
      ),
    );
    expect(sent).toHaveLength(8);
    const stats = await emu.admin.stats();
    expect(stats.rateLimited.route).toBeGreaterThanOrEqual(1);
    expect(stats.byStatus['200']).toBe(8);
    const stored = (await emu.admin.messages(channel)).map((m) => m.content).filter((c) => c.startsWith('r'));
    expect(stored).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    const listed = (await rest.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '8' }),
    })) as APIMessage[];
    expect(listed.map((m) => m.content)).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('enforces a global per-bot limit with X-RateLimit-Global', async () => {
    await emu.admin.configureRateLimits({ globalPerSecond: 3 });
    const token = emu.world.tokens.workers[2]!;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => rawRequest(emu.world, { method: 'GET', path: '/users/@me', token })),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(3);
    for (const a of limited) {
      expect(a.headers.get('x-ratelimit-global')).toBe('true');
      expect(a.headers.get('x-ratelimit-scope')).toBe('global');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.body).toMatchObject({ message: 'You are being rate limited.', global: true });
    }
    // The limit is per bot.
    expect(
      (await rawRequest(emu.world, { method: 'GET', path: '/users/@me', token: emu.world.tokens.submitter }))
        .status,
    ).toBe(200);
  });

  it('limits reactions to about one per 0.25 s per channel', async () => {
    const channel = emu.world.channels.taskQueue;
    const m = (await restFor(emu.world, emu.world.tokens.submitter).post(Routes.channelMessages(channel), {
      body: { content: 'react' },
    })) as APIMessage;
    const token = emu.world.tokens.workers[0]!;
    const put = (emoji: string) =>
      rawRequest(emu.world, {
        method: 'PUT',
        path: `/channels/${channel}/messages/${m.id}/reactions/${encodeURIComponent(emoji)}/@me`,
        token,
      });
    const answers = await Promise.all([put('✅'), put('🚫')]);
    expect(answers.map((a) => a.status).sort()).toEqual([204, 429]);
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBe('1');
    // REST spaces reactions itself and never fails.
    const rest = restFor(emu.world, token);
    for (const e of ['😀', '😁', '😂'])
      await rest.put(Routes.channelMessageOwnReaction(channel, m.id, encodeURIComponent(e)));
  });

  it('has a configurable thread-creation bucket that can force a long retry_after', async () => {
    await emu.admin.setThreadCreateLimit({ limit: 1, windowMs: 600_000, scope: 'shared' });
    const channel = emu.world.channels.taskQueue;
    const submitter = restFor(emu.world, emu.world.tokens.submitter);
    const a = (await submitter.post(Routes.channelMessages(channel), {
      body: { content: 'a' },
    })) as APIMessage;
    const b = (await submitter.post(Routes.channelMessages(channel), {
      body: { content: 'b' },
    })) as APIMessage;
    const token = emu.world.tokens.workers[0]!;
    const rest = restFor(emu.world, token, { rejectOnRateLimit: (data) => data.timeToReset > 10_000 });
    await rest.post(Routes.threads(channel, a.id), { body: { name: 'first' } });
    await emu.admin.resetStats();
    const raw = await rawRequest(emu.world, {
      method: 'POST',
      path: `/channels/${channel}/messages/${b.id}/threads`,
      token,
      body: { name: 'second' },
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('x-ratelimit-scope')).toBe('shared');
    expect((raw.body as { retry_after: number }).retry_after).toBeGreaterThan(500);
    // Shared-scope 429s do not count as invalid requests.
    expect((await emu.admin.stats()).invalid).toEqual({});
    const error = await rest
      .post(Routes.threads(channel, b.id), { body: { name: 'second' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).timeToReset).toBeGreaterThan(500_000);
    // Another bot still has its own window.
    await restFor(emu.world, emu.world.tokens.workers[1]!).post(Routes.threads(channel, b.id), {
      body: { name: 'other bot' },
    });
  });

  it('sends rate-limit headers on every routed answer, errors included', async () => {
    const token = emu.world.tokens.submitter;
    const ok = await rawRequest(emu.world, { method: 'GET', path: '/users/@me', token });
    const missing = await rawRequest(emu.world, {
      method: 'GET',
      path: '/channels/123456789012345678',
      token,
    });
    for (const a of [ok, missing]) {
      for (const h of [
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
        'x-ratelimit-reset-after',
        'x-ratelimit-bucket',
      ]) {
        expect(a.headers.get(h)).not.toBeNull();
      }
    }
    expect(missing.status).toBe(404);
  });

  it('can be switched off', async () => {
    await emu.admin.setRateLimits(false);
    const channel = (await emu.admin.createChannel({ name: 'unlimited' })).id;
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postRaw(emu.world.tokens.submitter, channel, `u${i}`)),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers[0]!.headers.get('x-ratelimit-limit')).toBeNull();
  });
});
