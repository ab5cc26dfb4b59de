import { describe, expect, it } from 'vitest';
import { agentEnv, commandAgentEnv, isBaseEnvName } from '../../../src/agent/agent-env.js';
import { request } from '../../helpers/agent.js';

const WORKER_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/bin',
  HOME: '/home/u',
  USER: 'u',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  TMPDIR: '/tmp/u',
  HTTPS_PROXY: 'http://proxy:3128',
  XDG_RUNTIME_DIR: '/run/user/1000',
  OPENAI_API_KEY: 'sk-openai-secret',
  OPENROUTER_API_KEY: 'sk-or-secret',
  GITHUB_TOKEN: 'ghp_secret',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  WORKER1_TOKEN: 'discord-token-1',
  BOT_TOKEN: 'discord-bot-token',
  SUBMITTER_TOKEN: 'discord-submitter-token',
  DISCORD_TOKEN: 'discord-token-x',
  MY_BOT: 'discord-token-1',
  NODE_OPTIONS: '--require /tmp/x.js',
  VITEST: 'true',
  RANDOM_SETTING: 'x',
};

describe('agentEnv', () => {
  it('passes only the base: no API key, no token, nothing else of the worker', () => {
    expect(agentEnv({ env: WORKER_ENV })).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/u',
      USER: 'u',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      TMPDIR: '/tmp/u',
      HTTPS_PROXY: 'http://proxy:3128',
      XDG_RUNTIME_DIR: '/run/user/1000',
    });
  });

  it('adds the names listed in pass, but never a Discord token, a `never` name or a token value', () => {
    const env = agentEnv({
      env: WORKER_ENV,
      pass: ['OPENAI_API_KEY', 'WORKER1_TOKEN', 'BOT_TOKEN', 'MY_BOT', 'GITHUB_TOKEN', 'NOT_SET'],
      never: ['GITHUB_*'],
      neverValues: ['discord-token-1'],
    });
    expect(env.OPENAI_API_KEY).toBe('sk-openai-secret');
    for (const name of [
      'WORKER1_TOKEN',
      'BOT_TOKEN',
      'MY_BOT',
      'GITHUB_TOKEN',
      'NOT_SET',
      'OPENROUTER_API_KEY',
    ])
      expect(env).not.toHaveProperty(name);
    expect(JSON.stringify(env)).not.toContain('discord');
  });

  it('lets a runner add its own names through `extra`', () => {
    const env = agentEnv({ env: WORKER_ENV }, (name) => name === 'RANDOM_SETTING' || name === 'BOT_TOKEN');
    expect(env.RANDOM_SETTING).toBe('x');
    expect(env).not.toHaveProperty('BOT_TOKEN');
  });

  it('knows the base names', () => {
    for (const n of ['PATH', 'LC_CTYPE', 'XDG_CONFIG_HOME', 'no_proxy']) expect(isBaseEnvName(n)).toBe(true);
    for (const n of ['NODE_OPTIONS', 'OPENAI_API_KEY', 'LD_PRELOAD']) expect(isBaseEnvName(n)).toBe(false);
  });
});

describe('commandAgentEnv', () => {
  it('adds the DORCH_* variables, overriding inherited ones', () => {
    const env = commandAgentEnv(
      { env: { DORCH_TASK_ID: 'stale', SECRET: 's', HOME: '/h' }, pass: ['DORCH_TASK_ID'] },
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
