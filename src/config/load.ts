/**
 * `loadConfig()`: merge `discord-config.env`, the environment and command-line flags (flags win, then the
 * environment, then the file, then defaults), validate with {@link configSchema}, and return the config with
 * warnings and the secret values found (for the `Redactor`). Synchronous, so `await loadConfig()` works too.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { Redactor } from '../lib/redact.js';
import { isRedactableValue, isSecretName, looksLikeSecret } from '../lib/secret-names.js';
import { DEFAULT_CONFIG_FILE } from './defaults.js';
import { parseEnvFile } from './env-file.js';
import { requireDiscordKeys, type DiscordUse } from './require-discord.js';
import {
  configSchema,
  isConfigKey,
  isSecretKey,
  stripBotPrefix,
  workerTokenNumbers,
  type Config,
  type ConfigKey,
  type RawConfig,
} from './schema.js';

export { requireDiscordKeys, type DiscordUse, type RequireDiscordOptions } from './require-discord.js';
export type { Config } from './schema.js';

/** Command-line overrides, keyed like the environment (`{ POLL_INTERVAL: 2 }`); `undefined` values are ignored. */
export type ConfigFlags = Partial<Record<ConfigKey, string | number | boolean | undefined>>;

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * The env file to read; a missing file is fine unless `requireDiscord` is set and keys are missing.
   * @defaultValue `'discord-config.env'` (relative to the current directory)
   */
  file?: string;
  /**
   * The environment to read.
   * @defaultValue `process.env`
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Command-line overrides. Secrets (tokens, API keys) are refused here: they would show in `ps`.
   * @defaultValue `{}`
   */
  flags?: ConfigFlags;
  /**
   * Fail unless the Discord keys are present: `true` needs `TASK_QUEUE_CHANNEL` and a token; a command name
   * checks what that command needs (see {@link requireDiscordKeys}).
   * @defaultValue `false`
   */
  requireDiscord?: boolean | DiscordUse;
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  config: Config;
  /** Things that work but look wrong (file permissions, token shapes, ignored keys). Never contain secrets. */
  warnings: string[];
  /**
   * Every token and API key value found in any source, for the `Redactor`: the config's token and key values, and
   * the value of every variable in the file or the environment whose name says it is a secret (`*_TOKEN`,
   * `*_API_KEY`, `*_KEY`, `*_SECRET`, `*_PASSWORD`; see `isSecretName`), except numbers and paths.
   */
  secrets: string[];
}

// A token as Discord issues them: base64url user id, timestamp, HMAC.
const BOT_TOKEN_SHAPE = /^[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}$/;

/** Load, merge and validate the configuration. Throws {@link ConfigError} with `KEY: problem` lines. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const fileName = options.file ?? DEFAULT_CONFIG_FILE;
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  const issues: string[] = [];

  const file = readConfigFile(fileName, warnings, issues);
  const fromEnv: RawConfig = {};
  for (const [key, value] of Object.entries(env)) if (isConfigKey(key)) fromEnv[key] = value;
  const fromFlags: RawConfig = {};
  for (const [key, value] of Object.entries(options.flags ?? {})) {
    if (value === undefined) continue;
    if (isSecretKey(key)) {
      issues.push(
        `${key}: secrets cannot be passed as command-line flags; set it in ${fileName} or the environment`,
      );
    } else {
      fromFlags[key] = String(value);
    }
  }

  const merged: RawConfig = {};
  for (const layer of [file.values ?? {}, fromEnv, fromFlags]) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined && value.trim() !== '') merged[key] = value;
    }
  }

  const secrets = collectSecrets([file.values ?? {}, env]);
  const redactor = new Redactor(secrets);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push(
        clipQuotes(redactor.redact(`${issue.path.map(String).join('.') || 'config'}: ${issue.message}`)),
      );
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const config = (parsed as { data: Config }).data;

  warnings.push(...tokenWarnings(merged, config));
  if (options.requireDiscord) {
    warnings.push(...checkDiscord(config, options.requireDiscord, fileName, file.values !== undefined));
  }
  return { config, warnings, secrets };
}

interface FileRead {
  /** undefined when the file does not exist. */
  values?: RawConfig;
}

