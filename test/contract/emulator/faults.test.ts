import { HTTPError } from '@discordjs/rest';
import { Routes, type APIUser } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorAdminError } from '../../../src/emulator/index.js';
import { rawRequest, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });
const quick = { retries: 0, timeout: 1000 };

describe('fault injection', () => {
  afterEach(async () => {
    await emu.admin.clearFaults();
  });

  it('an outage makes every API request fail, the admin API keeps working, and clearing it restores service', async () => {
    const rest = restFor(emu.world, emu.world.tokens.submitter, quick);
    await emu.admin.resetStats();
    await emu.admin.setFaults({ outage: true });
    await expect(rest.get(Routes.user('@me'))).rejects.toThrow();
    await expect(
      rest.post(Routes.channelMessages(emu.world.channels.results), { body: { content: 'lost' } }),
    ).rejects.toThrow();
    const stats = await emu.admin.stats();
    expect(stats.faults.drops).toBeGreaterThanOrEqual(2);
    expect((await emu.admin.messages(emu.world.channels.results)).some((m) => m.content === 'lost')).toBe(
      false,
    );
    await emu.admin.clearFaults();
    const me = (await rest.get(Routes.user('@me'))) as APIUser;
    expect(me.id).toBe(emu.world.users.submitter);
  });

  it('errorRate 1 answers 500/502 with a Discord-like body, which REST surfaces as HTTPError', async () => {
    await emu.admin.setFaults({ errorRate: 1 });
    const raw = await rawRequest(emu.world, {
      method: 'GET',
      path: '/users/@me',
      token: emu.world.tokens.submitter,
    });
    expect([500, 502]).toContain(raw.status);
    expect(raw.body).toMatchObject({ code: 0, message: expect.stringMatching(/^50[02]: /) });
    const error = await restFor(emu.world, emu.world.tokens.submitter, quick)
      .get(Routes.user('@me'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HTTPError);
    expect([500, 502]).toContain((error as HTTPError).status);
  });

  it('dropRate 1 destroys the connection without an answer', async () => {
    await emu.admin.setFaults({ dropRate: 1 });
    await expect(
      fetch(`${emu.world.apiUrl}/v10/users/@me`, {
        headers: { Authorization: `Bot ${emu.world.tokens.submitter}` },
      }),
    ).rejects.toThrow();
  });

  it('by default a faulted write has no effect; with timing "after" it is applied but the answer is lost', async () => {
    const channel = (await emu.admin.createChannel({ name: 'ambiguous' })).id;
    const rest = restFor(emu.world, emu.world.tokens.submitter, quick);
    await emu.admin.setFaults({ errorRate: 1 });
    await expect(
      rest.post(Routes.channelMessages(channel), { body: { content: 'before' } }),
    ).rejects.toBeInstanceOf(HTTPError);
    await emu.admin.setFaults({ errorRate: 1, timing: 'after' });
    await expect(
      rest.post(Routes.channelMessages(channel), { body: { content: 'after' } }),
    ).rejects.toBeInstanceOf(HTTPError);
    await emu.admin.setFaults({ dropRate: 1, timing: 'after' });
    await expect(
      rest.post(Routes.channelMessages(channel), { body: { content: 'dropped-after' } }),
    ).rejects.toThrow();
    await emu.admin.clearFaults();
    expect((await emu.admin.messages(channel)).map((m) => m.content)).toEqual(['after', 'dropped-after']);
  });

  it('adds latency without failing requests', async () => {
    await emu.admin.setFaults({ latencyMs: 30 });
    const me = (await restFor(emu.world, emu.world.tokens.submitter, quick).get(
      Routes.user('@me'),
    )) as APIUser;
    expect(me.id).toBe(emu.world.users.submitter);
  });

  it('rejects invalid fault settings', async () => {
    const error = await emu.admin.setFaults({ errorRate: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmulatorAdminError);
    expect((error as EmulatorAdminError).status).toBe(400);
  });
});
