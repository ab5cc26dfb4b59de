import { describe, expect, it } from 'vitest';
import {
  endpointModelId,
  providerPrefixFor,
  reportedModelId,
} from '../../../../src/agent/openai/model-id.js';

describe('model ids', () => {
  it('knows the prefix of OpenRouter and OpenAI, none for others', () => {
    expect(providerPrefixFor('https://openrouter.ai/api/v1')).toBe('openrouter');
    expect(providerPrefixFor('https://api.openai.com/v1')).toBe('openai');
    expect(providerPrefixFor('http://127.0.0.1:1234/v1')).toBeNull();
    expect(providerPrefixFor('not a url')).toBeNull();
  });

  it('strips the endpoint prefix and puts it back on the reported model', () => {
    expect(endpointModelId('openrouter/moonshotai/kimi-k2.5', 'openrouter')).toBe('moonshotai/kimi-k2.5');
    expect(endpointModelId('moonshotai/kimi-k2.5', 'openrouter')).toBe('moonshotai/kimi-k2.5');
    expect(endpointModelId('openrouter/x', null)).toBe('openrouter/x');
    expect(
      reportedModelId('openrouter/moonshotai/kimi-k2.5', 'moonshotai/kimi-k2.5-0127', 'openrouter'),
    ).toBe('openrouter/moonshotai/kimi-k2.5-0127');
    expect(reportedModelId('fake/m', undefined, 'fake')).toBe('fake/m');
    expect(reportedModelId('x/m', 'm', null)).toBe('m');
  });
});
