import { describe, expect, it } from 'vitest';
import { requireDiscordKeys, type DiscordUse } from '../../../src/config/require-discord.js';
import type { Config } from '../../../src/config/schema.js';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/lib/errors.js';

const token = (n: number) => [`MTA0NzY1MjUxMzQ1MjM4MjI4${n}`, 'GabcdE', `${'h'.repeat(30)}${n}`].join('.');
const CHANNELS = { TASK_QUEUE_CHANNEL: '1', RESULTS_CHANNEL: '2', WORKER_POOL_CHANNEL: '3' };

function config(env: Record<string, string>): Config {
  return loadConfig({ file: '/nonexistent/discord-config.env', env }).config;
}

// The keys named by the ConfigError, or [] when none is thrown.
function missing(cfg: Config, use: DiscordUse, workers?: number): string[] {
  try {
    requireDiscordKeys(cfg, use, { workers });
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => i.slice(0, i.indexOf(':')));
  }
}

describe('requireDiscordKeys', () => {
  it.each([
    ['worker', {}, undefined, ['BOT_TOKEN', 'TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL']],
    ['worker', { ...CHANNELS, BOT_TOKEN: token(1) }, undefined, []],
    ['worker', { ...CHANNELS, WORKER1_TOKEN: token(1) }, undefined, []],
    [
      'worker',
      { BOT_TOKEN: token(1), TASK_QUEUE_CHANNEL: '1' },
      undefined,
      ['RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'],
    ],
    ['submit', {}, undefined, ['SUBMITTER_TOKEN', 'TASK_QUEUE_CHANNEL']],
    ['submit', { SUBMITTER_TOKEN: token(1), TASK_QUEUE_CHANNEL: '1' }, undefined, []],
    ['submit', { BOT_TOKEN: token(1), TASK_QUEUE_CHANNEL: '1' }, undefined, []],
    ['submit', { WORKER1_TOKEN: token(1), TASK_QUEUE_CHANNEL: '1' }, undefined, ['SUBMITTER_TOKEN']],
    ['manager', { ...CHANNELS, WORKER1_TOKEN: token(1) }, 3, ['WORKER2_TOKEN, WORKER3_TOKEN']],
    ['manager', { ...CHANNELS, WORKER1_TOKEN: token(1), WORKER2_TOKEN: token(2) }, 2, []],
    ['manager', { ...CHANNELS, BOT_TOKEN: token(1) }, 5, []],
    [
      'manager',
      { WORKER1_TOKEN: token(1) },
      undefined,
      ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'],
    ],
  ] as const)('%s with %j (workers %s) misses %j', (use, env, workers, keys) => {
    expect(missing(config(env), use, workers)).toEqual(keys);
  });

  it('explains how to fix a missing key', () => {
    expect(() => requireDiscordKeys(config({}), 'submit', { file: 'my.env' })).toThrow(
      /TASK_QUEUE_CHANNEL: missing \(the #task-queue channel id\); set it in my\.env or the environment, or run `dorch setup`/,
    );
  });

  it('says how many worker tokens a manager needs', () => {
    expect(() =>
      requireDiscordKeys(config({ ...CHANNELS, WORKER1_TOKEN: token(1) }), 'manager', { workers: 2 }),
    ).toThrow(
      /WORKER2_TOKEN: missing; 2 worker\(s\) need WORKER1_TOKEN\.\.WORKER2_TOKEN \(found 1\), or set BOT_TOKEN/,
    );
  });

  it.each([
    [
      'submit',
      { BOT_TOKEN: token(1), TASK_QUEUE_CHANNEL: '1' },
      undefined,
      /^SUBMITTER_TOKEN is not set; submitting with BOT_TOKEN/,
    ],
    [
      'manager',
      { ...CHANNELS, WORKER1_TOKEN: token(1), BOT_TOKEN: token(2) },
      3,
      /^Only 1 of 3 workers have their own/,
    ],
  ] as const)('warns for %s with %j', (use, env, workers, pattern) => {
    const warnings = requireDiscordKeys(config(env), use, { workers });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(pattern);
  });

  it('never includes a token in its messages', () => {
    const cfg = config({ BOT_TOKEN: token(1), WORKER1_TOKEN: token(2) });
    let text = '';
    for (const use of ['worker', 'submit', 'manager'] as const) {
      try {
        text += requireDiscordKeys(cfg, use, { workers: 4 }).join('\n');
      } catch (error) {
        text += (error as Error).message;
      }
    }
    expect(text).toContain('RESULTS_CHANNEL');
    expect(text).not.toContain(token(1));
    expect(text).not.toContain(token(2));
  });
});
