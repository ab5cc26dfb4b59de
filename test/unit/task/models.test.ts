import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_ALIASES,
  isModelId,
  resolveModel,
  resolveThinking,
  type ModelSettings,
} from '../../../src/task/models.js';

const models: ModelSettings = {
  aliases: { ...DEFAULT_MODEL_ALIASES },
  defaultModel: 'primary',
  defaultThinking: 'low',
};

describe('resolveModel', () => {
  it.each([
    ['coder', DEFAULT_MODEL_ALIASES.coder, 'coder'],
    ['CODER', DEFAULT_MODEL_ALIASES.coder, 'coder'],
    [' cheap ', DEFAULT_MODEL_ALIASES.cheap, 'cheap'],
    [undefined, DEFAULT_MODEL_ALIASES.primary, 'primary'],
    ['', DEFAULT_MODEL_ALIASES.primary, 'primary'],
    ['anthropic/claude-sonnet-4', 'anthropic/claude-sonnet-4', undefined],
    ['openrouter/stepfun/step-3.5-flash:free', 'openrouter/stepfun/step-3.5-flash:free', undefined],
  ])('%j → %s', (requested, model, alias) => {
    const r = resolveModel(requested, models);
    expect(r).toEqual(alias ? { ok: true, model, alias } : { ok: true, model });
  });

  it('uses a default model given as an id', () => {
    expect(resolveModel(undefined, { ...models, defaultModel: 'x/y' })).toEqual({ ok: true, model: 'x/y' });
  });

  it.each(['gpt5', 'a b/c', '/leading', 'x/../y', 'x/y;rm -rf', 'trailing/'])('rejects %j', (requested) => {
    const r = resolveModel(requested, models);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(`unknown model "${requested}"`);
      expect(r.error).toContain('use an alias (cheap, primary, coder, research) or a provider/model id');
    }
  });

  it('does not resolve inherited object keys as aliases', () => {
    expect(resolveModel('constructor', models).ok).toBe(false);
  });

  it('lists custom aliases in the error', () => {
    const r = resolveModel('nope', { ...models, aliases: { ...models.aliases, fast: 'a/b' } });
    expect(!r.ok && r.error).toContain('research, fast)');
  });
});

describe('isModelId', () => {
  it.each([
    ['openrouter/moonshotai/kimi-k2.5', true],
    ['a/b', true],
    ['nobody', false],
    ['a/b c', false],
    ['a/' + 'b'.repeat(300), false],
  ])('%j → %s', (id, ok) => expect(isModelId(id)).toBe(ok));
});

describe('resolveThinking', () => {
  it.each([
    ['high', 'high'],
    ['XHIGH', 'xhigh'],
    [' off ', 'off'],
    [undefined, 'low'],
    ['', 'low'],
  ])('%j → %s', (requested, level) => {
    expect(resolveThinking(requested, 'low')).toEqual({ ok: true, level });
  });

  it('lists the valid levels for an unknown one', () => {
    expect(resolveThinking('extreme', 'low')).toEqual({
      ok: false,
      error: 'unknown thinking level "extreme"; use one of off, minimal, low, medium, high, xhigh',
    });
  });
});
