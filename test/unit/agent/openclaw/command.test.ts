import { describe, expect, it } from 'vitest';
import { buildAgentArgs, buildAgentEnv, turnTimeoutSeconds } from '../../../../src/agent/openclaw/command.js';

describe('buildAgentArgs', () => {
  it('builds one --local --json turn reading TASK.txt from the workspace', () => {
    expect(
      buildAgentArgs({
        sessionId: 'w1-discord-42',
        workspace: '/work/w1/tasks/discord-42',
        model: 'fake/fake-model',
        thinking: 'off',
        turnTimeoutSec: 90,
      }),
    ).toEqual([
      'agent',
      '--local',
      '--session-id',
      'w1-discord-42',
      '--message-file',
      '/work/w1/tasks/discord-42/TASK.txt',
      '--thinking',
      'off',
      '--model',
      'fake/fake-model',
      '--timeout',
      '90',
      '--json',
    ]);
  });
});

describe('turnTimeoutSeconds', () => {
  it('stays a margin below the task timeout, capped at half of it, at least 1 s', () => {
    expect(turnTimeoutSeconds(120_000, 30_000)).toBe(90);
    expect(turnTimeoutSeconds(36_000, 30_000)).toBe(18);
    expect(turnTimeoutSeconds(1_000, 30_000)).toBe(1);
    expect(turnTimeoutSeconds(600_000, 0)).toBe(600);
  });
});

describe('buildAgentEnv', () => {
  const base: NodeJS.ProcessEnv = {
    HOME: '/home/u',
    PATH: '/usr/bin',
    WORKER1_TOKEN: 'discord-token-1',
    WORKER12_TOKEN: 'discord-token-12',
    BOT_TOKEN: 'bot-token',
    SUBMITTER_TOKEN: 'submitter-token',
    MY_SECRET: 'custom-secret',
    OPENROUTER_API_KEY: 'sk-or-kept',
    OPENAI_API_KEY: 'sk-openai-not-needed',
    GITHUB_TOKEN: 'ghp_not_needed',
    VITEST: 'true',
    VITEST_POOL_ID: '1',
    NODE_ENV: 'test',
    OPENCLAW_WORKSPACE_DIR: '/elsewhere',
    OPENCLAW_STATE_DIR: '/shared-state',
    OPENCLAW_LOG_LEVEL: 'debug',
    OPENCLAW_GATEWAY_TOKEN: 'gateway-secret',
    DOCKER_HOST: 'unix:///run/docker.sock',
    SOME_TOOL_SETTING: 'x',
  };
  const env = buildAgentEnv({
    base,
    stripEnv: ['MY_SECRET'],
    pass: ['MY_SECRET', 'VITEST', 'WORKER1_TOKEN'],
    keys: (name) => name === 'OPENROUTER_API_KEY',
    stateDir: '/work/w1/openclaw-state',
    configPath: '/work/w1/openclaw-state/dorch-openclaw.json5',
    includeRoots: '/home/u/.openclaw',
    pathValue: '/tools/node24/bin:/usr/bin',
  });

  it('passes the base, OpenClaw settings, the sandbox backend and the run’s provider key, nothing else', () => {
    for (const key of [
      'WORKER1_TOKEN',
      'WORKER12_TOKEN',
      'BOT_TOKEN',
      'SUBMITTER_TOKEN',
      'MY_SECRET',
      'VITEST',
      'VITEST_POOL_ID',
      'NODE_ENV',
      'OPENCLAW_WORKSPACE_DIR',
      'OPENCLAW_GATEWAY_TOKEN',
      'OPENAI_API_KEY',
      'GITHUB_TOKEN',
      'SOME_TOOL_SETTING',
    ]) {
      expect(env).not.toHaveProperty(key);
    }
    expect(env.OPENROUTER_API_KEY).toBe('sk-or-kept');
    expect(env.HOME).toBe('/home/u');
    expect(env.OPENCLAW_LOG_LEVEL).toBe('debug');
    expect(env.DOCKER_HOST).toBe('unix:///run/docker.sock');
    expect(JSON.stringify(env)).not.toMatch(
      /discord-token|bot-token|submitter-token|custom-secret|gateway-secret/,
    );
  });

  it('gives the start-up probes no provider key', () => {
    const probe = buildAgentEnv({
      base,
      stripEnv: [],
      stateDir: '/s',
      configPath: '/c',
      includeRoots: '/',
      pathValue: '/usr/bin',
    });
    expect(probe).not.toHaveProperty('OPENROUTER_API_KEY');
  });

  it('sets the worker’s state dir, the overlay config and the quiet switches', () => {
    expect(env).toMatchObject({
      PATH: '/tools/node24/bin:/usr/bin',
      OPENCLAW_STATE_DIR: '/work/w1/openclaw-state',
      OPENCLAW_CONFIG_PATH: '/work/w1/openclaw-state/dorch-openclaw.json5',
      OPENCLAW_INCLUDE_ROOTS: '/home/u/.openclaw',
      OPENCLAW_NO_AUTO_UPDATE: '1',
      DO_NOT_TRACK: '1',
    });
  });

  it('passes a NODE_ENV that is not a test marker when listed', () => {
    const prod = buildAgentEnv({
      base: { NODE_ENV: 'production' },
      stripEnv: [],
      pass: ['NODE_ENV'],
      stateDir: '/s',
      configPath: '/c',
      includeRoots: '/',
      pathValue: '/usr/bin',
    });
    expect(prod.NODE_ENV).toBe('production');
  });
});
