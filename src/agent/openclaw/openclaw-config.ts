/**
 * Reading the user's OpenClaw config (JSON5, `~/.openclaw/openclaw.json` or `$OPENCLAW_CONFIG_PATH`) for the few
 * facts the runner needs before starting OpenClaw: whether a model can reason, and the user's sandbox settings.
 * OpenClaw itself stays the authority on everything else; this never writes the user's file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import JSON5 from 'json5';
import { isRedactableValue, isSecretName } from '../../lib/secret-names.js';
import type { ThinkingLevel } from '../../task/task.js';

/** A parsed config: plain JSON5 data. */
export type OpenClawConfig = Record<string, unknown>;

/** One `models.providers.<provider>.models[]` entry, as far as the runner reads it. */
export interface OpenClawModelEntry {
  id: string;
  reasoning?: boolean;
  [key: string]: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `~/.openclaw/openclaw.json`, OpenClaw's own default location. */
export function defaultOpenClawConfigPath(home: string = homedir()): string {
  return join(home, '.openclaw', 'openclaw.json');
}

/** A path with a leading `~` expanded, made absolute. */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(path);
}

// Later objects win; nested objects merge, everything else (arrays included) is replaced, as OpenClaw does.
function deepMerge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = key in out ? deepMerge(out[key], value) : value;
  return out;
}

const MAX_INCLUDE_DEPTH = 10;

// Resolves OpenClaw's `$include` (a path or a list of paths, relative to the including file; sibling keys win).
function resolveIncludes(
  value: unknown,
  file: string,
  depth: number,
  readText: (path: string) => string,
): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIncludes(v, file, depth, readText));
  if (!isObject(value)) return value;
  const { $include: include, ...rest } = value;
  let merged: unknown = {};
  if (include !== undefined) {
    if (depth >= MAX_INCLUDE_DEPTH)
      throw new Error(`${file}: $include nested more than ${MAX_INCLUDE_DEPTH} levels`);
    const paths = Array.isArray(include) ? include : [include];
    for (const p of paths) {
      if (typeof p !== 'string') throw new Error(`${file}: $include must be a path or a list of paths`);
      const target = resolve(dirname(file), p);
      merged = deepMerge(merged, parseConfigFile(target, depth + 1, readText));
    }
  }
  const own: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(rest)) own[key] = resolveIncludes(v, file, depth, readText);
  return include === undefined ? own : deepMerge(merged, own);
}

function parseConfigFile(path: string, depth: number, readText: (path: string) => string): unknown {
  return resolveIncludes(JSON5.parse(readText(path)), path, depth, readText);
}

/**
 * Reads and parses an OpenClaw config file, resolving `$include`. Returns undefined when the file does not exist;
 * throws (with the path in the message) when it exists but cannot be parsed, or an include is missing.
 */
export function readOpenClawConfig(
  path: string,
  readText: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): OpenClawConfig | undefined {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read OpenClaw config ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const config = resolveIncludes(JSON5.parse(text), path, 0, readText);
    return isObject(config) ? config : {};
  } catch (error) {
    throw new Error(`cannot read OpenClaw config ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The config entry of a `provider/model` id (`models.providers.<provider>.models[]` with that `id`), or undefined
 * when the config does not declare it (a built-in catalog model, or an alias OpenClaw resolves itself).
 */
export function findModelEntry(
  config: OpenClawConfig | undefined,
  model: string,
): OpenClawModelEntry | undefined {
  const slash = model.indexOf('/');
  if (!config || slash <= 0) return undefined;
  const provider = model.slice(0, slash);
  const id = model.slice(slash + 1);
  const models = isObject(config.models) ? config.models : undefined;
  const providers = models && isObject(models.providers) ? models.providers : undefined;
  const entry = providers ? providers[provider] : undefined;
  const list = isObject(entry) && Array.isArray(entry.models) ? entry.models : [];
  const found = list.find((m): m is OpenClawModelEntry => isObject(m) && m.id === id);
  return found;
}

/** The thinking level to pass, and a note for the result when it differs from the one asked for. */
export interface ThinkingDecision {
  thinking: ThinkingLevel;
  note?: string;
}

/**
 * Decides the `--thinking` level before running. OpenClaw refuses any level above `off` for a configured model
 * whose `reasoning` is not `true` (exit 1, "Thinking level "high" is not supported"; an absent `reasoning` counts as
 * false, measured with 2026.9.6), so such a run is downgraded to `off` with a note instead of failing. Models the
 * config does not declare are left to OpenClaw's own catalog.
 */
export function decideThinking(
  config: OpenClawConfig | undefined,
  model: string,
  requested: ThinkingLevel,
): ThinkingDecision {
  if (requested === 'off') return { thinking: 'off' };
  const entry = findModelEntry(config, model);
  if (entry && entry.reasoning !== true) {
    return { thinking: 'off', note: `thinking ${requested} downgraded to off: ${model} cannot reason` };
  }
  return { thinking: requested };
}

/** `agents.defaults.sandbox` of a config, or an empty object. */
export function userSandboxSettings(config: OpenClawConfig | undefined): Record<string, unknown> {
  const agents = config && isObject(config.agents) ? config.agents : undefined;
  const defaults = agents && isObject(agents.defaults) ? agents.defaults : undefined;
  return defaults && isObject(defaults.sandbox) ? defaults.sandbox : {};
}

/**
 * Secret values written literally in the user's config, for the redactor: every string under a key whose name says
 * it is a secret (`apiKey`, `token`, `password`, `OPENROUTER_API_KEY` in `env.vars`, …; see `isSecretName`), except
 * `${VAR}` references (the variable's value is known from the environment). An agent can read this file unless it
 * is sandboxed, so what it holds must never be posted either.
 */
export function literalSecrets(config: OpenClawConfig | undefined): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (
        isSecretName(key.replace(/([a-z])([A-Z])/g, '$1_$2')) &&
        !value.includes('${') &&
        isRedactableValue(value)
      )
        out.add(value);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v, key);
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  walk(config, '');
  return [...out];
}
