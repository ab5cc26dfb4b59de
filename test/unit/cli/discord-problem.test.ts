/** Discord errors met by a worker or the manager, named by config key, bot and fix. */
import { DiscordAPIError } from '@discordjs/rest';
import { describe, expect, it } from 'vitest';
import { configProblem, describeConfigProblem, workerTokenKey } from '../../../src/cli/discord-problem.js';
import { toBusError } from '../../../src/bus/discord/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { BusUnavailableError } from '../../../src/lib/errors.js';

const T = (n: number) => `MTQ3MTI0MTQ2NDY5OTk0NTAx${n}.Gabcde.token-${n}-xxxxxxxxxxxxxxxxxxxxxxxxxx`;
const { config } = loadConfig({
  file: '/nonexistent/discord-config.env',
  env: {
    TASK_QUEUE_CHANNEL: '111',
    RESULTS_CHANNEL: '222',
    WORKER_POOL_CHANNEL: '333',
    WORKER1_TOKEN: T(1),
    WORKER2_TOKEN: T(2),
  },
});

// What `@discordjs/rest` throws for a request to `path`, mapped as the bus maps it.
function discordError(status: number, code: number, message: string, path: string): Error {
  const raw = new DiscordAPIError(
    { code, message },
    code,
    status,
    'GET',
    `https://discord.com/api/v10${path}`,
    {
      body: undefined,
      files: undefined,
    },
  );
  return toBusError(raw, 'GET', '/channels/:id/messages');
}

describe('configProblem', () => {
  it('a deleted channel names the key whose id the request used', () => {
    const error = discordError(404, 10003, 'Unknown Channel', '/channels/222/messages?limit=100');
    expect(configProblem(config, error, { tokenKey: 'WORKER2_TOKEN', role: 'worker' })).toMatchObject({
      key: 'RESULTS_CHANNEL',
      discordCode: 10003,
    });
    expect(describeConfigProblem(config, error, { tokenKey: 'WORKER2_TOKEN', role: 'worker' })).toMatch(
      /^RESULTS_CHANNEL: the bot of WORKER2_TOKEN finds no channel RESULTS_CHANNEL \(222\).* Fix: Copy the channel's id again/,
    );
  });

  it('a missing permission in a claim thread (its id is the task message’s) is the queue’s, with what a worker needs there', () => {
    const error = discordError(403, 50013, 'Missing Permissions', '/channels/999/messages');
    const line = describeConfigProblem(config, error, { tokenKey: 'WORKER1_TOKEN', role: 'worker' })!;
    expect(line).toMatch(
      /^TASK_QUEUE_CHANNEL: the bot of WORKER1_TOKEN lacks a permission in TASK_QUEUE_CHANNEL \(111\)/,
    );
    expect(line).toContain('Manage Threads');
  });

  it('a rejected token names the token key; an outage is no config problem', () => {
    const error = discordError(401, 0, '401: Unauthorized', '/users/@me');
    expect(
      configProblem(config, error, { tokenKey: 'WORKER2_TOKEN', role: 'worker', file: 'fleet.env' }),
    ).toMatchObject({
      key: 'WORKER2_TOKEN',
      fix: expect.stringContaining('into WORKER2_TOKEN in fleet.env'),
    });
    expect(
      configProblem(config, new BusUnavailableError('down'), { tokenKey: 'WORKER1_TOKEN', role: 'worker' }),
    ).toBeUndefined();
  });

  it("a worker's token key: its WORKERn_TOKEN, else BOT_TOKEN", () => {
    expect(workerTokenKey(config, T(2))).toBe('WORKER2_TOKEN');
    expect(workerTokenKey(config, 'another')).toBe('BOT_TOKEN');
  });
});
