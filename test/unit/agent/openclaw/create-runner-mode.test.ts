/** Which OpenClaw mode `createRunner` picks: the configured one, else gateway only for workers that stay up. */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../../../src/agent/create-runner.js';
import type { OpenClawRunner } from '../../../../src/agent/openclaw/index.js';
import { configSchema, type RawConfig } from '../../../../src/config/schema.js';

async function modeOf(raw: RawConfig, keepAlive?: boolean): Promise<string> {
  const config = configSchema.parse({
    AGENT_RUNNER: 'openclaw',
    OPENCLAW_CONFIG_PATH: '/nonexistent/openclaw.json',
    ...raw,
  });
  const runner = (await createRunner(config, {
    workerId: 'w1',
    ...(keepAlive === undefined ? {} : { keepAlive }),
  })) as OpenClawRunner;
  return runner.mode;
}

describe('createRunner: OpenClaw mode', () => {
  it('runs a worker that restarts after each task with --local, one that stays up through a Gateway', async () => {
    expect(await modeOf({})).toBe('local');
    expect(await modeOf({}, false)).toBe('local');
    expect(await modeOf({}, true)).toBe('gateway');
  });

  it('keeps the sandbox on the local mode, and an explicit OPENCLAW_MODE always wins', async () => {
    expect(await modeOf({ AGENT_SANDBOX: '1' }, true)).toBe('local');
    expect(await modeOf({ OPENCLAW_MODE: 'local' }, true)).toBe('local');
    expect(await modeOf({ OPENCLAW_MODE: 'gateway' }, false)).toBe('gateway');
  });
});
