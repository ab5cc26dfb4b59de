import { describe, expect, it, vi } from 'vitest';
import { DEMO_FOOTER, demoAnswer, demoAnswerBody } from '../../../../src/agent/demo/demo-answers.js';
import { demoCostUsd, demoPrice, DEMO_DEFAULT_PRICE } from '../../../../src/agent/demo/demo-prices.js';
import { DEMO_NOTE, DemoRunner, estimateTokens } from '../../../../src/agent/demo/demo-runner.js';
import { request } from '../../../helpers/agent.js';

function fakeSleep() {
  const delays: number[] = [];
  const sleep = vi.fn(async (ms: number) => {
    delays.push(ms);
  });
  return { sleep, delays };
}

describe('demo answers', () => {
  it.each<[string, string]>([
    ['What is 2+2?', '4'],
    ["what's 6 * 7", '42'],
    ['calculate 10 / 4', '2.5'],
    ['1 / 0', 'Division by zero is undefined.'],
    ['What is the capital of France?', 'Paris'],
  ])('%s → %s', (prompt, answer) => {
    expect(demoAnswerBody(prompt)).toBe(answer);
  });

  it('does not mistake numbers inside a longer text for arithmetic', () => {
    expect(demoAnswerBody('Summarize the 2023-2024 report')).toContain('offline demo runner');
  });

  it('writes a three-line haiku, the same one for the same prompt', () => {
    const haiku = demoAnswerBody('write a haiku about queues');
    expect(haiku.split('\n')).toHaveLength(3);
    expect(demoAnswerBody('write a haiku about queues')).toBe(haiku);
  });

  it('echoes other prompts and says no model read them', () => {
    const body = demoAnswerBody('Refactor   the billing module\nplease');
    expect(body).toContain('offline demo runner');
    expect(body).toContain('“Refactor the billing module please”');
    expect(body).toContain('5 words');
  });

  it('always ends with the demo footer', () => {
    expect(demoAnswer('What is 2+2?')).toBe(`4\n\n${DEMO_FOOTER}`);
  });
});

describe('demo prices', () => {
  it('matches model ids by substring, with a default', () => {
    expect(demoPrice('openrouter/moonshotai/kimi-k2.5')).toEqual({ input: 0.6, output: 2.5 });
    expect(demoPrice('unknown/model')).toBe(DEMO_DEFAULT_PRICE);
    expect(demoCostUsd('openrouter/moonshotai/kimi-k2.5', 1_000_000, 1_000_000)).toBeCloseTo(3.1, 10);
  });
});

describe('DemoRunner', () => {
  it('answers deterministically with usage, cost and the requested model', async () => {
    const { sleep } = fakeSleep();
    const runner = new DemoRunner({ sleep });
    const req = request('/ws');
    const first = await runner.run(req);
    const second = await runner.run(req);
    expect(first.text).toBe(`4\n\n${DEMO_FOOTER}`);
    expect(second.text).toBe(first.text);
    expect(first).toMatchObject({
      ok: true,
      exitCode: 0,
      signal: null,
      timedOut: false,
      model: 'openrouter/moonshotai/kimi-k2.5',
      notes: [DEMO_NOTE],
      usage: {
        input: estimateTokens('What is 2+2?'),
        output: estimateTokens(first.text),
        cacheRead: 0,
        cacheWrite: 0,
      },
    });
    expect(first.costUsd).toBe(demoCostUsd(req.model, first.usage.input, first.usage.output));
    expect(first.costUsd).toBeGreaterThan(0);
    expect(runner.name).toBe('demo');
    await expect(runner.check()).resolves.toBeUndefined();
  });

  it('waits a fixed delay per prompt within the bounds', async () => {
    const { sleep, delays } = fakeSleep();
    const runner = new DemoRunner({ sleep });
    for (const prompt of ['a', 'b', 'What is 2+2?', 'write a haiku', 'a'])
      await runner.run(request('/ws', { prompt }));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(300);
      expect(d).toBeLessThanOrEqual(800);
    }
    expect(delays[4]).toBe(delays[0]);
    expect(runner.delayFor('a')).toBe(delays[0]);
  });

  it('times out like a real runner when the delay exceeds the timeout', async () => {
    const { sleep, delays } = fakeSleep();
    const result = await new DemoRunner({ sleep, minDelayMs: 500, maxDelayMs: 500 }).run(
      request('/ws', { timeoutMs: 200 }),
    );
    expect(delays).toEqual([200]);
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      error: 'agent timed out after 0.2 s (killed)',
    });
    expect(result.usage).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  });

  it('is cancelled by the abort signal', async () => {
    const controller = new AbortController();
    const running = new DemoRunner({ minDelayMs: 10_000, maxDelayMs: 10_000 }).run(
      request('/ws'),
      controller.signal,
    );
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, timedOut: false, error: 'agent was cancelled (killed)' });
  });

  it('really sleeps with the default sleep', async () => {
    const now = vi.fn().mockReturnValueOnce(0).mockReturnValue(7);
    const result = await new DemoRunner({ minDelayMs: 1, maxDelayMs: 5, now }).run(request('/ws'));
    expect(result.ok).toBe(true);
    expect(result.durationMs).toBe(7);
  });

  it('validates its options', () => {
    expect(() => new DemoRunner({ minDelayMs: -1 })).toThrow(
      'Expected `minDelayMs` to be a finite number >= 0',
    );
    expect(() => new DemoRunner({ minDelayMs: 500, maxDelayMs: 100 })).toThrow(
      'Expected `maxDelayMs` >= `minDelayMs`',
    );
  });
});
