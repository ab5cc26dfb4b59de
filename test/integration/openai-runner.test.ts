/**
 * The OpenAI-compatible runner against the fake model server over a real socket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIRunner, type OpenAIRunnerOptions, type RetryInfo } from '../../src/agent/openai/index.js';
import type { AgentRequest, AgentResult } from '../../src/agent/runner.js';
import { priceTableFromConfig, taskCost } from '../../src/cost/pricing.js';
import type { ThinkingLevel } from '../../src/task/task.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

const KEY = 'sk-test-secret-123456';
const PRICES = priceTableFromConfig({
  models: {
    providers: {
      fake: {
        models: [{ id: 'fake-model', cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } }],
      },
    },
  },
});

describe('OpenAIRunner against the fake model server', () => {
  let server: FakeModelServer;
  let workspace: string;
  let delays: number[];
  let retries: RetryInfo[];
  let debug: string[];

  beforeAll(async () => {
    server = await startFakeModelServer();
    workspace = await mkdtemp(join(tmpdir(), 'dorch-openai-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(workspace, { recursive: true, force: true });
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.setMode('ok');
    server.setUsage({ cost: undefined });
    delays = [];
    retries = [];
    debug = [];
  });
  afterEach(() => {
    server.setMode('ok');
  });

  function runner(options: OpenAIRunnerOptions = {}): OpenAIRunner {
    const r = new OpenAIRunner({
      apiKey: KEY,
      baseUrl: server.url,
      providerPrefix: 'fake',
      retryBaseMs: 1,
      // Record waits instead of sleeping: fast, and lets the test see that Retry-After was honoured.
      sleep: async (ms) => {
        delays.push(ms);
      },
      ...options,
    });
    r.on('retry', (info) => retries.push(info));
    r.on('debug', (line) => debug.push(line));
    return r;
  }

  function request(over: Partial<AgentRequest> = {}): AgentRequest {
    return {
      taskId: 'discord-1471241464699945010',
      prompt: 'Write a haiku about queues and workers',
      model: 'fake/fake-model',
      thinking: 'off' as ThinkingLevel,
      workspace,
      timeoutMs: 10_000,
      sessionId: 'worker-1-discord-1471241464699945010',
      workerId: 'worker-1',
      ...over,
    };
  }

  function expectMeasuredUsage(result: AgentResult): void {
    expect(result.usage).toEqual({ input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 });
    expect(taskCost(result, PRICES)).toEqual({ costUsd: 0.004002, source: 'computed' });
  }

  it('succeeds without streaming: text, usage, model and cost', async () => {
    const result = await runner({ stream: false }).run(request());
    expect(result).toMatchObject({
      ok: true,
      text: 'FAKE-REPLY: Write a haiku about queues and workers',
      exitCode: 0,
      timedOut: false,
      model: 'fake/fake-model',
    });
    expect(result.error).toBeUndefined();
    expectMeasuredUsage(result);
    const sent = server.requests[0]!;
    expect(sent.body.model).toBe('fake-model');
    expect(sent.body.stream).toBe(false);
    expect(sent.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('succeeds streaming with include_usage, and takes the endpoint cost when it reports one', async () => {
    const result = await runner().run(request());
    expect(result.ok).toBe(true);
    expect(result.text).toBe('FAKE-REPLY: Write a haiku about queues and workers');
    expectMeasuredUsage(result);
    expect(server.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    server.setUsage({ cost: 0.0123 });
    const withCost = await runner().run(request());
    expect(withCost.costUsd).toBe(0.0123);
    expect(taskCost(withCost, PRICES)).toEqual({ costUsd: 0.0123, source: 'runner' });
  });

  it('reports the model the endpoint says ran, with the provider prefix', async () => {
    server.setResponseModel('fake-model-2026-01');
    try {
      const result = await runner().run(request());
      expect(result.model).toBe('fake/fake-model-2026-01');
    } finally {
      server.setResponseModel(undefined);
    }
  });

  it('retries a 429, honouring Retry-After, then succeeds', async () => {
    server.setMode('rate-limit', { times: 1, retryAfterSeconds: 2 });
    const result = await runner().run(request());
    expect(result.ok).toBe(true);
    expect(server.requests.map((r) => r.answeredWith)).toEqual(['rate-limit', 'ok']);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(2000);
    expect(delays[0]).toBeLessThanOrEqual(2400);
    expect(retries[0]?.reason).toContain('HTTP 429');
  });

  it('fails with a clear reason after bounded retries on a persistent 500', async () => {
    server.setMode('error');
    const result = await runner({ maxRetries: 2 }).run(request());
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.error).toMatch(/HTTP 500 .*fake upstream error.*gave up after 3 attempts/);
    expect(server.requests).toHaveLength(3);
    // Exponential backoff: the second wait is drawn around twice the first base.
    expect(delays).toHaveLength(2);
  });

  it('does not retry a 401, and says to check the key', async () => {
    server.setMode('error', { status: 401, message: 'invalid api key' });
    const result = await runner().run(request());
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/HTTP 401.*invalid api key.*OPENROUTER_API_KEY/);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hung request quickly (timedOut: true)', async () => {
    server.setMode('hang');
    const result = await runner().run(request({ timeoutMs: 300 }));
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(true);
    expect(result.error).toMatch(/timed out after 0\.3 s/);
    expect(server.requests).toHaveLength(1);
  });

  it('stops when the caller aborts (not a timeout)', async () => {
    server.setMode('hang');
    const controller = new AbortController();
    const pending = runner().run(request(), controller.signal);
    setTimeout(() => controller.abort(), 100);
    const result = await pending;
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.error).toMatch(/cancelled/);
  });

  it('sends reasoning_effort for thinking high and none for off', async () => {
    await runner().run(request({ thinking: 'high' }));
    await runner().run(request({ thinking: 'xhigh' }));
    await runner().run(request({ thinking: 'off' }));
    expect(server.requests.map((r) => r.body.reasoning_effort)).toEqual(['high', 'high', undefined]);
  });

  it('downgrades thinking to off, with a note, when the endpoint rejects reasoning', async () => {
    server.setMode('reject-reasoning');
    const result = await runner().run(request({ thinking: 'medium' }));
    expect(result.ok).toBe(true);
    expect(result.notes).toContain('thinking downgraded to off: fake/fake-model does not support reasoning');
    expect(server.requests.map((r) => [r.answeredWith, r.body.reasoning_effort])).toEqual([
      ['reject-reasoning', 'medium'],
      ['ok', undefined],
    ]);
  });

  it('downgrades up front for a model configured as non-reasoning', async () => {
    const result = await runner({ reasoningModels: (m) => m !== 'fake/fake-model' }).run(
      request({ thinking: 'high' }),
    );
    expect(result.ok).toBe(true);
    expect(result.notes).toEqual(['thinking downgraded to off: fake/fake-model does not support reasoning']);
    expect(server.requests[0]?.body.reasoning_effort).toBeUndefined();
  });

  it('sends max tokens under the configured field', async () => {
    await runner({ maxTokens: 512, maxTokensField: 'max_completion_tokens' }).run(request());
    expect(server.requests[0]?.body.max_completion_tokens).toBe(512);
    expect(server.requests[0]?.body.max_tokens).toBeUndefined();
  });

  it('never lets the API key appear in results, errors, notes or events', async () => {
    const results: AgentResult[] = [];
    results.push(await runner().run(request()));
    server.setMode('error', { status: 401, message: `Incorrect API key provided: ${KEY}` });
    results.push(await runner().run(request()));
    server.setMode('rate-limit', { times: 1, retryAfterSeconds: 0, message: `key ${KEY} is rate limited` });
    results.push(await runner().run(request()));
    server.setMode('error', { message: `upstream saw ${KEY}` });
    results.push(await runner({ maxRetries: 1 }).run(request()));
    server.setMode('reject-reasoning');
    results.push(await runner().run(request({ thinking: 'high' })));
    server.setMode('hang');
    results.push(await runner().run(request({ timeoutMs: 200 })));
    const unreachable = await runner({ baseUrl: `http://127.0.0.1:1/v1?k=${KEY}`, maxRetries: 0 }).run(
      request(),
    );
    results.push(unreachable);
    const startError = await new OpenAIRunner({ apiKey: KEY, baseUrl: `nope ${KEY}` })
      .check()
      .catch((e: Error) => e);

    // The key was really used, and the server really echoed it back, so the redaction was exercised.
    expect(server.requests.some((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(results[1]?.error).toContain('[redacted]');
    expect(startError).toBeInstanceOf(Error);
    const everything = JSON.stringify({ results, retries, debug, startError: String(startError) });
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('secret-123456');
  });

  it('check() names the env vars, without values, when no key is configured', async () => {
    await expect(new OpenAIRunner({ baseUrl: server.url }).check()).rejects.toThrow(
      /OPENROUTER_API_KEY.*OPENAI_API_KEY/,
    );
    await expect(runner().check()).resolves.toBeUndefined();
  });
});
