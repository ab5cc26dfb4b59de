/**
 * The real OpenClaw CLI (the `.tools` install from scripts/install-openclaw.sh) through OpenClawRunner, against the
 * fake model server. Each real turn costs 10-20 s and most of a core, so there are only three of them: a normal
 * turn, a thinking downgrade, and a hung model. Missing install = failure with a fix-it message (CI installs it);
 * `DORCH_SKIP_OPENCLAW=1` skips the file on machines that cannot hold the ~650 MB install.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStartError } from '../../src/lib/errors.js';
import {
  createOpenClawRunner,
  OPENCLAW_TESTED_VERSION,
  type OpenClawRunner,
} from '../../src/agent/openclaw/index.js';
import type { AgentRequest } from '../../src/agent/runner.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import {
  createOpenClawScratch,
  processesUsingStateDir,
  requireOpenClawInstall,
  skipRealOpenClaw,
  type OpenClawScratch,
} from '../helpers/openclaw.js';

const REAL_RUN_TIMEOUT_MS = 120_000;
const PROVIDER_KEY = `sk-fake-${process.pid}-provider-key`;

async function waitForNoProcesses(stateDir: string): Promise<number[]> {
  for (let i = 0; i < 50; i++) {
    const pids = processesUsingStateDir(stateDir);
    if (pids.length === 0) return pids;
    await new Promise((r) => setTimeout(r, 200));
  }
  return processesUsingStateDir(stateDir);
}

// Skipped only on explicit request: DORCH_SKIP_OPENCLAW=1 (the install is ~650 MB and each run ~15 s of CPU).
describe.skipIf(skipRealOpenClaw())('OpenClawRunner (local mode) with the real openclaw CLI', () => {
  let server: FakeModelServer;
  let scratch: OpenClawScratch;
  let runner: OpenClawRunner;

  beforeAll(async () => {
    requireOpenClawInstall();
    server = await startFakeModelServer();
    // The provider key comes from the environment through a ${VAR} reference, as users configure it; the runner
    // must pass exactly that variable (and not, say, OPENAI_API_KEY) to OpenClaw.
    scratch = await createOpenClawScratch({ baseUrl: server.url, apiKey: '${DORCH_FAKE_PROVIDER_KEY}' });
    scratch.env.DORCH_FAKE_PROVIDER_KEY = PROVIDER_KEY;
    scratch.env.OPENAI_API_KEY = 'sk-not-for-openclaw';
    // PATH without any global openclaw, so the project's .tools install is the one found.
    runner = createOpenClawRunner({ workerId: 'itest-1', mode: 'local', ...scratch.runnerOptions });
  });

  afterAll(async () => {
    await server?.close();
    await scratch?.cleanup();
  });

  async function request(taskId: string, overrides: Partial<AgentRequest> = {}): Promise<AgentRequest> {
    const prompt = overrides.prompt ?? `Say hello for ${taskId}`;
    return {
      taskId,
      prompt,
      model: 'fake/fake-model',
      thinking: 'off',
      workspace: await scratch.workspace('itest-1', taskId, prompt),
      timeoutMs: 100_000,
      sessionId: `itest-1-${taskId}`,
      workerId: 'itest-1',
      ...overrides,
    };
  }

  it('check() finds the .tools install and its Node 24', async () => {
    await runner.check();
    expect(runner.info?.version).toBe(OPENCLAW_TESTED_VERSION);
    expect(runner.info?.source).toBe('tools');
    expect(runner.info?.node).toMatch(/^24\./);
  });

  it(
    'returns the answer, usage, cost and model from the --json envelope',
    async () => {
      server.setReply('PROBE-OK: hello from the fake model');
      const result = await runner.run(await request('discord-1001'));
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.text).toBe('PROBE-OK: hello from the fake model');
      expect(result.exitCode).toBe(0);
      expect(result.timedOut).toBe(false);
      expect(result.model).toBe('fake/fake-model');
      // The server reports 1234 prompt tokens of which 200 cached: OpenClaw records 1034 uncached input.
      expect(result.usage).toEqual({ input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 });
      // Per 1M tokens: 1034 × 3 + 56 × 15 + 200 × 0.3.
      expect(result.costUsd).toBeCloseTo(0.004002, 9);
      expect(result.notes).toEqual([]);
      const call = server.requests.find((r) => r.path.endsWith('/chat/completions'));
      expect(call?.body.model).toBe('fake-model');
      // OpenClaw got its provider key from the environment the runner built.
      expect(call?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect(JSON.stringify(call?.body.messages)).toContain('Say hello for discord-1001');
    },
    REAL_RUN_TIMEOUT_MS,
  );

  it(
    'downgrades thinking on a model that cannot reason, with a note, and succeeds',
    async () => {
      server.setReply(undefined);
      const before = server.requests.length;
      const result = await runner.run(await request('discord-1002', { thinking: 'high' }));
      expect(result.error).toBeUndefined();
      expect(result.ok).toBe(true);
      expect(result.notes).toEqual(['thinking high downgraded to off: fake/fake-model cannot reason']);
      expect(result.text).toContain('FAKE-REPLY');
      const calls = server.requests.slice(before).filter((r) => r.path.endsWith('/chat/completions'));
      expect(calls.length).toBeGreaterThan(0);
      expect(
        calls.every((c) => c.body.reasoning_effort === undefined && c.body.reasoning === undefined),
      ).toBe(true);
    },
    REAL_RUN_TIMEOUT_MS,
  );

  it(
    'a hung model server with a short timeout gives timedOut and leaves no process behind',
    async () => {
      server.setMode('hang');
      try {
        // 20 s: OpenClaw's own 10 s turn deadline comes after its 10-15 s start-up, so normally our kill of the
        // process group fires first (the path that must leave nothing behind). If OpenClaw is quicker it reports
        // its own timeout (that envelope is covered by the unit tests); both must come out as timedOut.
        const result = await runner.run(await request('discord-1003', { timeoutMs: 20_000 }));
        expect(result.ok).toBe(false);
        expect(result.timedOut).toBe(true);
        expect(result.error).toMatch(/timed out/);
        expect(await waitForNoProcesses(runner.stateDir)).toEqual([]);
      } finally {
        server.setMode('ok');
      }
    },
    REAL_RUN_TIMEOUT_MS,
  );

  it(
    'sandbox: OpenClaw confirms every session is sandboxed, then the backend is probed',
    async () => {
      const probed: string[] = [];
      const sandboxed = createOpenClawRunner({
        workerId: 'itest-sandbox',
        ...scratch.runnerOptions,
        sandbox: true,
        probeSandboxBackend: async (backend) => {
          probed.push(backend);
          return `no ${backend} here (test probe)`;
        },
      });
      // Reaching the probe means `openclaw sandbox explain` reported mode "all" and sessionIsSandboxed.
      const error = await sandboxed.check().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AgentStartError);
      expect((error as Error).message).toBe('no docker here (test probe)');
      expect(probed).toEqual(['docker']);
    },
    REAL_RUN_TIMEOUT_MS,
  );
});
