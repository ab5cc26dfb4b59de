import { describe, expect, it } from 'vitest';
import { reasoningEffortFor } from '../../../../src/agent/openai/thinking.js';

describe('reasoningEffortFor', () => {
  it.each([
    ['off', undefined],
    ['minimal', 'low'],
    ['low', 'low'],
    ['medium', 'medium'],
    ['high', 'high'],
    ['xhigh', 'high'],
  ] as const)('%s → %s', (level, effort) => {
    expect(reasoningEffortFor(level)).toBe(effort);
  });
});
