/**
 * Model and thinking-level resolution: turn what a task asked for (`[model:coder]`, `[thinking:high]`) into a
 * concrete `provider/model` id and a {@link ThinkingLevel}, or into one clear sentence saying why not.
 */
import { THINKING_LEVELS, type ThinkingLevel } from './task.js';

/**
 * The seed's model aliases (its README, "Model Types and Pricing"), as OpenClaw model ids routed through
 * OpenRouter. Override one with `MODEL_CHEAP`, `MODEL_PRIMARY`, `MODEL_CODER`, `MODEL_RESEARCH`; add more with
 * `MODEL_ALIASES`.
 */
export const DEFAULT_MODEL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  cheap: 'openrouter/stepfun/step-3.5-flash:free',
  primary: 'openrouter/moonshotai/kimi-k2.5',
  coder: 'openrouter/qwen/qwen3-coder-next',
  research: 'openrouter/google/gemini-3-pro-preview',
});

/** The model table a fleet runs with: built by the config (`MODEL_*`, `DEFAULT_MODEL`, `DEFAULT_THINKING`). */
export interface ModelSettings {
  /** Alias (lower case) → `provider/model` id. */
  aliases: Record<string, string>;
  /** `DEFAULT_MODEL`: an alias or a `provider/model` id. */
  defaultModel: string;
  /** `DEFAULT_THINKING`. */
  defaultThinking: ThinkingLevel;
}

/** The outcome of {@link resolveModel}. */
export type ModelResolution =
  | {
      ok: true;
      /** A `provider/model` id, ready for a runner. */
      model: string;
      /** The alias it came from, when it came from one. */
      alias?: string;
    }
  | { ok: false; error: string };

/** The outcome of {@link resolveThinking}. */
export type ThinkingResolution = { ok: true; level: ThinkingLevel } | { ok: false; error: string };

// `provider/model[/more]`, each segment from a conservative charset (OpenRouter ids use `.`, `:`, `-`, `@`).
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@+-]*(?:\/[A-Za-z0-9._:@+-]+)+$/;
const ALIAS = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** True for a string that is acceptable as a `provider/model` id: at least one `/`, safe characters only. */
export function isModelId(value: string): boolean {
  return value.length <= 200 && MODEL_ID.test(value) && !value.split('/').some((part) => /^\.+$/.test(part));
}

/** True for an acceptable alias name: lower-case letters, digits, `-` and `_`, at most 32 characters. */
export function isAliasName(value: string): boolean {
  return ALIAS.test(value);
}

/**
 * Resolve a requested model (an alias, case-insensitive, or a `provider/model` id) against the configured table.
 * `undefined` or blank means the configured default model.
 */
export function resolveModel(
  requested: string | undefined,
  models: Pick<ModelSettings, 'aliases' | 'defaultModel'>,
): ModelResolution {
  const wanted = requested?.trim() || models.defaultModel;
  const alias = wanted.toLowerCase();
  const fromAlias = Object.hasOwn(models.aliases, alias) ? models.aliases[alias] : undefined;
  if (fromAlias !== undefined) return { ok: true, model: fromAlias, alias };
  if (isModelId(wanted)) return { ok: true, model: wanted };
  const names = Object.keys(models.aliases).join(', ');
  return {
    ok: false,
    error: `unknown model "${clip(wanted)}"; use an alias (${names}) or a provider/model id`,
  };
}

/** Resolve a requested thinking level (case-insensitive); `undefined` or blank means `fallback`. */
export function resolveThinking(requested: string | undefined, fallback: ThinkingLevel): ThinkingResolution {
  const wanted = requested?.trim().toLowerCase();
  if (!wanted) return { ok: true, level: fallback };
  if ((THINKING_LEVELS as readonly string[]).includes(wanted))
    return { ok: true, level: wanted as ThinkingLevel };
  return {
    ok: false,
    error: `unknown thinking level "${clip(requested ?? '')}"; use one of ${THINKING_LEVELS.join(', ')}`,
  };
}

// Keep user text in error messages short: it ends up in a one-line result header.
function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
