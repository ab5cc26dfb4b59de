import { describe, expect, it } from 'vitest';
import type { AgentResult } from '../../../src/agent/runner.js';
import {
  costOf,
  findPrice,
  loadPriceTable,
  openClawConfigPath,
  priceTableFromConfig,
  suspiciousPricing,
  taskCost,
  type ModelPrice,
} from '../../../src/cost/pricing.js';
import { ConfigError } from '../../../src/lib/errors.js';

// The config from reference/openclaw.md §3 (JSON5: unquoted keys, trailing commas, comments).
const OPENCLAW_JSON5 = `{
  // my config
  models: { mode: "merge", providers: {
    fake: { baseUrl: "http://127.0.0.1:40053/v1", api: "openai-completions", apiKey: "sk-dummy",
      models: [{ id: "fake-model", name: "Fake", reasoning: false,
                 cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } },] },
    openrouter: { models: [
      { id: "moonshotai/kimi-k2.5", cost: { input: 0.6, output: 2.5, cacheRead: 0.15, cacheWrite: 0 } },
      { id: "stepfun/step-3.5-flash:free", cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } },
      { id: "no-cost-block" },
    ] },
  } },
}`;

function result(model: string, usage: AgentResult['usage'], costUsd?: number): AgentResult {
  const r: AgentResult = {
    ok: true,
    text: 'x',
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 1,
    model,
    usage,
    notes: [],
  };
  if (costUsd !== undefined) r.costUsd = costUsd;
  return r;
}

const MEASURED = { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 };

describe('pricing', () => {
  it('reads OpenClaw JSON5 config into a table keyed by provider/id', async () => {
    const table = await loadPriceTable('/x/openclaw.json', { readFile: async () => OPENCLAW_JSON5 });
    expect([...table.keys()].sort()).toEqual([
      'fake/fake-model',
      'openrouter/moonshotai/kimi-k2.5',
      'openrouter/stepfun/step-3.5-flash:free',
    ]);
    expect(table.get('fake/fake-model')).toEqual({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 });
  });

  it('computes the measured OpenClaw example exactly: 0.004002 (per 1M tokens)', async () => {
    const table = await loadPriceTable('/x', { readFile: async () => OPENCLAW_JSON5 });
    const price = table.get('fake/fake-model') as ModelPrice;
    expect(costOf(MEASURED, price)).toBe(0.004002);
    expect(taskCost(result('fake/fake-model', MEASURED), table)).toEqual({
      costUsd: 0.004002,
      source: 'computed',
    });
  });

  it("prefers the runner's own cost", () => {
    const table = priceTableFromConfig({});
    expect(taskCost(result('fake/fake-model', MEASURED, 0.5), table)).toEqual({
      costUsd: 0.5,
      source: 'runner',
    });
  });

  it('reports an unknown model as unknown with a note, cost 0, never invented', async () => {
    const table = await loadPriceTable('/x', { readFile: async () => OPENCLAW_JSON5 });
    const cost = taskCost(result('acme/mystery', MEASURED), table);
    expect(cost.source).toBe('unknown');
    expect(cost.costUsd).toBe(0);
    expect(cost.note).toContain('acme/mystery');
    // A model listed without a cost block is unknown too.
    expect(taskCost(result('openrouter/no-cost-block', MEASURED), table).source).toBe('unknown');
  });

  it('prices free models at $0 (computed, not unknown)', async () => {
    const table = await loadPriceTable('/x', { readFile: async () => OPENCLAW_JSON5 });
    expect(taskCost(result('openrouter/stepfun/step-3.5-flash:free', MEASURED), table)).toEqual({
      costUsd: 0,
      source: 'computed',
    });
  });

  it('finds a model reported without its provider prefix when the id is unique', async () => {
    const table = await loadPriceTable('/x', { readFile: async () => OPENCLAW_JSON5 });
    expect(findPrice(table, 'moonshotai/kimi-k2.5')?.input).toBe(0.6);
    expect(findPrice(table, 'kimi-k2.5')).toBeUndefined();
  });

  it('treats a missing config as an empty table and a broken one as a ConfigError naming the path', async () => {
    const enoent = Object.assign(new Error('nope'), { code: 'ENOENT' });
    const empty = await loadPriceTable('/missing.json', {
      readFile: async () => {
        throw enoent;
      },
    });
    expect(empty.size).toBe(0);
    const broken = loadPriceTable('/broken.json', { readFile: async () => '{ models: ' });
    await expect(broken).rejects.toBeInstanceOf(ConfigError);
    await expect(broken).rejects.toThrow('/broken.json');
  });

  it('finds the config at OPENCLAW_CONFIG_PATH or ~/.openclaw/openclaw.json', () => {
    expect(openClawConfigPath({ OPENCLAW_CONFIG_PATH: '/etc/oc.json' }, '/home/u')).toBe('/etc/oc.json');
    expect(openClawConfigPath({}, '/home/u')).toBe('/home/u/.openclaw/openclaw.json');
  });

  describe('suspiciousPricing', () => {
    it('flags prices that follow the per-1K advice (0.003 / 0.015)', () => {
      const table = priceTableFromConfig({
        models: { providers: { a: { models: [{ id: 'sonnet', cost: { input: 0.003, output: 0.015 } }] } } },
      });
      const warnings = suspiciousPricing(table);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('a/sonnet');
      expect(warnings[0]).toContain('per 1M');
      expect(warnings[0]).toContain('input 3, output 15');
    });

    it('flags a table where every paid model is priced under $0.10 per 1M (per-1K gpt-4: 0.03 / 0.06)', () => {
      const table = priceTableFromConfig({
        models: { providers: { a: { models: [{ id: 'gpt-4', cost: { input: 0.03, output: 0.06 } }] } } },
      });
      expect(suspiciousPricing(table).join('\n')).toContain('under $0.10 per 1M');
    });

    it('accepts real per-1M prices and free models', async () => {
      const table = await loadPriceTable('/x', { readFile: async () => OPENCLAW_JSON5 });
      expect(suspiciousPricing(table)).toEqual([]);
      expect(suspiciousPricing(new Map())).toEqual([]);
    });
  });
});
