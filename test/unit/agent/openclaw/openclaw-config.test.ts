import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  decideThinking,
  findModelEntry,
  literalSecrets,
  readOpenClawConfig,
  userSandboxSettings,
  type OpenClawConfig,
} from '../../../../src/agent/openclaw/openclaw-config.js';

const config: OpenClawConfig = {
  models: {
    providers: {
      fake: {
        models: [{ id: 'fake-model', reasoning: false }, { id: 'thinker', reasoning: true }, { id: 'plain' }],
      },
      openrouter: { models: [{ id: 'anthropic/claude-x', reasoning: true }] },
    },
  },
};

describe('decideThinking', () => {
  it('downgrades to off, with a note, on a model configured with reasoning: false', () => {
    expect(decideThinking(config, 'fake/fake-model', 'high')).toEqual({
      thinking: 'off',
      note: 'thinking high downgraded to off: fake/fake-model cannot reason',
    });
  });

  it('treats a configured model without `reasoning` as non-reasoning (OpenClaw refuses thinking on it)', () => {
    expect(decideThinking(config, 'fake/plain', 'low').thinking).toBe('off');
  });

  it('keeps the level on a reasoning model, on models the config does not declare, and for off', () => {
    expect(decideThinking(config, 'fake/thinker', 'high')).toEqual({ thinking: 'high' });
    expect(decideThinking(config, 'openrouter/anthropic/claude-x', 'medium')).toEqual({ thinking: 'medium' });
    expect(decideThinking(config, 'anthropic/claude-opus', 'high')).toEqual({ thinking: 'high' });
    expect(decideThinking(undefined, 'fake/fake-model', 'high')).toEqual({ thinking: 'high' });
    expect(decideThinking(config, 'fake/fake-model', 'off')).toEqual({ thinking: 'off' });
  });
});

describe('findModelEntry', () => {
  it('splits the provider at the first slash only', () => {
    expect(findModelEntry(config, 'openrouter/anthropic/claude-x')?.reasoning).toBe(true);
    expect(findModelEntry(config, 'no-slash')).toBeUndefined();
    expect(findModelEntry({ models: 'garbage' }, 'fake/fake-model')).toBeUndefined();
  });
});

describe('readOpenClawConfig', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('parses JSON5 and resolves $include (relative paths, sibling keys win)', () => {
    dir = mkdtempSync(join(tmpdir(), 'oc-config-'));
    mkdirSync(join(dir, 'parts'));
    writeFileSync(
      join(dir, 'parts', 'models.json5'),
      `// comment\n{ providers: { fake: { models: [{ id: 'fake-model', reasoning: true, }] } } }`,
    );
    writeFileSync(
      join(dir, 'openclaw.json'),
      `{ models: { $include: './parts/models.json5' }, agents: { defaults: { sandbox: { scope: 'agent' } } } }`,
    );
    const parsed = readOpenClawConfig(join(dir, 'openclaw.json'));
    expect(findModelEntry(parsed, 'fake/fake-model')?.reasoning).toBe(true);
    expect(userSandboxSettings(parsed)).toEqual({ scope: 'agent' });
  });

  it('returns undefined for a missing file and throws, naming the file, for a broken one', () => {
    dir = mkdtempSync(join(tmpdir(), 'oc-config-'));
    expect(readOpenClawConfig(join(dir, 'missing.json'))).toBeUndefined();
    writeFileSync(join(dir, 'bad.json'), '{ models: ');
    expect(() => readOpenClawConfig(join(dir!, 'bad.json'))).toThrow(
      /cannot read OpenClaw config .*bad\.json/,
    );
    writeFileSync(join(dir, 'inc.json'), '{ $include: "./nope.json" }');
    expect(() => readOpenClawConfig(join(dir!, 'inc.json'))).toThrow(/inc\.json/);
  });
});

describe('literalSecrets', () => {
  it('collects literal keys and tokens, not ${VAR} references, numbers or paths', () => {
    const config = {
      models: {
        providers: {
          a: { apiKey: 'sk-literal-provider-key', baseUrl: 'https://x.example/v1' },
          b: { apiKey: '${B_API_KEY}', models: [{ id: 'm', maxTokens: 4096 }] },
        },
      },
      env: { vars: { GROQ_API_KEY: 'gsk-literal-groq-key', LOG_DIR: '/var/log' } },
      gateway: { auth: { token: 'gateway-literal-token', password: 'short' } },
      skills: { entries: { s: { apiKey: ['list-literal-key-1'] } } },
    };
    expect(literalSecrets(config).sort()).toEqual([
      'gateway-literal-token',
      'gsk-literal-groq-key',
      'list-literal-key-1',
      'sk-literal-provider-key',
    ]);
    expect(literalSecrets(undefined)).toEqual([]);
  });
});
