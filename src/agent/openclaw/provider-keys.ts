/**
 * Which provider keys an OpenClaw run gets. OpenClaw needs the key of the provider that serves the task's model
 * (and of the fallbacks the user configured), nothing more; every other key in the worker's environment stays out
 * of the run, since the agent can read its own environment (its `exec` tool runs `env`).
 *
 * A run gets, when the worker's environment has them:
 * - the variables the user's OpenClaw config references: `${VAR}` in any string value, and SecretRefs
 *   `{ source: "env", id: "VAR" }` (docs.openclaw.ai gateway/configuration/environment-variables), except in the
 *   `gateway` and `channels` sections, which a `--local` run does not use;
 * - for the provider of the task's model and of `agents.defaults.model` (primary and fallbacks) and
 *   `agents.defaults.imageModel`: the key variables OpenClaw's bundled provider plugins declare
 *   ({@link PROVIDER_KEY_NAMES}), else `<PROVIDER>_API_KEY`; plus OpenClaw's key rotation forms
 *   `<PROVIDER>_API_KEYS`, `<PROVIDER>_API_KEY_<n>` and `OPENCLAW_LIVE_<PROVIDER>_KEY`
 *   (docs.openclaw.ai concepts/model-providers, "API key rotation").
 */
import type { OpenClawConfig } from './openclaw-config.js';

/**
 * The key variables of OpenClaw's bundled providers, from `setup.providers[].envVars` and `providerAuthEnvVars` in
 * the plugin manifests of openclaw 2026.9.6 (`dist/extensions/<name>/openclaw.plugin.json`).
 */
export const PROVIDER_KEY_NAMES: Readonly<Record<string, readonly string[]>> = {
  alibaba: ['MODELSTUDIO_API_KEY', 'DASHSCOPE_API_KEY', 'QWEN_API_KEY'],
  anthropic: ['ANTHROPIC_OAUTH_TOKEN', 'ANTHROPIC_API_KEY'],
  clawrouter: ['CLAWROUTER_API_KEY'],
  'github-copilot': ['COPILOT_GITHUB_TOKEN'],
  'google-vertex': ['GOOGLE_CLOUD_API_KEY'],
  google: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  huggingface: ['HUGGINGFACE_HUB_TOKEN', 'HF_TOKEN'],
  litellm: ['LITELLM_API_KEY'],
  lmstudio: ['LM_API_TOKEN'],
  'microsoft-foundry': ['AZURE_OPENAI_API_KEY'],
  minimax: ['MINIMAX_CODE_PLAN_KEY', 'MINIMAX_CODING_API_KEY', 'MINIMAX_API_KEY'],
  'minimax-portal': ['MINIMAX_OAUTH_TOKEN', 'MINIMAX_API_KEY'],
  nvidia: ['NVIDIA_API_KEY'],
  ollama: ['OLLAMA_API_KEY'],
  'ollama-cloud': ['OLLAMA_API_KEY'],
  openai: ['OPENAI_API_KEY'],
  'opencode-go': ['OPENCODE_API_KEY', 'OPENCODE_ZEN_API_KEY'],
  openrouter: ['OPENROUTER_API_KEY'],
  sglang: ['SGLANG_API_KEY'],
  together: ['TOGETHER_API_KEY'],
  vllm: ['VLLM_API_KEY'],
  xai: ['XAI_API_KEY'],
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `openrouter` for `openrouter/moonshotai/kimi-k2.5`; undefined for an id without a provider. */
export function providerOf(model: string): string | undefined {
  const slash = model.indexOf('/');
  return slash > 0 ? model.slice(0, slash) : undefined;
}

/** The variable-name form of a provider id: `github-copilot` → `GITHUB_COPILOT`. */
function envStem(provider: string): string {
  return provider.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

// Sections a `--local` agent run does not use: the Gateway's own auth, and OpenClaw's chat channels (whose bot
// tokens, a Discord bot's among them, an agent must not see).
const UNUSED_SECTIONS = new Set(['gateway', 'channels']);

/**
 * Variables the config references: `${VAR}` (not the `$${VAR}` escape) and env SecretRefs, outside the `gateway`
 * and `channels` sections.
 */
export function configEnvReferences(config: OpenClawConfig | undefined): string[] {
  const names = new Set<string>();
  const walk = (value: unknown, top = false): void => {
    if (typeof value === 'string') {
      for (const m of value.matchAll(/(\$?)\$\{([A-Z_][A-Z0-9_]*)\}/g)) if (m[1] === '') names.add(m[2]!);
    } else if (Array.isArray(value)) {
      for (const v of value) walk(v);
    } else if (isObject(value)) {
      if (value.source === 'env' && typeof value.id === 'string') names.add(value.id);
      for (const [key, v] of Object.entries(value)) if (!(top && UNUSED_SECTIONS.has(key))) walk(v);
    }
  };
  walk(config, true);
  return [...names];
}

/** Providers of the task's model and of the default model, its fallbacks and the image model in the config. */
export function providersInUse(config: OpenClawConfig | undefined, model: string): string[] {
  const ids: string[] = [model];
  const agents = config && isObject(config.agents) ? config.agents : undefined;
  const defaults = agents && isObject(agents.defaults) ? agents.defaults : undefined;
  for (const key of ['model', 'imageModel']) {
    const value = defaults?.[key];
    if (typeof value === 'string') ids.push(value);
    else if (isObject(value)) {
      if (typeof value.primary === 'string') ids.push(value.primary);
      if (Array.isArray(value.fallbacks)) ids.push(...value.fallbacks.filter((f) => typeof f === 'string'));
    }
  }
  const providers = new Set<string>();
  for (const id of ids) {
    const p = providerOf(id);
    if (p) providers.add(p);
  }
  return [...providers];
}

/** True for a variable that holds a key of `provider` (see the module comment for the forms). */
export function isProviderKeyName(provider: string, name: string): boolean {
  const stem = envStem(provider);
  const known = PROVIDER_KEY_NAMES[provider] ?? [`${stem}_API_KEY`];
  if (known.includes(name)) return true;
  return (
    name === `${stem}_API_KEYS` ||
    name === `OPENCLAW_LIVE_${stem}_KEY` ||
    new RegExp(`^${stem}_API_KEY_\\d+$`).test(name)
  );
}

/** The test for "this variable is a key the run needs", for one task's model under the user's config. */
export function openClawKeyFilter(
  config: OpenClawConfig | undefined,
  model: string,
): (name: string) => boolean {
  const referenced = new Set(configEnvReferences(config));
  const providers = providersInUse(config, model);
  return (name) => referenced.has(name) || providers.some((p) => isProviderKeyName(p, name));
}
