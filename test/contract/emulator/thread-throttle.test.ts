/**
 * Discord's dynamic thread-creation limit. Thread-creation rate limits are undocumented; observed are 429s with
 * `X-RateLimit-Scope: shared` and `retry_after` of 145–280 s (discord-api-docs issue #7816; NousResearch/hermes-agent
 * PR #96101). Shape of the answer: rate-limits.mdx, "Example Exceeded Resource Rate Limit Response"
 * (`"message": "The resource is being rate limited."`, `Retry-After`, `X-RateLimit-Scope: shared`), and "429 errors
 * returned with `X-RateLimit-Scope: shared` are not counted against you" (Invalid Request Limit).
 */
import { RateLimitError, type REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import { rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: true });

describe('thread-creation throttle', () => {
  let submitter: REST;
  let queue: string;

  beforeAll(() => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    queue = emu.world.channels.taskQueue;
  });
  afterEach(async () => {
    await emu.admin.liftThreadThrottle();
    await emu.admin.configureThreadThrottle({ enabled: false });
  });

  const task = async () =>
    ((await submitter.post(Routes.channelMessages(queue), { body: { content: 'task' } })) as APIMessage).id;
  const create = (token: string, messageId: string) =>
    rawRequest(emu.world, {
      method: 'POST',
      path: `/channels/${queue}/messages/${messageId}/threads`,
      token,
      body: { name: 'claim' },
    });

  it('after K creations per bot, answers a shared-scope 429 with a long retry_after, Discord’s headers and body', async () => {
    await emu.admin.configureThreadThrottle({ enabled: true, maxCreations: 2, retryAfterMs: 200_000 });
    const token = emu.world.tokens.workers[0]!;
    expect((await create(token, await task())).status).toBe(201);
    expect((await create(token, await task())).status).toBe(201);
    await emu.admin.resetStats();
    const third = await task();
    const limited = await create(token, third);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('shared');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(199);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(200);
    // The route's own bucket headers come along, as in Discord's example.
    expect(limited.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    const body = limited.body as { message: string; retry_after: number; global: boolean };
    expect(body.message).toBe('The resource is being rate limited.');
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(199);
    expect(body.retry_after).toBeLessThanOrEqual(200);
    // Nothing was created, and the 429 is not an invalid request.
    const parent = (await submitter.get(Routes.channelMessage(queue, third))) as APIMessage;
    expect(parent.thread).toBeUndefined();
    const stats = await emu.admin.stats();
    expect(stats.rateLimited.shared).toBe(1);
    expect(stats.invalid).toEqual({});
    // Per bot: another bot still creates.
    expect((await create(emu.world.tokens.workers[1]!, third)).status).toBe(201);
    expect((await emu.admin.threadThrottle()).active).toEqual([
      { key: `bot:${emu.world.users.workers[0]}`, remainingMs: expect.any(Number) },
    ]);
  });

  it('@discordjs/rest surfaces it as a RateLimitError with scope shared when told to reject long limits', async () => {
    const token = emu.world.tokens.workers[2]!;
    await emu.admin.throttleThreadCreation(150_000, { userId: emu.world.users.workers[2]! });
    const rest = restFor(emu.world, token, { rejectOnRateLimit: (data) => data.retryAfter > 10_000 });
    const error = await rest
      .post(Routes.threads(queue, await task()), { body: { name: 'claim' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).scope).toBe('shared');
    expect((error as RateLimitError).retryAfter).toBeGreaterThan(140_000);
  });

  it('counts per guild when configured so: one bot’s creations throttle the others', async () => {
    await emu.admin.configureThreadThrottle({ enabled: true, maxCreations: 1, per: 'guild' });
    expect((await create(emu.world.tokens.workers[0]!, await task())).status).toBe(201);
    expect((await create(emu.world.tokens.workers[1]!, await task())).status).toBe(429);
  });

  it('the admin switch throttles everyone now; lifting it lets creations through again', async () => {
    await emu.admin.throttleThreadCreation(280_000);
    const m = await task();
    for (const token of [emu.world.tokens.workers[0]!, emu.world.tokens.submitter]) {
      const answer = await create(token, m);
      expect(answer.status).toBe(429);
      expect((answer.body as { retry_after: number }).retry_after).toBeGreaterThan(270);
    }
    // Other routes are not throttled.
    expect(
      (
        await rawRequest(emu.world, {
          method: 'GET',
          path: `/channels/${queue}`,
          token: emu.world.tokens.submitter,
        })
      ).status,
    ).toBe(200);
    await emu.admin.liftThreadThrottle();
    expect((await create(emu.world.tokens.workers[0]!, m)).status).toBe(201);
  });

  it('passes by itself once the duration is over', async () => {
    const token = emu.world.tokens.workers[1]!;
    const m = await task();
    const started = Date.now();
    await emu.admin.throttleThreadCreation(300, { userId: emu.world.users.workers[1]! });
    expect((await create(token, m)).status).toBe(429);
    let status = 429;
    while (status === 429 && Date.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await create(token, m)).status;
    }
    expect(status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  it('applies with rate limits off too, and rejects bad settings naming the key', async () => {
    const other = await startEmulator({
      rateLimits: false,
      threadThrottle: { enabled: true, maxCreations: 1 },
    });
    try {
      const rest = restFor(other.world, other.world.tokens.submitter);
      const post = async () =>
        (
          (await rest.post(Routes.channelMessages(other.world.channels.taskQueue), {
            body: { content: 't' },
          })) as APIMessage
        ).id;
      const path = (id: string) => `/channels/${other.world.channels.taskQueue}/messages/${id}/threads`;
      const token = other.world.tokens.workers[0]!;
      const first = await rawRequest(other.world, {
        method: 'POST',
        path: path(await post()),
        token,
        body: { name: 'a' },
      });
      expect(first.status).toBe(201);
      const second = await rawRequest(other.world, {
        method: 'POST',
        path: path(await post()),
        token,
        body: { name: 'b' },
      });
      expect(second.status).toBe(429);
      expect(second.headers.get('x-ratelimit-scope')).toBe('shared');
    } finally {
      await other.close();
    }
    await expect(emu.admin.configureThreadThrottle({ maxCreations: 0 })).rejects.toThrow(/maxCreations/);
    await expect(startEmulator({ threadThrottle: { per: 'channel' as 'bot' } })).rejects.toThrow(TypeError);
  });
});
