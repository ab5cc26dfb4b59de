/**
 * `enforce_nonce`, message.mdx (Create Message, JSON params): "If true and nonce is present, it will be checked for
 * uniqueness in the past few minutes. If another message was created by the same author with the same nonce, that
 * message will be returned and no new message will be created." So after the window, the same nonce creates a new
 * message: a replay later than that needs its own check.
 */
import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATE_CONFIG } from '../../../src/emulator/state.js';
import { restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('nonce window', () => {
  let submitter: REST;
  let channel: string;

  beforeAll(async () => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    channel = (await emu.admin.createChannel({ name: 'nonces' })).id;
  });
  afterEach(async () => {
    await emu.admin.setNonceWindow(DEFAULT_STATE_CONFIG.nonceWindowMs);
  });

  const send = async (nonce: string, content = 'result') =>
    (await submitter.post(Routes.channelMessages(channel), {
      body: { content, nonce, enforce_nonce: true },
    })) as APIMessage;

  it('is a few minutes by default', () => {
    expect(DEFAULT_STATE_CONFIG.nonceWindowMs).toBeGreaterThanOrEqual(2 * 60_000);
    expect(DEFAULT_STATE_CONFIG.nonceWindowMs).toBeLessThanOrEqual(10 * 60_000);
  });

  it('a nonce reused after the window (shortened through the admin API) creates a new message', async () => {
    const first = await send('late-replay');
    expect((await send('late-replay')).id).toBe(first.id);
    // Shorten the window so that the first message falls out of it.
    await emu.admin.setNonceWindow(1);
    await new Promise((r) => setTimeout(r, 5));
    const second = await send('late-replay');
    expect(second.id).not.toBe(first.id);
    expect((await emu.admin.messages(channel)).filter((m) => m.nonce === 'late-replay')).toHaveLength(2);
    // Back to minutes: the new message starts a new window.
    await emu.admin.setNonceWindow(DEFAULT_STATE_CONFIG.nonceWindowMs);
    expect((await send('late-replay')).id).toBe(second.id);
  });

  it('expireNonces forgets every nonce at once, whatever the window', async () => {
    const first = await send('expire-me');
    expect((await send('expire-me')).id).toBe(first.id);
    await emu.admin.expireNonces();
    expect((await send('expire-me')).id).not.toBe(first.id);
  });

  it('rejects a negative window, naming the key', async () => {
    await expect(emu.admin.setNonceWindow(-1)).rejects.toThrow(/nonceWindowMs/);
  });
});
