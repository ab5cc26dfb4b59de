import { describe, expect, it } from 'vitest';
import { OpenAIRunner } from '../../../../src/agent/openai/index.js';
import type { AgentRequest } from '../../../../src/agent/runner.js';
import { AgentStartError } from '../../../../src/lib/errors.js';

const request: AgentRequest = {
  taskId: 'discord-1',
  prompt: 'hi',
  model: 'openrouter/moonshotai/kimi-k2.5',
  thinking: 'off',
  workspace: '/nonexistent-workspace',
  timeoutMs: 5000,
  sessionId: 's',
  workerId: 'w',
};

function sse(events: unknown[], done = true): Response {
  const text =
    events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
  return new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

// A runner whose fetch answers from a script, one entry per call.
function scripted(
  answers: Array<Response | Error>,
  options: ConstructorParameters<typeof OpenAIRunner>[0] = {},
) {
  const calls: Array<{ url: string; body: Record<string, unknown> }> = [];
  const runner = new OpenAIRunner({
    apiKey: 'sk-unit-key-000',
    retryBaseMs: 1,
    sleep: async () => {},
    fetch: async (url, init) => {
      calls.push({ url: String(url), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
      const next = answers.shift();
      if (!next) throw new Error('no more scripted answers');
      if (next instanceof Error) throw next;
      return next;
    },
    ...options,
  });
  return { runner, calls };
}

const textChunk = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'moonshotai/kimi-k2.5',
  choices: [{ index: 0, delta: { content }, finish_reason: null }],
  ...extra,
});
const stop = (reason = 'stop') => ({ choices: [{ index: 0, delta: {}, finish_reason: reason }] });

describe('OpenAIRunner (scripted fetch)', () => {
  it('defaults to OpenRouter, strips the openrouter/ prefix and reports it back', async () => {
    const { runner, calls } = scripted([sse([textChunk('hello'), stop()])]);
    const result = await runner.run(request);
    expect(calls[0]?.url).toBe('https://openrouter.ai/api/v1/chat/completions');
    expect(calls[0]?.body.model).toBe('moonshotai/kimi-k2.5');
    expect(result.model).toBe('openrouter/moonshotai/kimi-k2.5');
    expect(result.notes).toContain('the endpoint reported no token usage');
  });

  it('retries a network error, then succeeds', async () => {
    const { runner, calls } = scripted([new TypeError('fetch failed'), sse([textChunk('ok'), stop()])]);
    const result = await runner.run(request);
    expect(result.ok).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('retries a stream that ends before the answer is complete', async () => {
    const { runner, calls } = scripted([sse([textChunk('par')], false), sse([textChunk('full'), stop()])]);
    const result = await runner.run(request);
    expect(result.text).toBe('full');
    expect(calls).toHaveLength(2);
  });

  it('treats an error chunk inside a 200 stream by its code', async () => {
    const { runner, calls } = scripted([
      sse([textChunk('x'), { error: { code: 502, message: 'provider down' } }]),
      sse([{ error: { code: 400, message: 'bad prompt' } }]),
    ]);
    const result = await runner.run(request);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/400: bad prompt/);
    expect(calls).toHaveLength(2);
  });

  it('accepts a JSON answer even when it asked for a stream', async () => {
    const { runner } = scripted([
      json({
        model: 'm',
        choices: [{ message: { content: 'plain' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5 },
      }),
    ]);
    const result = await runner.run(request);
    expect(result).toMatchObject({
      ok: true,
      text: 'plain',
      usage: { input: 5, output: 0, cacheRead: 0, cacheWrite: 0 },
    });
  });

  it('fails on a 200 that is not a chat completion, without retrying', async () => {
    const html = new Response('<html>login</html>', {
      status: 200,
      headers: { 'content-type': 'text/html' },
    });
    const { runner, calls } = scripted([html]);
    const result = await runner.run(request);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/not JSON/);
    expect(calls).toHaveLength(1);
  });

  it('fails on an empty answer or a content filter, notes a cut-off answer', async () => {
    expect((await scripted([sse([stop()])]).runner.run(request)).error).toMatch(/empty answer/);
    expect(
      (await scripted([sse([textChunk('x'), stop('content_filter')])]).runner.run(request)).error,
    ).toMatch(/content filter/);
    const cut = await scripted([sse([textChunk('long'), stop('length')])]).runner.run(request);
    expect(cut.ok).toBe(true);
    expect(cut.notes).toContain('answer cut off at the token limit');
  });

  it('uses exponential backoff with jitter, capped', async () => {
    const delays: number[] = [];
    const errors = [500, 500, 500, 500].map((s) => json({ error: { message: 'x' } }, s));
    const { runner } = scripted(errors, {
      retryBaseMs: 1000,
      maxRetryDelayMs: 3000,
      random: () => 0.5,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    const result = await runner.run(request);
    expect(result.ok).toBe(false);
    expect(delays).toEqual([1000, 2000, 3000]);
  });

  it('validates options and checks the key', async () => {
    expect(() => new OpenAIRunner({ maxRetries: -1 })).toThrow(/maxRetries/);
    const check = new OpenAIRunner({}).check();
    await expect(check).rejects.toBeInstanceOf(AgentStartError);
    expect(new OpenAIRunner({}).name).toBe('openai');
  });

  it('is already cancelled when the signal was aborted before run', async () => {
    const { runner, calls } = scripted([sse([textChunk('x'), stop()])]);
    const controller = new AbortController();
    controller.abort();
    const result = await runner.run(request, controller.signal);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/cancelled/);
    expect(calls).toHaveLength(0);
  });
});
