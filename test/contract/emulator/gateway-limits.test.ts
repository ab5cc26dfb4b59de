/**
 * Session starts: `GET /gateway/bot` counts each bot's IDENTIFYs (not RESUMEs), and going past the limit ends
 * every session and resets the token ([gw] Identifying: "Upon hitting this limit, all active sessions for the app
 * will be terminated, the bot token will be reset").
 */
import { DiscordAPIError } from '@discordjs/rest';
import { GatewayIntentBits as I, Routes, type APIGatewayBotInfo } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../../helpers/emulator.js';
import { gatewayUrl, rawGateway, recordedGateway, type RecordedGateway } from '../../helpers/gateway.js';

// A slow test machine must not trip the server's heartbeat timeout; the protocol tests cover that rule.
const emu = useEmulator({
  rateLimits: false,
  gateway: { heartbeatIntervalMs: 1000, heartbeatTimeoutFactor: 10, identifyWindowMs: 0 },
});
const INTENTS = I.Guilds | I.GuildMessages;

const clients: RecordedGateway[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.destroy()));
  await emu.admin.gateway.configure({ sessionStartLimit: 1000, sessionStartWindowMs: 86_400_000 });
});

const gatewayBot = async (token: string) =>
  (await restFor(emu.world, token).get(Routes.gatewayBot())) as APIGatewayBotInfo;

describe('gateway session starts', () => {
  it('serves /gateway/bot with the gateway URL, one shard and a per-bot remaining count that IDENTIFY spends and RESUME does not', async () => {
    const bot = await emu.admin.createBot({ name: 'counted' });
    const before = await gatewayBot(bot.token);
    expect(before).toEqual({
      url: gatewayUrl(emu.world).replace(/\?.*$/, ''),
      shards: 1,
      session_start_limit: {
        total: 1000,
        remaining: 1000,
        reset_after: expect.any(Number),
        max_concurrency: 1,
      },
    });
    const worker = recordedGateway(emu.world, { token: bot.token, intents: INTENTS });
    clients.push(worker);
    await worker.connect();
    expect((await gatewayBot(bot.token)).session_start_limit.remaining).toBe(999);
    await emu.admin.gateway.disconnect({ userId: bot.userId });
    await worker.dispatch('RESUMED');
    expect((await gatewayBot(bot.token)).session_start_limit.remaining).toBe(999);
    const after = (await gatewayBot(bot.token)).session_start_limit;
    expect(after.reset_after).toBeGreaterThan(0);
    expect(after.reset_after).toBeLessThanOrEqual(86_400_000);
    // Another bot's budget is untouched.
    expect((await gatewayBot(emu.world.tokens.workers[0]!)).session_start_limit.remaining).toBe(1000);
    expect((await emu.admin.gateway.stats()).byBot.counted).toMatchObject({
      identifies: 1,
      resumes: 1,
      sessionStartsRemaining: 999,
    });
  });

  it('ends every session and resets the token when a bot goes past the limit', async () => {
    await emu.admin.gateway.configure({ sessionStartLimit: 2 });
    const bot = await emu.admin.createBot({ name: 'restart-loop' });
    const first = recordedGateway(emu.world, { token: bot.token, intents: INTENTS });
    const second = recordedGateway(emu.world, { token: bot.token, intents: INTENTS });
    clients.push(first, second);
    await first.connect();
    await second.connect();
    expect((await gatewayBot(bot.token)).session_start_limit.remaining).toBe(0);
    // @discordjs/ws refuses to start with no session starts left…
    const third = recordedGateway(emu.world, { token: bot.token, intents: INTENTS });
    clients.push(third);
    await expect(third.connect()).rejects.toThrow(/Not enough sessions remaining/);
    // …but a client that identifies anyway (a restart loop) costs the bot its token.
    const raw = await rawGateway(gatewayUrl(emu.world));
    raw.identify(bot.token, INTENTS);
    expect((await raw.closed).code).toBe(4004);
    expect(await first.closed()).toBe(4004);
    expect(await second.closed()).toBe(4004);
    const error = await gatewayBot(bot.token).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).status).toBe(401);
    const stats = (await emu.admin.gateway.stats()).byBot['restart-loop']!;
    expect(stats).toMatchObject({ identifies: 2, tokenResets: 1, open: 0, closedByServer: { '4004': 2 } });
    // The owner resets the token in the portal; the new one works over REST.
    const token = await emu.admin.gateway.resetToken(bot.userId);
    expect(token).not.toBe(bot.token);
    expect((await gatewayBot(token)).session_start_limit.remaining).toBe(0);
  });

  it('gives the budget back when the window has passed', async () => {
    await emu.admin.gateway.configure({ sessionStartWindowMs: 200 });
    const bot = await emu.admin.createBot({ name: 'window' });
    const raw = await rawGateway(gatewayUrl(emu.world));
    raw.identify(bot.token, INTENTS);
    await raw.next((p) => p.t === 'READY', 'READY');
    const spent = (await gatewayBot(bot.token)).session_start_limit;
    expect(spent.remaining).toBe(999);
    expect(spent.reset_after).toBeLessThanOrEqual(200);
    await raw.close();
    // Wait out the reported reset_after (a documented duration, not a guess), then the count is back.
    await new Promise((r) => setTimeout(r, spent.reset_after + 10));
    expect((await gatewayBot(bot.token)).session_start_limit.remaining).toBe(1000);
  });
});