function readConfigFile(fileName: string, warnings: string[], issues: string[]): FileRead {
  const path = resolve(fileName);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    issues.push(`${fileName}: cannot be read (${code ?? 'unknown error'}); check that it is a readable file`);
    return {};
  }
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warnings.push(
        `${fileName} is readable by other users (mode ${mode.toString(8)}) and holds bot tokens; ` +
          `run: chmod 600 ${fileName}`,
      );
    }
  }
  const { values, problems } = parseEnvFile(text);
  for (const problem of problems) warnings.push(`${fileName} ${problem} (line ignored)`);
  for (const key of Object.keys(values)) {
    if (isConfigKey(key)) continue;
    // A token pasted where a key belongs is still a token.
    const shown = looksLikeSecret(key) ? 'that looks like a token (not shown)' : key;
    warnings.push(`${fileName}: unknown key ${shown} ignored (check the spelling)`);
  }
  return { values };
}

// Shorten long quoted values in an (already redacted) message.
function clipQuotes(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.){60})(?:[^"\\]|\\.)+"/g, '"$1…"');
}

// The config's token and key values, and the value of every variable (in the file or the environment) whose name
// says it holds a secret (`*_API_KEY`, `*_TOKEN`, `*_SECRET`, …; see isSecretName).
function collectSecrets(layers: RawConfig[]): string[] {
  const secrets = new Set<string>();
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const v = value?.trim();
      if (!v) continue;
      if (!isSecretKey(key) && !(isSecretName(key) && isRedactableValue(v))) continue;
      secrets.add(v);
      secrets.add(stripBotPrefix(v));
      // A malformed value ("token extra", "key\nmore") still holds the real secret as one of its parts.
      for (const part of v.split(/\s+/)) if (part.length >= 16) secrets.add(part);
    }
  }
  return [...secrets];
}

function tokenWarnings(merged: RawConfig, config: Config): string[] {
  const warnings: string[] = [];
  const numbers = workerTokenNumbers(merged);
  const used = config.discord.workerTokens.length;
  for (const n of numbers.filter((n) => n > used + 1)) {
    warnings.push(
      `WORKER${n}_TOKEN is ignored: WORKER${used + 1}_TOKEN is missing ` +
        '(worker tokens are read from WORKER1_TOKEN up to the first gap)',
    );
  }
  const tokenKeys = [
    'BOT_TOKEN',
    'SUBMITTER_TOKEN',
    ...numbers.filter((n) => n <= used).map((n) => `WORKER${n}_TOKEN`),
  ];
  const seen = new Map<string, string>();
  for (const key of tokenKeys) {
    const raw = merged[key]?.trim();
    if (!raw) continue;
    const token = stripBotPrefix(raw);
    if (token !== raw) warnings.push(`${key} starts with "Bot "; the prefix was removed`);
    if (!BOT_TOKEN_SHAPE.test(token)) {
      warnings.push(
        `${key} does not look like a Discord bot token (three dot-separated parts); ` +
          'check that you copied the bot token, not the client secret or application id',
      );
    }
    const other = seen.get(token);
    if (other && key.startsWith('WORKER') && other.startsWith('WORKER')) {
      warnings.push(`${other} and ${key} hold the same token; each worker should have its own bot`);
    }
    seen.set(token, key);
  }
  const api = new URL(config.discord.apiUrl);
  if (api.protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(api.hostname)) {
    warnings.push('DISCORD_API_URL uses plain http to a non-local host; bot tokens would travel unencrypted');
  }
  return warnings;
}

function checkDiscord(
  config: Config,
  use: true | DiscordUse,
  fileName: string,
  fileExists: boolean,
): string[] {
  try {
    if (use !== true) return requireDiscordKeys(config, use, { file: fileName });
    const { discord } = config;
    const issues: string[] = [];
    const hint = `set it in ${fileName} or the environment, or run \`dorch setup\``;
    if (!discord.botToken && !discord.submitterToken && discord.workerTokens.length === 0) {
      issues.push(`WORKER1_TOKEN: missing (or BOT_TOKEN / SUBMITTER_TOKEN); ${hint}`);
    }
    if (!discord.taskQueueChannel) issues.push(`TASK_QUEUE_CHANNEL: missing; ${hint}`);
    if (issues.length > 0) throw new ConfigError(issues);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError) || fileExists) throw error;
    throw new ConfigError([
      `${fileName}: not found; run \`dorch setup\`, or create it with the keys WORKER1_TOKEN (or BOT_TOKEN), ` +
        'TASK_QUEUE_CHANNEL, RESULTS_CHANNEL and WORKER_POOL_CHANNEL (and SUBMITTER_TOKEN to submit)',
      ...error.issues,
    ]);
  }
}
