/**
 * Model prices, read from OpenClaw's own config so there is one price list per machine, and the cost of a run.
 *
 * **Unit: USD per 1 million tokens.** That is what OpenClaw uses (`calculateUsageCost` divides `tokens × rate` by
 * 1e6; a measured run agrees). The seed document says per 1K, which is wrong; {@link suspiciousPricing} spots
 * configs written from that advice.
 */
import { readFile as fsReadFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import JSON5 from 'json5';
import type { AgentResult } from '../agent/runner.js';
import { ConfigError, errorMessage } from '../lib/errors.js';
import type { AgentUsage } from '../task/usage.js';

/** Prices of one model in USD per 1M tokens (OpenClaw's `cost` block). */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** Prices keyed by `provider/id` (e.g. `openrouter/moonshotai/kimi-k2.5`, `fake/fake-model`). */
export type PriceTable = ReadonlyMap<string, ModelPrice>;

/** Where a task's cost figure came from. */
export type CostSource = 'runner' | 'computed' | 'unknown';

/** The cost of one task. */
export interface TaskCost {
  /** USD; 0 when {@link CostSource} is `unknown` (never an invented figure). */
  costUsd: number;
  source: CostSource;
  /** Set when the cost is unknown: why (e.g. "no price for x/y in openclaw.json"). */
  note?: string;
}

/** Seams for {@link loadPriceTable}. */
export interface LoadPriceTableOptions {
  /** @defaultValue `fs.promises.readFile` */
  readFile?: (path: string, encoding: 'utf8') => Promise<string>;
}

/**
 * Where OpenClaw's config lives: `OPENCLAW_CONFIG_PATH` when set, else `~/.openclaw/openclaw.json`.
 * @param env - usually `process.env`
 * @param home - the home directory @defaultValue `os.homedir()`
 */
export function openClawConfigPath(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const configured = env.OPENCLAW_CONFIG_PATH?.trim();
  return configured ? configured : join(home, '.openclaw', 'openclaw.json');
}

/**
 * Read the price table from OpenClaw's config (JSON5). A missing file gives an empty table (people using the
 * OpenAI runner may have no OpenClaw at all). A file that is not valid JSON5 throws `ConfigError` naming the path.
 */
export async function loadPriceTable(path: string, options: LoadPriceTableOptions = {}): Promise<PriceTable> {
  const readFile = options.readFile ?? ((p: string, enc: 'utf8') => fsReadFile(p, enc));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return new Map();
    throw new ConfigError([`${path}: cannot read OpenClaw config: ${errorMessage(error)}`], { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON5.parse(text);
  } catch (error) {
    throw new ConfigError([`${path}: not valid JSON5: ${errorMessage(error)}`], { cause: error });
  }
  return priceTableFromConfig(parsed);
}

/**
 * Build a price table from a parsed OpenClaw config: `models.providers.<provider>.models[]` entries with `id` and
 * `cost`. Entries without a `cost` block are left out (their price is unknown); missing fields inside a `cost`
 * block count as 0, as in OpenClaw.
 */
export function priceTableFromConfig(config: unknown): PriceTable {
  const table = new Map<string, ModelPrice>();
  const providers = record(record(config)?.models)?.providers;
  for (const [provider, value] of Object.entries(record(providers) ?? {})) {
    const models = record(value)?.models;
    if (!Array.isArray(models)) continue;
    for (const model of models) {
      const entry = record(model);
      const id = entry?.id;
      const cost = record(entry?.cost);
      if (typeof id !== 'string' || !id || !cost) continue;
      table.set(`${provider}/${id}`, {
        input: price(cost.input),
        output: price(cost.output),
        cacheRead: price(cost.cacheRead),
        cacheWrite: price(cost.cacheWrite),
      });
    }
  }
  return table;
}

/**
 * The price of a model: the exact `provider/id` key, else the one entry whose id matches (runners sometimes
 * report the model without the provider prefix, e.g. `moonshotai/kimi-k2.5` for
 * `openrouter/moonshotai/kimi-k2.5`). Undefined when unknown or ambiguous.
 */
export function findPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table.get(model);
  if (exact) return exact;
  const matches = [...table.entries()].filter(([key]) => key.slice(key.indexOf('/') + 1) === model);
  return matches.length === 1 ? matches[0]?.[1] : undefined;
}

/**
 * USD for the given usage at the given price (per 1M tokens). `usage.input` is uncached prompt tokens.
 * @example costOf({ input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 }, { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 }) // 0.004002
 */
export function costOf(usage: AgentUsage, price: ModelPrice): number {
  const micro =
    usage.input * price.input +
    usage.output * price.output +
    usage.cacheRead * price.cacheRead +
    usage.cacheWrite * price.cacheWrite;
  // Round to 1e-12 USD so float noise (0.0040020000000000004) does not leak into reports.
  return Math.round(micro * 1e6) / 1e12;
}

/**
 * A task's cost: the runner's own figure when it reports one, else tokens × price, else unknown (0, with a note).
 */
export function taskCost(result: AgentResult, table: PriceTable): TaskCost {
  if (typeof result.costUsd === 'number' && Number.isFinite(result.costUsd) && result.costUsd >= 0) {
    return { costUsd: result.costUsd, source: 'runner' };
  }
  const price = findPrice(table, result.model);
  if (!price) {
    return {
      costUsd: 0,
      source: 'unknown',
      note: `no price for ${result.model} in OpenClaw's config; cost unknown`,
    };
  }
  return { costUsd: costOf(result.usage, price), source: 'computed' };
}

/**
 * Warnings for prices that look like someone followed the seed document's per-1K advice, for `dorch doctor`.
 * A paid model whose input price is under $0.01 and output price under $0.10 per 1M tokens is flagged (real
 * per-1M prices that low are rare; per-1K prices of common models, such as 0.003 / 0.015, all are); and when every
 * paid model in the table is priced under $0.10 per 1M, the table as a whole is flagged.
 */
export function suspiciousPricing(table: PriceTable): string[] {
  const warnings: string[] = [];
  const paid = [...table.entries()].filter(([, p]) => p.input > 0 || p.output > 0);
  for (const [model, p] of paid) {
    if (p.input < 0.01 && p.output < 0.1) {
      warnings.push(
        `${model}: prices (input ${p.input}, output ${p.output}) look like USD per 1K tokens; OpenClaw's unit is ` +
          `USD per 1M tokens, so they are probably 1000× too low (did you mean input ${round(p.input * 1000)}, ` +
          `output ${round(p.output * 1000)}?)`,
      );
    }
  }
  const allTiny = paid.length > 0 && paid.every(([, p]) => Math.max(p.input, p.output) < 0.1);
  if (allTiny && warnings.length < paid.length) {
    warnings.push(
      "every paid model in OpenClaw's config costs under $0.10 per 1M tokens; the unit is USD per 1M tokens " +
        '(not per 1K as the seed document says), so check these prices',
    );
  }
  return warnings;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function price(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0;
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
