import { describe, expect, it } from 'vitest';
import { buildAgentEnv, stripEnv } from '../../../../src/agent/command/agent-env.js';
import { request } from '../helpers.js';

describe('stripEnv', () => {
  it('removes exact names and wildcard matches only', () => {
    const env = {
      PATH: '/bin',
      BOT_TOKEN: 'a',
      WORKER1_TOKEN: 'b',
      WORKER12_TOKEN: 'c',
      WORKER_TOKENS: 'd',
      bot_token: 'e',
    };
    expect(stripEnv(env, ['BOT_TOKEN', 'WORKER*_TOKEN'])).toEqual({
      PATH: '/bin',
      WORKER_TOKENS: 'd',
      bot_token: 'e',
    });
  });

  it('treats regex characters in names literally', () => {
    expect(stripEnv({ 'A.B': '1', AXB: '2' }, ['A.B'])).toEqual({ AXB: '2' });
  });
});

describe('buildAgentEnv', () => {
  it('adds the DORCH_* variables, overriding inherited ones', () => {
    const env = buildAgentEnv(
      { DORCH_TASK_ID: 'stale', SECRET: 's', HOME: '/h' },
      ['SECRET'],
      request('/ws'),
    );
    expect(env).toEqual({
      HOME: '/h',
      DORCH_TASK_ID: 'discord-1234567890',
      DORCH_MODEL: 'openrouter/moonshotai/kimi-k2.5',
      DORCH_THINKING: 'low',
      DORCH_WORKSPACE: '/ws',
      DORCH_SESSION_ID: 'worker-1-discord-1234567890',
      DORCH_WORKER_ID: 'worker-1',
      DORCH_TIMEOUT_MS: '10000',
    });
  });
});
