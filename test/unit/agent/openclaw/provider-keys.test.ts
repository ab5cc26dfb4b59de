import { describe, expect, it } from 'vitest';
import {
  configEnvReferences,
  isProviderKeyName,
  openClawKeyFilter,
  providersInUse,
} from '../../../../src/agent/openclaw/provider-keys.js';

describe('configEnvReferences', () => {
  it('finds ${VAR} in any string and env SecretRefs, skipping $${VAR}, gateway and channels', () => {
    const config = {
      models: {
        providers: {
          custom: { apiKey: '${CUSTOM_API_KEY}', baseUrl: '${BASE}/v1' },
          openai: { apiKey: { source: 'env', provider: 'default', id: 'OPENAI_API_KEY' } },
          other: { apiKey: 'literal $${NOT_A_REF} and ${lower_case}' },
        },
      },
      skills: { entries: { s: { env: ['${SKILL_TOKEN}'] } } },
      gateway: { auth: { token: '${OPENCLAW_GATEWAY_TOKEN}' } },
      channels: { discord: { token: { source: 'env', id: 'DISCORD_BOT_TOKEN' } } },
    };
    expect(configEnvReferences(config).sort()).toEqual([
      'BASE',
      'CUSTOM_API_KEY',
      'OPENAI_API_KEY',
      'SKILL_TOKEN',
    ]);
    expect(configEnvReferences(undefined)).toEqual([]);
  });
});

describe('providersInUse', () => {
  it('takes the task model’s provider and the configured default, fallbacks and image model', () => {
    const config = {
      agents: {
        defaults: {
          model: { primary: 'anthropic/claude-x', fallbacks: ['google/gemini-y', 42] },
          imageModel: 'openai/gpt-image',
        },
      },
    };
    expect(providersInUse(config, 'openrouter/moonshotai/kimi-k2.5')).toEqual([
      'openrouter',
      'anthropic',
      'google',
      'openai',
    ]);
    expect(providersInUse(undefined, 'fake/fake-model')).toEqual(['fake']);
  });
});

describe('isProviderKeyName', () => {
  it('knows the bundled providers’ names, the generic name and the rotation forms', () => {
    expect(isProviderKeyName('google', 'GEMINI_API_KEY')).toBe(true);
    expect(isProviderKeyName('google', 'GOOGLE_API_KEY')).toBe(true);
    expect(isProviderKeyName('anthropic', 'ANTHROPIC_OAUTH_TOKEN')).toBe(true);
    expect(isProviderKeyName('my-llm', 'MY_LLM_API_KEY')).toBe(true);
    expect(isProviderKeyName('openai', 'OPENAI_API_KEYS')).toBe(true);
    expect(isProviderKeyName('openai', 'OPENAI_API_KEY_3')).toBe(true);
    expect(isProviderKeyName('openai', 'OPENCLAW_LIVE_OPENAI_KEY')).toBe(true);
    expect(isProviderKeyName('openai', 'OPENROUTER_API_KEY')).toBe(false);
    expect(isProviderKeyName('openai', 'OPENAI_API_KEY_X')).toBe(false);
  });
});

describe('openClawKeyFilter', () => {
  it('accepts the run’s provider keys and config references only', () => {
    const keep = openClawKeyFilter(
      { models: { providers: { fake: { apiKey: '${FAKE_KEY}' } } } },
      'openrouter/moonshotai/kimi-k2.5',
    );
    expect(['OPENROUTER_API_KEY', 'FAKE_KEY'].every(keep)).toBe(true);
    expect(['OPENAI_API_KEY', 'GITHUB_TOKEN', 'ANTHROPIC_API_KEY'].some(keep)).toBe(false);
  });
});
