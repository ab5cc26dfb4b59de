import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSON5 from 'json5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStartError } from '../../../../src/lib/errors.js';
import { createOpenClawRunner, OpenClawRunner } from '../../../../src/agent/openclaw/index.js';
import type { AgentRequest } from '../../../../src/agent/runner.js';

// The fake OpenClaw and its envelopes live with the unit tests that read them (envelope, locate).
const fixtures = fileURLToPath(new URL('../../../unit/agent/openclaw/fixtures', import.meta.url));
const FAKE_SH = join(fixtures, 'fake-openclaw.sh');
const FAKE_NODE_SCRIPT = join(fixtures, 'fake-openclaw-node.mjs');
const INSTALL_HINT =
  'install it with `npm install -g openclaw@2026.9.6` under Node >= 24.16, or run scripts/install-openclaw.sh, or set OPENCLAW_BIN';

const FAKE_KNOBS = [
  'REAL_NODE',
  'FAKE_NODE_VERSION',
  'FAKE_OPENCLAW_VERSION',
  'FAKE_OPENCLAW_VERSION_RC',
  'FAKE_OPENCLAW_STDOUT',
  'FAKE_OPENCLAW_STDERR',
  'FAKE_OPENCLAW_RC',
  'FAKE_OPENCLAW_LOG',
];

let dir: string;
let env: NodeJS.ProcessEnv;
let configPath: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oc-runner-'));
  configPath = join(dir, 'home', '.openclaw', 'openclaw.json');
  mkdirSync(join(dir, 'home', '.openclaw'), { recursive: true });
  writeFileSync(
    configPath,
    JSON.stringify({ models: { providers: { fake: { models: [{ id: 'fake-model', reasoning: false }] } } } }),
  );
  env = {
    PATH: `${join(fixtures, 'fake-node')}:/usr/bin:/bin`,
    HOME: join(dir, 'home'),
    REAL_NODE: process.execPath,
    WORKER1_TOKEN: 'discord-secret-token-1',
    MY_SECRET: 'my-custom-secret',
    VITEST: 'true',
  };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function runner(over: Partial<ConstructorParameters<typeof OpenClawRunner>[0]> = {}): OpenClawRunner {
  return createOpenClawRunner({
    workerId: 'w1',
    // The process-per-task mode; the Gateway mode has its own tests (gateway-runner.test.ts).
    mode: 'local',
    bin: FAKE_SH,
    workDir: join(dir, 'workers'),
    env,
    toolsDir: join(dir, 'no-tools'),
    stripEnv: ['MY_SECRET'],
    // The fakes' knobs: a run gets only what it needs, so the tests pass these like a user would.
    pass: FAKE_KNOBS,
    ...over,
  });
}

function request(over: Partial<AgentRequest> = {}): AgentRequest {
  const workspace = join(dir, 'workers', 'w1', 'tasks', 'discord-42');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'TASK.txt'), 'Say hello');
  return {
    taskId: 'discord-42',
    prompt: 'Say hello',
    model: 'fake/fake-model',
    thinking: 'off',
    workspace,
    timeoutMs: 120_000,
    sessionId: 'w1-discord-42',
    workerId: 'w1',
    ...over,
  };
}

async function checkError(r: OpenClawRunner): Promise<string> {
  const error = await r.check().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentStartError);
  return (error as Error).message;
}

describe('OpenClawRunner options', () => {
  it('puts the state dir under the work dir, or under a configured OPENCLAW_STATE_DIR per worker', () => {
    expect(runner().stateDir).toBe(join(dir, 'workers', 'w1', 'openclaw-state'));
    expect(runner({ stateDir: join(dir, 'states') }).stateDir).toBe(join(dir, 'states', 'w1'));
  });

  it('uses the user config from the option, $OPENCLAW_CONFIG_PATH, or ~/.openclaw/openclaw.json', () => {
    expect(runner().configPath).toBe(configPath);
    expect(runner({ configPath: '~/other.json5' }).configPath).toBe(join(dir, 'home', 'other.json5'));
    env.OPENCLAW_CONFIG_PATH = '/etc/openclaw.json';
    expect(runner().configPath).toBe('/etc/openclaw.json');
  });

  it('validates options', () => {
    expect(() => runner({ workerId: '../x' })).toThrow(TypeError);
    expect(() => runner({ checkTimeoutMs: -1 })).toThrow(
      'Expected `checkTimeoutMs` to be a finite number >= 0',
    );
  });
});

