import { describe, expect, it } from 'vitest';
import { retryAfterMs, statusAction, statusHint } from '../../../../src/agent/openai/status.js';

describe('status table', () => {
  it.each([
    [200, 'ok'],
    [429, 'retry'],
    [408, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'fatal'],
    [401, 'fatal'],
    [404, 'fatal'],
  ] as const)('%i → %s', (status, action) => {
    expect(statusAction(status)).toBe(action);
  });

  it('hints at the key on 401 without naming its value', () => {
    expect(statusHint(401, 'm')).toMatch(/OPENROUTER_API_KEY/);
    expect(statusHint(500, 'm')).toBeUndefined();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
