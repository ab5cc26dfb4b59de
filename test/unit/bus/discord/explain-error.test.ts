import { DiscordAPIError } from '@discordjs/rest';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { explainDiscordError, formatConfigProblem } from '../../../../src/bus/discord/explain-error.js';
import { BusUnavailableError, DiscordApiError, RateLimitedError } from '../../../../src/lib/errors.js';

const api = (status: number, discordCode: number, message = 'x') =>
  new DiscordApiError({ status, discordCode, method: 'POST', route: '/channels/:id/messages', message });

const ctx = {
  tokenKey: 'SUBMITTER_TOKEN',
  channelKey: 'TASK_QUEUE_CHANNEL',
  channelId: '1471241464699945010',
  needs: [P.SendMessages, P.AttachFiles],
};

describe('explainDiscordError', () => {
  it('404 Unknown Channel names the channel key, the id and how to copy it again', () => {
    const p = explainDiscordError(api(404, 10003, 'Unknown Channel'), ctx)!;
    expect(p.key).toBe('TASK_QUEUE_CHANNEL');
    expect(p.problem).toContain('TASK_QUEUE_CHANNEL (1471241464699945010)');
    expect(p.problem).toContain('the bot of SUBMITTER_TOKEN');
    expect(p.fix).toContain('Copy Channel ID');
    expect(p.fix).toContain('discord-config.env');
    expect(formatConfigProblem(p)).toMatch(/^TASK_QUEUE_CHANNEL: .* Fix: Copy the channel's id again/);
    expect(p).toMatchObject({ status: 404, discordCode: 10003 });
  });

  it('401 names the token key, whatever Discord code came with it', () => {
    for (const code of [0, 40001]) {
      const p = explainDiscordError(api(401, code, '401: Unauthorized'), { ...ctx, file: 'fleet.env' })!;
      expect(p.key).toBe('SUBMITTER_TOKEN');
      expect(p.fix).toContain('Reset Token');
      expect(p.fix).toContain('fleet.env');
    }
  });

  it('403 Missing Access / Missing Permissions name the bot, the channel and the permissions to allow', () => {
    const access = explainDiscordError(api(403, 50001), { ...ctx, bot: 'dorch-submitter' })!;
    expect(access.key).toBe('TASK_QUEUE_CHANNEL');
    expect(access.problem).toContain('bot "dorch-submitter" (SUBMITTER_TOKEN) cannot see TASK_QUEUE_CHANNEL');
    expect(access.fix).toContain('Send Messages, Attach Files');
    const perms = explainDiscordError(api(403, 50013), ctx)!;
    expect(perms.problem).toContain('lacks a permission in TASK_QUEUE_CHANNEL');
    expect(perms.fix).toContain('`dorch doctor`');
  });

  it('a channel of the wrong type (50008, 50024) says so; Unknown Guild points at GUILD_ID', () => {
    expect(explainDiscordError(api(400, 50008), ctx)!.problem).toContain('is not a text channel');
    expect(explainDiscordError(api(400, 50024), ctx)!.key).toBe('TASK_QUEUE_CHANNEL');
    expect(explainDiscordError(api(404, 10004), ctx)!.key).toBe('GUILD_ID');
  });

  it('reads what @discordjs/rest throws, too', () => {
    const raw = new DiscordAPIError(
      { code: 10003, message: 'Unknown Channel' },
      10003,
      404,
      'POST',
      'http://x/api/v10/channels/1/messages',
      {},
    );
    expect(explainDiscordError(raw, ctx)?.key).toBe('TASK_QUEUE_CHANNEL');
  });

  it('anything that is not a configuration problem stays unexplained', () => {
    expect(explainDiscordError(api(400, 160004), ctx)).toBeUndefined(); // thread already created
    expect(explainDiscordError(api(404, 10008), ctx)).toBeUndefined(); // unknown message
    expect(explainDiscordError(new BusUnavailableError('down'), ctx)).toBeUndefined();
    expect(explainDiscordError(new RateLimitedError('/x', 1000), ctx)).toBeUndefined();
    expect(explainDiscordError(new Error('boom'), ctx)).toBeUndefined();
  });
});
