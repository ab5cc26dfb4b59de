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
    VITEST: 'true',
    VITEST_POOL_ID: '1',
    NODE_ENV: 'test',
    OPENCLAW_WORKSPACE_DIR: '/elsewhere',
    OPENCLAW_STATE_DIR: '/shared-state',
  };
  const env = buildAgentEnv({
    base,
    stripEnv: ['MY_SECRET'],
    stateDir: '/work/w1/openclaw-state',
    configPath: '/work/w1/openclaw-state/dorch-openclaw.json5',
    includeRoots: '/home/u/.openclaw',
    pathValue: '/tools/node24/bin:/usr/bin',
  });

  it('strips Discord tokens, the listed names and test-runner markers, keeping provider keys', () => {
    for (const key of [
      'WORKER1_TOKEN',
      'WORKER12_TOKEN',
      'BOT_TOKEN',
      'SUBMITTER_TOKEN',
      'MY_SECRET',
      'VITEST',
    ]) {
      expect(env).not.toHaveProperty(key);
    }
    expect(env).not.toHaveProperty('VITEST_POOL_ID');
    expect(env).not.toHaveProperty('NODE_ENV');
    expect(env).not.toHaveProperty('OPENCLAW_WORKSPACE_DIR');
    expect(env.OPENROUTER_API_KEY).toBe('sk-or-kept');
    expect(env.HOME).toBe('/home/u');
    expect(JSON.stringify(env)).not.toMatch(/discord-token|bot-token|submitter-token|custom-secret/);
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

  it('keeps a NODE_ENV that is not a test marker', () => {
    const prod = buildAgentEnv({
      base: { NODE_ENV: 'production' },
      stripEnv: [],
      stateDir: '/s',
      configPath: '/c',
      includeRoots: '/',
      pathValue: '/usr/bin',
    });
    expect(prod.NODE_ENV).toBe('production');
  });
});