describe('OpenClawRunner.check', () => {
  it('says how to install when there is no openclaw at all', async () => {
    expect(await checkError(runner({ bin: undefined }))).toBe(`openclaw not found: ${INSTALL_HINT}`);
  });

  it('names a configured bin that does not exist', async () => {
    expect(await checkError(runner({ bin: join(dir, 'nope', 'openclaw') }))).toBe(
      `openclaw not found: \`${join(dir, 'nope', 'openclaw')}\` does not exist; ${INSTALL_HINT}`,
    );
  });

  it('refuses the 0.0.1 placeholder', async () => {
    env.FAKE_OPENCLAW_VERSION = '0.0.1';
    expect(await checkError(runner())).toBe(
      `\`${FAKE_SH}\` is openclaw 0.0.1, the empty npm placeholder that an unpinned install picks under an old Node; ${INSTALL_HINT}`,
    );
  });

  it('refuses a Node too old for the release, naming the Node from the shebang', async () => {
    env.FAKE_NODE_VERSION = 'v20.20.2';
    const message = await checkError(runner({ bin: FAKE_NODE_SCRIPT }));
    expect(message).toBe(
      `openclaw 2026.9.6 needs Node >= 24.16 (24.x) or >= 26.1, but \`${FAKE_NODE_SCRIPT}\` runs under Node 20.20.2 ` +
        `(${join(fixtures, 'fake-node', 'node')}); ${INSTALL_HINT}`,
    );
  });

  it('accepts a current release on Node 24 and reports what it found', async () => {
    const r = runner({ bin: FAKE_NODE_SCRIPT });
    await r.check();
    expect(r.info).toEqual({ bin: FAKE_NODE_SCRIPT, source: 'bin', version: '2026.9.6', node: '24.21.0' });
  });

  it('finds a bare bin name on PATH', async () => {
    env.PATH = `${fixtures}:${env.PATH}`;
    const r = runner({ bin: 'fake-openclaw.sh' });
    await r.check();
    expect(r.info?.bin).toBe(FAKE_SH);
  });
});

describe('OpenClawRunner sandbox check', () => {
  function explainReport(sandbox: Record<string, unknown>): void {
    const file = join(dir, 'explain.json');
    writeFileSync(file, `[sandbox] loading\n${JSON.stringify({ agentId: 'main', sandbox }, null, 2)}\n`);
    env.FAKE_OPENCLAW_STDOUT = file;
  }

  it('refuses to start when OpenClaw says the session would not be sandboxed', async () => {
    explainReport({ mode: 'off', sessionIsSandboxed: false, backend: 'docker' });
    const message = await checkError(runner({ sandbox: true, probeSandboxBackend: async () => undefined }));
    expect(message).toMatch(
      /^sandbox requested, but OpenClaw reports sandbox mode `off` \(sessionIsSandboxed false\)/,
    );
  });

  it('probes the backend OpenClaw reports and refuses with the probe’s reason', async () => {
    explainReport({ mode: 'all', sessionIsSandboxed: true, backend: 'podman' });
    const seen: string[] = [];
    const probe = async (backend: string) => {
      seen.push(backend);
      return backend === 'podman' ? 'podman is not running' : undefined;
    };
    expect(await checkError(runner({ sandbox: true, probeSandboxBackend: probe }))).toBe(
      'podman is not running',
    );
    expect(seen).toEqual(['podman']);
  });

  it('passes with a sandboxed session and a working backend, writing a sandbox overlay', async () => {
    explainReport({ mode: 'all', sessionIsSandboxed: true, backend: 'docker' });
    const r = runner({ sandbox: true, probeSandboxBackend: async () => undefined });
    await r.check();
    expect(r.info?.sandboxBackend).toBe('docker');
    const overlay = JSON5.parse(readFileSync(join(r.stateDir, 'dorch-openclaw.json5'), 'utf8'));
    expect(overlay.agents.defaults.sandbox).toEqual({ mode: 'all', scope: 'session', workspaceAccess: 'rw' });
  });

  it('refuses when explain prints no report', async () => {
    const message = await checkError(runner({ sandbox: true, probeSandboxBackend: async () => undefined }));
    expect(message).toMatch(/^sandbox requested, but `openclaw sandbox explain --json` gave no report/);
  });
});

