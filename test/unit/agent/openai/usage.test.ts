import { describe, expect, it } from 'vitest';
import { usageFromOpenAI } from '../../../../src/agent/openai/usage.js';

describe('usageFromOpenAI', () => {
  it('maps prompt 1234 with 200 cached to input 1034, cacheRead 200', () => {
    expect(
      usageFromOpenAI({
        prompt_tokens: 1234,
        completion_tokens: 56,
        prompt_tokens_details: { cached_tokens: 200 },
      }),
    ).toEqual({ usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 } });
  });

  it("takes OpenRouter's cost and cache writes", () => {
    expect(
      usageFromOpenAI({
        prompt_tokens: 194,
        completion_tokens: 2,
        cost: 0.95,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 100 },
      }),
    ).toEqual({ usage: { input: 94, output: 2, cacheRead: 0, cacheWrite: 100 }, costUsd: 0.95 });
  });

  it('ignores junk', () => {
    expect(usageFromOpenAI(null)).toBeUndefined();
    expect(
      usageFromOpenAI({ prompt_tokens: 'x', prompt_tokens_details: { cached_tokens: 5 } })?.usage,
    ).toEqual({
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    });
  });
});
