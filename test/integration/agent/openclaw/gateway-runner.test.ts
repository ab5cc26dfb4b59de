/**
 * The Gateway mode of OpenClawRunner against a fake Gateway (fixtures/fake-openclaw-gateway.mjs): a real process
 * speaking the WebSocket protocol over a real socket, with openclaw 2026.9.6's answer shapes. The real Gateway is
 * covered by test/openclaw/runner-gateway.test.ts.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStartError } from '../../../../src/lib/errors.js';
import { createOpenClawRunner, type OpenClawRunner } from '../../../../src/agent/openclaw/index.js';
import { WARM_UP_MODEL } from '../../../../src/agent/openclaw/gateway/gateway-host.js';
import type { AgentRequest } from '../../../../src/agent/runner.js';
import { processesUsingStateDir } from '../../../helpers/openclaw.js';

const fixtures = fileURLToPath(new URL('../../../unit/agent/openclaw/fixtures', import.meta.url));
const FAKE_GATEWAY = join(fixtures, 'fake-openclaw-gateway.mjs');

interface LogEntry {
  event: string;
  method?: string;
  params?: Record<string, unknown>;
  pid?: number;
  args?: string[];
  env?: Record<string, string>;
  config?: Record<string, unknown>;
  how?: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;
let logFile: string;
let control: string;
let configPath: string;
const runners: OpenClawRunner[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'oc-gateway-'));
  logFile = join(dir, 'gateway-log.jsonl');
  control = join(dir, 'control');
  configPath = join(dir, 'home', '.openclaw', 'openclaw.json');
  mkdirSync(join(dir, 'home', '.openclaw'), { recursive: true });
  writeFileSync(
    configPath,
    JSON.stringify({
      models: {
        providers: {
          fake: { apiKey: '${FAKE_PROVIDER_KEY}', models: [{ id: 'fake-model', reasoning: false }] },
        },
      },
    }),
  );
  env = {
    PATH: `${join(fixtures, 'fake-node')}:/usr/bin:/bin`,
    HOME: join(dir, 'home'),
    REAL_NODE: process.execPath,
    FAKE_GW_LOG: logFile,
    FAKE_GW_CONTROL: control,
    FAKE_PROVIDER_KEY: 'sk-fake-provider-key-1',
    OPENAI_API_KEY: 'sk-openai-not-needed',
    WORKER1_TOKEN: 'discord-secret-token-1',
  };
});

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.close()));
  rmSync(dir, { recursive: true, force: true });
});

function runner(over: Partial<Parameters<typeof createOpenClawRunner>[0]> = {}): OpenClawRunner {
  const r = createOpenClawRunner({
    workerId: 'w1',
    mode: 'gateway',
    bin: FAKE_GATEWAY,
    workDir: join(dir, 'workers'),
    env,
    toolsDir: join(dir, 'no-tools'),
    pass: ['REAL_NODE', 'FAKE_GW_LOG', 'FAKE_GW_START', 'FAKE_GW_CONTROL'],
    gatewayStartTimeoutMs: 20_000,
    abortGraceMs: 1_000,
    processOptions: { killGraceMs: 1_000 },
    ...over,
  });
  runners.push(r);
  return r;
}

function request(taskId: string, over: Partial<AgentRequest> = {}): AgentRequest {
  const workspace = join(dir, 'workers', 'w1', 'tasks', taskId);
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'TASK.txt'), `Say hello for ${taskId}`);
  return {
    taskId,
    prompt: `Say hello for ${taskId}`,
    model: 'fake/fake-model',
    thinking: 'off',
    workspace,
    timeoutMs: 60_000,
    sessionId: `w1-${taskId}`,
    workerId: 'w1',
    ...over,
  };
}

function behave(how: string): void {
  writeFileSync(control, how);
}

function log(): LogEntry[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogEntry);
}

const requests = (method: string): LogEntry[] =>
  log().filter((e) => e.event === 'req' && e.method === method);
const starts = (): LogEntry[] => log().filter((e) => e.event === 'start');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('OpenClawRunner, gateway mode: start-up', () => {
  it('starts one Gateway on loopback with its own config, token and switches, and warms it up', async () => {
    const r = runner();
    await r.start();
    await r.start();
    expect(starts()).toHaveLength(1);
    const [start] = starts();
    const gatewayDir = join(dir, 'workers', 'w1', 'openclaw-state', 'gateway');
    expect(r.gateway).toMatchObject({ pid: start!.pid, stateDir: gatewayDir });
    // The token is in the config file, never on the command line.
    const config = start!.config as { gateway: { auth: { token: string }; bind: string }; $include: string };
    expect(config.$include).toBe(configPath);
    expect(config).toMatchObject({
      gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'token' }, controlUi: { enabled: false } },
      agents: { defaults: { workspace: join(gatewayDir, 'workspace'), skipBootstrap: true } },
      tools: { exec: { notifyOnExit: false }, sessions: { visibility: 'tree' } },
    });
    expect(start!.args).toEqual([
      'gateway',
      'run',
      '--port',
      String(r.gateway!.port),
      '--bind',
      'loopback',
      '--auth',
      'token',
    ]);
    expect(start!.args!.join(' ')).not.toContain(config.gateway.auth.token);
    expect(r.secretValues).toContain(config.gateway.auth.token);
    // The environment: OpenClaw's paths and quiet switches, the key the config references, nothing else secret.
    expect(start!.env).toMatchObject({
      OPENCLAW_STATE_DIR: gatewayDir,
      OPENCLAW_SKIP_CHANNELS: '1',
      OPENCLAW_SKIP_CRON: '1',
      OPENCLAW_DISABLE_BONJOUR: '1',
      OPENCLAW_NO_RESPAWN: '1',
      FAKE_PROVIDER_KEY: 'sk-fake-provider-key-1',
    });
    expect(start!.env!.DORCH_AGENT_OWNER).toMatch(/^\w+\/[\w.]+\/\d+/);
    expect(start!.env).not.toHaveProperty('OPENAI_API_KEY');
    expect(start!.env).not.toHaveProperty('WORKER1_TOKEN');
    expect(start!.env).not.toHaveProperty('OPENCLAW_GATEWAY_TOKEN');
    // The warm-up turn asked for a model that cannot exist.
    expect(requests('agent').map((e) => e.params?.model)).toEqual([WARM_UP_MODEL]);
  });

  it('ends a Gateway an earlier, killed process of the same worker left on its state dir', async () => {
    const gatewayDir = join(dir, 'workers', 'w1', 'openclaw-state', 'gateway');
    mkdirSync(gatewayDir, { recursive: true });
    // What a worker killed with SIGKILL (no exit hook, no manager) leaves: its Gateway, still serving.
    const orphan = spawn(process.execPath, [FAKE_GATEWAY, 'helper'], {
      env: { ...process.env, OPENCLAW_STATE_DIR: gatewayDir },
      detached: true,
      stdio: 'ignore',
    });
    orphan.unref();
    expect(await waitFor(() => processesUsingStateDir(gatewayDir).includes(orphan.pid!))).toBe(true);
    try {
      const r = runner();
      await r.start();
      expect(await waitFor(() => !alive(orphan.pid!))).toBe(true);
      expect(processesUsingStateDir(gatewayDir)).toContain(r.gateway!.pid);
    } finally {
      if (alive(orphan.pid!)) process.kill(orphan.pid!, 'SIGKILL');
    }
  });

  it('check() alone starts nothing (the manager and doctor only check)', async () => {
    const r = runner();
    await r.check();
    expect(starts()).toEqual([]);
    expect(r.gateway).toBeUndefined();
  });

  it('start() fails with the Gateway’s own reason when it exits, and run() fails the task with it', async () => {
    env.FAKE_GW_START = 'exit';
    const r = runner();
    const error = await r.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toBe(
      'could not start the OpenClaw Gateway: the OpenClaw Gateway exited with code 1: Gateway failed to start: ' +
        'Invalid config: models.providers.fake: Unrecognized key: "compat"',
    );
    const result = await r.run(request('discord-1'));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(
      /^could not start openclaw: the OpenClaw Gateway exited with code 1: Gateway failed/,
    );
  });

  it('gives up on a Gateway that never becomes ready, and stops it', async () => {
    env.FAKE_GW_START = 'never-ready';
    const r = runner({ gatewayStartTimeoutMs: 1_500 });
    await expect(r.start()).rejects.toThrow(
      'could not start the OpenClaw Gateway: the OpenClaw Gateway was not ready after 2 s',
    );
    const pid = starts()[0]!.pid!;
    expect(await waitFor(() => !alive(pid))).toBe(true);
  });

  it('refuses the gateway mode with the sandbox; the default is the local mode', () => {
    expect(() => runner({ sandbox: true })).toThrow(/`mode` to be `local` when `sandbox` is on/);
    expect(runner({ mode: undefined, sandbox: true }).mode).toBe('local');
    expect(runner({ mode: undefined }).mode).toBe('local');
  });
});

describe('OpenClawRunner, gateway mode: tasks', () => {
  it('runs each task in a fresh session whose cwd is the task folder, on the same Gateway', async () => {
    const r = runner();
    const first = await r.run(request('discord-1'));
    const second = await r.run(request('discord-2', { thinking: 'high' }));
    expect(first).toMatchObject({
      ok: true,
      text: 'FAKE-GW: Say hello for discord-1',
      exitCode: 0,
      timedOut: false,
      model: 'fake/fake-model',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
      notes: [],
    });
    expect(second.ok).toBe(true);
    expect(second.notes).toEqual(['thinking high downgraded to off: fake/fake-model cannot reason']);
    expect(starts()).toHaveLength(1);

    const sessions = requests('sessions.create').filter((e) => String(e.params?.key).includes('discord'));
    expect(sessions.map((e) => e.params?.cwd)).toEqual([
      request('discord-1').workspace,
      request('discord-2').workspace,
    ]);
    expect(sessions[0]!.params!.key).not.toBe(sessions[1]!.params!.key);
    const turns = requests('agent').filter((e) => e.params?.model !== WARM_UP_MODEL);
    expect(turns.map((e) => e.params)).toEqual([
      expect.objectContaining({
        message: 'Say hello for discord-1',
        sessionKey: `agent:main:${String(sessions[0]!.params!.key)}`,
        model: 'fake/fake-model',
        thinking: 'off',
        timeout: 55,
        deliver: false,
      }),
      expect.objectContaining({ message: 'Say hello for discord-2', thinking: 'off' }),
    ]);
  });

  it('reports a turn the Gateway refuses as a failure with its reason', async () => {
    const r = runner();
    behave('refuse');
    const result = await r.run(request('discord-3'));
    expect(result).toMatchObject({ ok: false, exitCode: 1, timedOut: false });
    expect(result.error).toBe(
      'openclaw failed: Thinking level "high" is not supported for fake/fake-model. Use one of: off.',
    );
  });

  it('reports OpenClaw’s own turn deadline as a timeout', async () => {
    const r = runner();
    behave('own-timeout');
    const result = await r.run(request('discord-4', { timeoutMs: 30_000 }));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.error).toBe(
      'openclaw timed out at its 25 s turn deadline (task timeout 30 s): Request timed out before a response was generated',
    );
  });

  it('on our deadline aborts the turn in the Gateway, which stays up for the next task', async () => {
    const r = runner();
    await r.start();
    const pid = r.gateway!.pid;
    behave('hang');
    const result = await r.run(request('discord-5', { timeoutMs: 1_500 }));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.error).toBe('openclaw timed out after 1.5 s (the turn was aborted)');
    const abort = requests('chat.abort');
    expect(abort).toHaveLength(1);
    expect(abort[0]!.params!.runId).toBe(requests('agent').at(-1)!.params!.idempotencyKey);
    behave('ok');
    expect((await r.run(request('discord-6'))).ok).toBe(true);
    expect(r.gateway!.pid).toBe(pid);
  });

  it('stops the Gateway when a turn does not confirm its abort, and starts a new one for the next task', async () => {
    const r = runner();
    await r.start();
    const pid = r.gateway!.pid;
    behave('hang-ignore-abort');
    const result = await r.run(request('discord-7', { timeoutMs: 1_000 }));
    expect(result).toMatchObject({ ok: false, timedOut: true });
    expect(result.error).toBe('openclaw timed out after 1 s (the Gateway was stopped to end the turn)');
    expect(alive(pid)).toBe(false);
    behave('ok');
    expect((await r.run(request('discord-8'))).ok).toBe(true);
    expect(r.gateway!.pid).not.toBe(pid);
    expect(starts()).toHaveLength(2);
  });

  it('cancels on the abort signal', async () => {
    const r = runner();
    await r.start();
    behave('hang');
    const controller = new AbortController();
    const running = r.run(request('discord-9'), controller.signal);
    await waitFor(() => log().some((e) => e.event === 'turn' && e.how === 'hang'));
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, timedOut: false });
    expect(result.error).toBe('openclaw was cancelled (the turn was aborted)');
    expect(requests('chat.abort')).toHaveLength(1);
  });

  it('fails the task at once, with the reason, when the Gateway dies mid-task; the next task gets a new one', async () => {
    const r = runner();
    await r.start();
    const pid = r.gateway!.pid;
    behave('crash');
    const started = Date.now();
    const result = await r.run(request('discord-10', { timeoutMs: 60_000 }));
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      'the OpenClaw Gateway exited with code 3: fatal: the fake gateway crashed on purpose during the task',
    );
    behave('ok');
    expect((await r.run(request('discord-11'))).ok).toBe(true);
    expect(r.gateway!.pid).not.toBe(pid);
  });

  it('ends what a task left running, and leaves the Gateway’s own processes alone', async () => {
    const r = runner();
    await r.start();
    const helper = log().find((e) => e.event === 'helper')!.pid!;
    behave('leftover');
    const req = request('discord-12');
    const result = await r.run(req);
    expect(result.ok).toBe(true);
    const sleeper = Number(readFileSync(join(req.workspace, 'leftover.pid'), 'utf8'));
    expect(sleeper).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(sleeper))).toBe(true);
    expect(alive(helper)).toBe(true);
    expect(alive(r.gateway!.pid)).toBe(true);
  });

  it('stops the Gateway when work of a finished task is still running in it (a sub-agent)', async () => {
    const r = runner();
    await r.start();
    const pid = r.gateway!.pid;
    behave('background');
    const result = await r.run(request('discord-13'));
    expect(result.ok).toBe(true);
    expect(requests('status').length).toBeGreaterThan(0);
    expect(await waitFor(() => !alive(pid))).toBe(true);
    expect(r.gateway).toBeUndefined();
  });

  it('redacts the Gateway token from what an agent says', async () => {
    const r = runner();
    behave('echo-token');
    const result = await r.run(request('discord-14'));
    expect(result.text).toBe('the token is [redacted]');
  });

  it('restarts the Gateway with the key a new model needs, and after a config change', async () => {
    const r = runner();
    await r.run(request('discord-15'));
    await r.run(request('discord-16', { model: 'openai/gpt-test' }));
    expect(starts()).toHaveLength(2);
    expect(starts()[1]!.env).toMatchObject({ OPENAI_API_KEY: 'sk-openai-not-needed' });
    await r.run(request('discord-17', { model: 'openai/gpt-test' }));
    expect(starts()).toHaveLength(2);
    writeFileSync(
      configPath,
      JSON.stringify({ models: { providers: { fake: { models: [{ id: 'fake-model' }] } } } }),
    );
    const later = new Date(Date.now() + 5_000);
    (await import('node:fs')).utimesSync(configPath, later, later);
    await r.run(request('discord-18'));
    expect(starts()).toHaveLength(3);
  });

  it('does not restart for a key that may never be passed (stripEnv)', async () => {
    const r = runner({ stripEnv: ['OPENAI_API_KEY'] });
    await r.run(request('discord-19', { model: 'openai/gpt-test' }));
    await r.run(request('discord-20', { model: 'openai/gpt-test' }));
    expect(starts()).toHaveLength(1);
    expect(starts()[0]!.env).not.toHaveProperty('OPENAI_API_KEY');
  });

  it('close() stops the Gateway and everything it started', async () => {
    const r = runner();
    await r.start();
    const gatewayDir = r.gateway!.stateDir;
    expect(processesUsingStateDir(gatewayDir).length).toBeGreaterThanOrEqual(2);
    await r.close();
    expect(r.gateway).toBeUndefined();
    expect(processesUsingStateDir(gatewayDir)).toEqual([]);
    expect(log().some((e) => e.event === 'sigterm')).toBe(true);
  });

  it('never keeps a worker alive that is done, and dies with it (exit hook) when close() was not called', async () => {
    const started = Date.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'gateway-exit.fixture.ts'), FAKE_GATEWAY, dir],
      { env: { ...process.env, ...env }, timeout: 30_000 },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    const { gateway, ok } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { gateway: number; ok: boolean };
    expect(ok).toBe(true);
    expect(gateway).toBeGreaterThan(0);
    const helper = log().find((e) => e.event === 'helper')!.pid!;
    expect(await waitFor(() => !alive(gateway) && !alive(helper))).toBe(true);
  });
});