describe('OpenClawRunner.run', () => {
  function fakeRun(stdoutFixture: string | undefined, rc = 0, stderr?: string): string {
    const log = join(dir, 'fake.log');
    env.FAKE_OPENCLAW_LOG = log;
    if (stdoutFixture) env.FAKE_OPENCLAW_STDOUT = join(fixtures, stdoutFixture);
    env.FAKE_OPENCLAW_RC = String(rc);
    if (stderr) env.FAKE_OPENCLAW_STDERR = stderr;
    return log;
  }

  it('runs one agent --local turn with the worker’s env and reads the envelope', async () => {
    const log = fakeRun('envelope-ok.json');
    const r = runner();
    const req = request({ thinking: 'high' });
    const result = await r.run(req);

    expect(result).toMatchObject({
      ok: true,
      model: 'fake/fake-model',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
      notes: ['thinking high downgraded to off: fake/fake-model cannot reason'],
    });
    const lines = readFileSync(log, 'utf8').split('\n');
    const args = lines.filter((l) => l.startsWith('arg:')).map((l) => l.slice(4));
    expect(args).toEqual([
      'agent',
      '--local',
      '--session-id',
      'w1-discord-42',
      '--message-file',
      join(req.workspace, 'TASK.txt'),
      '--thinking',
      'off',
      '--model',
      'fake/fake-model',
      '--timeout',
      '90',
      '--json',
    ]);
    expect(lines).toContain(`cwd:${req.workspace}`);
    const envLines = lines.filter((l) => l.startsWith('env:'));
    const overlayPath = join(r.stateDir, 'dorch-openclaw.json5');
    expect(envLines).toEqual(
      expect.arrayContaining([
        `env:OPENCLAW_STATE_DIR=${r.stateDir}`,
        `env:OPENCLAW_CONFIG_PATH=${overlayPath}`,
        `env:OPENCLAW_NO_AUTO_UPDATE=1`,
        `env:DO_NOT_TRACK=1`,
        `env:HOME=${join(dir, 'home')}`,
      ]),
    );
    expect(envLines.join('\n')).not.toMatch(/WORKER1_TOKEN|discord-secret|MY_SECRET|VITEST/);
    const overlay = JSON5.parse(readFileSync(overlayPath, 'utf8'));
    expect(overlay).toEqual({
      $include: configPath,
      agents: { defaults: { workspace: req.workspace, skipBootstrap: true } },
    });
  });

  it('gives a run the key of its model’s provider and what the config references, nothing else', async () => {
    writeFileSync(
      configPath,
      JSON.stringify({
        models: { providers: { fake: { apiKey: '${FAKE_PROVIDER_KEY}', models: [{ id: 'fake-model' }] } } },
        agents: { defaults: { model: { primary: 'fake/fake-model', fallbacks: ['anthropic/claude-x'] } } },
        gateway: { auth: { token: '${OPENCLAW_GATEWAY_TOKEN}' } },
        channels: { discord: { token: '${DISCORD_BOT_TOKEN}' } },
      }),
    );
    Object.assign(env, {
      FAKE_PROVIDER_KEY: 'sk-fake-provider-key',
      OPENROUTER_API_KEY: 'sk-or-key',
      OPENROUTER_API_KEY_2: 'sk-or-key-2',
      ANTHROPIC_API_KEY: 'sk-ant-key',
      OPENAI_API_KEY: 'sk-openai-key',
      GITHUB_TOKEN: 'ghp_unrelated',
      OPENCLAW_GATEWAY_TOKEN: 'gateway-token-value',
      OPENCLAW_LOG_LEVEL: 'debug',
      DISCORD_BOT_TOKEN: 'discord-bot-token-value',
      SNEAKY_NAME: 'discord-secret-token-1',
    });
    const log = fakeRun('envelope-ok.json');
    await runner({ pass: [...FAKE_KNOBS, 'SNEAKY_NAME'], secretValues: ['discord-secret-token-1'] }).run(
      request({ model: 'openrouter/moonshotai/kimi-k2.5' }),
    );
    const envLines = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('env:'))
      .map((l) => l.slice(4));
    expect(envLines).toEqual(
      expect.arrayContaining([
        'FAKE_PROVIDER_KEY=sk-fake-provider-key',
        'OPENROUTER_API_KEY=sk-or-key',
        'OPENROUTER_API_KEY_2=sk-or-key-2',
        'ANTHROPIC_API_KEY=sk-ant-key',
        'OPENCLAW_LOG_LEVEL=debug',
      ]),
    );
    const names = envLines.map((l) => l.split('=')[0]);
    for (const n of [
      'OPENAI_API_KEY',
      'GITHUB_TOKEN',
      'OPENCLAW_GATEWAY_TOKEN',
      'DISCORD_BOT_TOKEN',
      'SNEAKY_NAME',
    ])
      expect(names).not.toContain(n);
  });

  it('maps an exit-1 error envelope to a failure with OpenClaw’s message', async () => {
    fakeRun('envelope-cli-error.json', 1);
    const result = await runner().run(request());
    expect(result).toMatchObject({ ok: false, exitCode: 1, timedOut: false });
    expect(result.error).toBe(
      'openclaw failed: Thinking level "high" is not supported for fake/fake-model. Use one of: off.',
    );
  });

  it('without an envelope, reports stderr with stripped secrets redacted', async () => {
    fakeRun(undefined, 1, '[openclaw] Reason: bad token discord-secret-token-1');
    const result = await runner().run(request());
    expect(result.ok).toBe(false);
    expect(result.error).toBe('openclaw exited with code 1 without a JSON result: bad token [redacted]');
  });

  it('redacts a key written literally in the user’s OpenClaw config, and exposes it for the worker', async () => {
    writeFileSync(
      configPath,
      JSON.stringify({ models: { providers: { fake: { apiKey: 'sk-literal-in-config', models: [] } } } }),
    );
    fakeRun(undefined, 1, '[openclaw] Reason: provider said sk-literal-in-config is wrong');
    const r = runner();
    expect(r.secretValues).toContain('sk-literal-in-config');
    const result = await r.run(request());
    expect(result.error).toBe(
      'openclaw exited with code 1 without a JSON result: provider said [redacted] is wrong',
    );
  });

  it('resolves with a failure (never throws) when openclaw cannot be found', async () => {
    const result = await runner({ bin: join(dir, 'missing') }).run(request());
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^could not start openclaw: openclaw not found: /);
    expect(result.model).toBe('fake/fake-model');
  });

  it('writes TASK.txt from the prompt when the workspace lacks it', async () => {
    fakeRun('envelope-ok.json');
    const workspace = join(dir, 'bare-workspace');
    const result = await runner().run(request({ workspace, prompt: 'From the prompt' }));
    expect(result.ok).toBe(true);
    expect(readFileSync(join(workspace, 'TASK.txt'), 'utf8')).toBe('From the prompt');
  });
});
