/**
 * The configuration schema: one zod schema that takes the merged `KEY=string` map (file, environment, flags) and
 * produces a validated {@link Config}. Every issue's path is the env key, so messages read `KEY: what is wrong`.
 */
import { z } from 'zod';
import {
  DEFAULT_MODEL_ALIASES,
  isAliasName,
  isModelId,
  resolveModel,
  type ModelSettings,
} from '../task/models.js';
import { THINKING_LEVELS, type ThinkingLevel } from '../task/task.js';
import { isDiscordTokenName, looksLikeSecret } from '../lib/secret-names.js';
import {
  DEFAULT_AGENT_RUNNER,
  DEFAULT_DISCORD_API_URL,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_TASK_DEPTH,
  DEFAULT_HEARTBEAT_INTERVAL_SEC,
  DEFAULT_LEASE_TIMEOUT_SEC,
  DEFAULT_MAX_IDLE_TIME_SEC,
  DEFAULT_MODEL,
  DEFAULT_OPENAI_BASE_URL,
  DEFAULT_POLL_INTERVAL_SEC,
  DEFAULT_RUNTIME_DIR,
  DEFAULT_TASK_TIMEOUT_SEC,
  DEFAULT_THINKING,
  DEFAULT_WORK_DIR,
} from './defaults.js';

/** How the OpenClaw runner runs tasks (`OPENCLAW_MODE`): a warm Gateway per worker, or a process per task. */
export const OPENCLAW_MODES = ['gateway', 'local'] as const;
/** One of {@link OPENCLAW_MODES}. */
export type OpenClawModeName = (typeof OPENCLAW_MODES)[number];

/** Agent runners `AGENT_RUNNER` may name. */
export const AGENT_RUNNERS = ['openclaw', 'openai', 'command', 'demo'] as const;
/** One of {@link AGENT_RUNNERS}. */
export type AgentRunnerName = (typeof AGENT_RUNNERS)[number];

/** The validated configuration every part of the program reads. */
export interface Config {
  discord: {
    /** `DISCORD_API_URL`: REST base without the version suffix. */
    apiUrl: string;
    /** `GUILD_ID`. */
    guildId?: string;
    /** `TASK_QUEUE_CHANNEL`. */
    taskQueueChannel?: string;
    /** `RESULTS_CHANNEL`. */
    resultsChannel?: string;
    /** `WORKER_POOL_CHANNEL`. */
    workerPoolChannel?: string;
    /** `SUBMITTER_TOKEN`. */
    submitterToken?: string;
    /** `WORKER1_TOKEN`…`WORKERn_TOKEN` in order, up to the first gap. */
    workerTokens: string[];
    /** `BOT_TOKEN`: one token shared by all workers, or this worker's own. */
    botToken?: string;
    /** `ALLOWED_SUBMITTERS`: user ids whose messages are run. */
    allowedSubmitters: string[];
    /** `ALLOWED_ROLES`: role ids whose members' messages are run. */
    allowedRoles: string[];
  };
  worker: {
    /** `POLL_INTERVAL` in seconds (> 0). */
    pollIntervalSec: number;
    /** `MAX_IDLE_TIME` in seconds (0 = never idle out). */
    maxIdleTimeSec: number;
    /** `TASK_TIMEOUT` in seconds. */
    taskTimeoutSec: number;
    /** `WORKER_ID` (`[A-Za-z0-9_-]{1,32}`). */
    workerId?: string;
    /** `MACHINE_NAME` (`[A-Za-z0-9_-]{1,24}`): this machine in worker ids, statuses and results. */
    machineName?: string;
    /** `WORK_DIR`. */
    workDir: string;
    /** `RUNTIME_DIR`. */
    runtimeDir: string;
    /** `MAX_ATTEMPTS`. */
    maxAttempts: number;
    /** `MAX_TASK_DEPTH`: how deep tasks may delegate (0: running tasks may not submit at all). */
    maxTaskDepth: number;
    /** `HEARTBEAT_INTERVAL` in seconds: how often a running task's progress message is edited. */
    heartbeatIntervalSec: number;
    /** `LEASE_TIMEOUT` in seconds (at least two heartbeats): a claim without a heartbeat for this long is abandoned. */
    leaseTimeoutSec: number;
  };
  agent: {
    /** `AGENT_RUNNER`. */
    runner: AgentRunnerName;
    /** `AGENT_COMMAND` (required when `runner` is `command`). */
    command?: string;
    /** `OPENCLAW_BIN`. */
    openclawBin?: string;
    /** `OPENCLAW_STATE_DIR`. */
    openclawStateDir?: string;
    /** `OPENCLAW_CONFIG_PATH`. */
    openclawConfigPath?: string;
    /** `OPENCLAW_MODE` (unset: `gateway` for workers that stay up between tasks, else `local`). */
    openclawMode?: OpenClawModeName;
    /** `OPENAI_BASE_URL` without a trailing slash. */
    openaiBaseUrl: string;
    /** `OPENAI_API_KEY`, else `OPENROUTER_API_KEY`. */
    openaiApiKey?: string;
    /** `AGENT_SANDBOX`. */
    sandbox: boolean;
    /** `AGENT_ENV_PASS`: more environment variables agents get (never a Discord token). */
    envPass: string[];
  };
  models: ModelSettings;
  budget: {
    /** `MAX_TASK_COST_USD`. */
    maxTaskCostUsd?: number;
    /** `DAILY_BUDGET_USD`. */
    dailyBudgetUsd?: number;
  };
}

/** Every key the configuration reads, with a one-line description (for `setup`, `doctor` and error hints). */
export const CONFIG_KEYS = {
  DISCORD_API_URL: 'Discord REST base URL (the emulator, or https://discord.com/api)',
  GUILD_ID: 'the Discord server id',
  TASK_QUEUE_CHANNEL: 'the #task-queue channel id',
  RESULTS_CHANNEL: 'the #results channel id',
  WORKER_POOL_CHANNEL: 'the #worker-pool channel id',
  SUBMITTER_TOKEN: 'the bot token used by `dorch submit`',
  BOT_TOKEN: "a bot token shared by all workers, or this worker's own",
  ALLOWED_SUBMITTERS: 'user ids allowed to submit tasks (comma or space separated)',
  ALLOWED_ROLES: 'role ids whose members may submit tasks (comma or space separated)',
  POLL_INTERVAL: 'seconds between queue polls',
  MAX_IDLE_TIME: 'seconds without work before a worker exits (0 = never)',
  TASK_TIMEOUT: 'seconds before a running agent is killed',
  WORKER_ID: "this worker's id (letters, digits, - and _)",
  MACHINE_NAME:
    "this machine's name in worker ids (<machine>-<slot>), statuses and results (default: the host name)",
  WORK_DIR: 'folder for worker workspaces',
  RUNTIME_DIR: 'folder for runtime state (fallback queue, outboxes)',
  MAX_ATTEMPTS: 'runs per task before it is reported FAILED',
  MAX_TASK_DEPTH:
    'how deep tasks may delegate: a running task at this depth may not submit more (0 = agents may not delegate)',
  HEARTBEAT_INTERVAL: "seconds between heartbeats (edits of a running task's progress message)",
  LEASE_TIMEOUT:
    'seconds without a heartbeat before a claimed task counts as abandoned and is requeued (at least two heartbeats)',
  AGENT_RUNNER: `agent runner: ${AGENT_RUNNERS.join(', ')}`,
  AGENT_COMMAND: 'the command line run by the `command` runner',
  OPENCLAW_BIN: 'path to the openclaw executable',
  OPENCLAW_STATE_DIR: 'OpenClaw state folder',
  OPENCLAW_CONFIG_PATH: 'OpenClaw config file (pricing is read from it)',
  OPENCLAW_MODE:
    'how the openclaw runner runs tasks: gateway (one warm Gateway per worker; the default with --keep-alive) or local (a fresh process per task; the default otherwise)',
  OPENAI_BASE_URL: 'OpenAI-compatible API base URL for the `openai` runner',
  OPENAI_API_KEY: 'API key for the `openai` runner',
  OPENROUTER_API_KEY: 'API key for the `openai` runner when OPENAI_API_KEY is not set',
  AGENT_SANDBOX: 'run agents restricted (1/true)',
  AGENT_ENV_PASS:
    'environment variables passed to agents besides the basics (names, comma separated; never Discord tokens)',
  MODEL_CHEAP: 'model id for the `cheap` alias',
  MODEL_PRIMARY: 'model id for the `primary` alias',
  MODEL_CODER: 'model id for the `coder` alias',
  MODEL_RESEARCH: 'model id for the `research` alias',
  MODEL_ALIASES: 'more aliases: name=provider/model,name2=provider/model',
  DEFAULT_MODEL: 'model used when a task names none (alias or provider/model id)',
  DEFAULT_THINKING: `thinking level used when a task names none (${THINKING_LEVELS.join(', ')})`,
  MAX_TASK_COST_USD: 'per-task cost limit in USD',
  DAILY_BUDGET_USD: 'daily spend cap in USD',
} as const;

/** A fixed configuration key (the numbered `WORKERn_TOKEN` keys come on top). */
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** `WORKERn_TOKEN` for n = 1, 2, … */
export const WORKER_TOKEN_KEY = /^WORKER([1-9]\d{0,3})_TOKEN$/;

/** Keys whose values are secrets: never echoed, never accepted as command-line flags. */
export const SECRET_KEYS: readonly string[] = [
  'SUBMITTER_TOKEN',
  'BOT_TOKEN',
  'OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
];

/** True for a key whose value is a secret (a token or an API key). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.includes(key) || WORKER_TOKEN_KEY.test(key);
}

/** True for any key the configuration reads. */
export function isConfigKey(key: string): boolean {
  return Object.hasOwn(CONFIG_KEYS, key) || WORKER_TOKEN_KEY.test(key);
}

/** The numbers n of the `WORKERn_TOKEN` keys present in `raw`, ascending. */
export function workerTokenNumbers(raw: Record<string, unknown>): number[] {
  return Object.keys(raw)
    .map((k) => WORKER_TOKEN_KEY.exec(k)?.[1])
    .filter((n): n is string => n !== undefined && typeof raw[`WORKER${n}_TOKEN`] === 'string')
    .map(Number)
    .sort((a, b) => a - b);
}

/** Remove a pasted `Bot ` authorization prefix from a token. */
export function stripBotPrefix(token: string): string {
  return token.replace(/^Bot\s+/i, '');
}

// --- field parsers: each returns a value or an Invalid with the message (the key is added from the path) ---

class Invalid {
  constructor(readonly message: string) {}
}

type Parse<T> = (value: string) => T | Invalid;

// A zod field for one env key: blank means unset (→ fallback); otherwise the trimmed text goes through `parse`.
// A bad value becomes an Invalid marker rather than a zod issue, so the object transform still runs and the
// cross-key checks report in the same pass: people fix every problem at once, not one round at a time.
function field<T, F>(parse: Parse<T>, fallback: F) {
  return z
    .string()
    .optional()
    .transform((value): T | F | Invalid => {
      const text = value?.trim() ?? '';
      return text === '' ? fallback : parse(text);
    });
}

type Valid<T> = { [K in keyof T]: Exclude<T[K], Invalid> };

function valid<T>(value: T): Exclude<T, Invalid> | undefined {
  return value instanceof Invalid ? undefined : (value as Exclude<T, Invalid>);
}

// Echo the whole value: the loader redacts secrets from issues first and clips long quotes after, since a clipped
// secret would no longer match the redactor. A value that looks like a token is not echoed at all: it is in the
// wrong key, so the redactor (which knows the values of token keys) would not know it.
function show(value: string): string {
  return looksLikeSecret(value) ? 'a value that looks like a token (not shown)' : JSON.stringify(value);
}

const number =
  (min: number, exclusive: boolean, note = ''): Parse<number> =>
  (text) => {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
    if (Number.isFinite(n) && (exclusive ? n > min : n >= min)) return n;
    return new Invalid(`expected a number ${exclusive ? '>' : '>='} ${min}${note}, got ${show(text)}`);
  };

const wholeNumber =
  (min: number): Parse<number> =>
  (text) => {
    if (/^\+?\d+$/.test(text) && Number(text) >= min) return Number(text);
    return new Invalid(`expected a whole number >= ${min}, got ${show(text)}`);
  };

const usd: Parse<number> = (text) => {
  const n = number(0, false)(text.replace(/^\$/, ''));
  return n instanceof Invalid
    ? new Invalid(`expected an amount in USD >= 0 (e.g. 2.50), got ${show(text)}`)
    : n;
};

const SNOWFLAKE = /^\d{1,20}$/;

const snowflake =
  (noun: string): Parse<string> =>
  (text) =>
    SNOWFLAKE.test(text)
      ? text
      : new Invalid(`expected a ${noun} id (digits only, e.g. 1471241464699945010), got ${show(text)}`);

// Comma/space separated ids; mention forms (<@123>, <@!123>, <@&123>) are accepted as pasted from Discord.
const snowflakeList =
  (noun: string): Parse<string[]> =>
  (text) => {
    const ids: string[] = [];
    for (const item of text.split(/[\s,]+/).filter(Boolean)) {
      const id = item.replace(/^<@[!&]?(\d+)>$/, '$1');
      if (!SNOWFLAKE.test(id)) {
        return new Invalid(`${show(item)} is not a ${noun} id (expected digits, e.g. 1471241464699945010)`);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  };

// Never echoes the value.
const token: Parse<string> = (text) => {
  const t = stripBotPrefix(text);
  if (/\s/.test(t)) return new Invalid('contains spaces or line breaks; paste only the token');
  if (t.length < 8) return new Invalid('is too short to be a token; paste the whole bot token');
  return t;
};

const apiKey: Parse<string> = (text) =>
  /\s/.test(text) ? new Invalid('contains spaces or line breaks; paste only the key') : text;

const httpUrl =
  (stripVersion: boolean): Parse<string> =>
  (text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return new Invalid(`expected an http(s) URL, got ${show(text)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return new Invalid(`expected an http(s) URL, got ${show(text)}`);
    }
    let out = text.replace(/\/+$/, '');
    if (stripVersion) out = out.replace(/\/v\d+$/, '');
    return out;
  };

const workerId: Parse<string> = (text) =>
  /^[A-Za-z0-9_-]{1,32}$/.test(text)
    ? text
    : new Invalid(`expected 1-32 letters, digits, - or _ (e.g. worker-1), got ${show(text)}`);

const machineName: Parse<string> = (text) =>
  /^[A-Za-z0-9_-]{1,24}$/.test(text)
    ? text
    : new Invalid(`expected 1-24 letters, digits, - or _ (e.g. build-box), got ${show(text)}`);

const runner: Parse<AgentRunnerName> = (text) => {
  const name = text.toLowerCase();
  return (AGENT_RUNNERS as readonly string[]).includes(name)
    ? (name as AgentRunnerName)
    : new Invalid(`unknown runner ${show(text)}; use one of ${AGENT_RUNNERS.join(', ')}`);
};

const openclawMode: Parse<OpenClawModeName> = (text) => {
  const mode = text.toLowerCase();
  return (OPENCLAW_MODES as readonly string[]).includes(mode)
    ? (mode as OpenClawModeName)
    : new Invalid(`unknown mode ${show(text)}; use one of ${OPENCLAW_MODES.join(', ')}`);
};

const bool: Parse<boolean> = (text) => {
  const t = text.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return new Invalid(`expected 1/true or 0/false, got ${show(text)}`);
};

const thinking: Parse<ThinkingLevel> = (text) => {
  const t = text.toLowerCase();
  return (THINKING_LEVELS as readonly string[]).includes(t)
    ? (t as ThinkingLevel)
    : new Invalid(`unknown thinking level ${show(text)}; use one of ${THINKING_LEVELS.join(', ')}`);
};

const modelId: Parse<string> = (text) =>
  isModelId(text)
    ? text
    : new Invalid(`expected a provider/model id (e.g. openrouter/vendor/model), got ${show(text)}`);

const aliasList: Parse<Record<string, string>> = (text) => {
  const out: Record<string, string> = {};
  for (const item of text.split(/[\s,]+/).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = item.slice(0, eq).toLowerCase();
    const id = item.slice(eq + 1);
    if (eq <= 0) return new Invalid(`${show(item)} is not name=provider/model`);
    if (!isAliasName(name))
      return new Invalid(`alias ${show(name)}: use lower-case letters, digits, - and _`);
    if (!isModelId(id)) return new Invalid(`alias ${show(name)}: ${show(id)} is not a provider/model id`);
    out[name] = id;
  }
  return out;
};

const text: Parse<string> = (t) => t;

const envNames: Parse<string[]> = (t) => {
  const names: string[] = [];
  for (const item of t.split(/[\s,]+/).filter(Boolean)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(item)) {
      return new Invalid(`${show(item)} is not an environment variable name (letters, digits and _)`);
    }
    if (isDiscordTokenName(item)) {
      return new Invalid(
        `${item} is a Discord token, and Discord tokens are never passed to agents, even when listed; remove it`,
      );
    }
    if (!names.includes(item)) names.push(item);
  }
  return names;
};

/**
 * The schema. Input: the merged map of raw strings (blank = unset). Output: a {@link Config}. Cross-key checks
 * (`AGENT_COMMAND` for the `command` runner, `DEFAULT_MODEL` resolving) report under the key to fix.
 */
export const configSchema = z
  .looseObject({
    DISCORD_API_URL: field(httpUrl(true), DEFAULT_DISCORD_API_URL),
    GUILD_ID: field(snowflake('server'), undefined),
    TASK_QUEUE_CHANNEL: field(snowflake('channel'), undefined),
    RESULTS_CHANNEL: field(snowflake('channel'), undefined),
    WORKER_POOL_CHANNEL: field(snowflake('channel'), undefined),
    SUBMITTER_TOKEN: field(token, undefined),
    BOT_TOKEN: field(token, undefined),
    ALLOWED_SUBMITTERS: field(snowflakeList('user'), [] as string[]),
    ALLOWED_ROLES: field(snowflakeList('role'), [] as string[]),
    POLL_INTERVAL: field(number(0, true), DEFAULT_POLL_INTERVAL_SEC),
    MAX_IDLE_TIME: field(number(0, false, ' (0 = never idle out)'), DEFAULT_MAX_IDLE_TIME_SEC),
    TASK_TIMEOUT: field(number(0, true), DEFAULT_TASK_TIMEOUT_SEC),
    WORKER_ID: field(workerId, undefined),
    MACHINE_NAME: field(machineName, undefined),
    WORK_DIR: field(text, DEFAULT_WORK_DIR),
    RUNTIME_DIR: field(text, DEFAULT_RUNTIME_DIR),
    MAX_ATTEMPTS: field(wholeNumber(1), DEFAULT_MAX_ATTEMPTS),
    MAX_TASK_DEPTH: field(wholeNumber(0), DEFAULT_MAX_TASK_DEPTH),
    HEARTBEAT_INTERVAL: field(number(0, true), DEFAULT_HEARTBEAT_INTERVAL_SEC),
    LEASE_TIMEOUT: field(number(0, true), DEFAULT_LEASE_TIMEOUT_SEC),
    AGENT_RUNNER: field(runner, DEFAULT_AGENT_RUNNER as AgentRunnerName),
    AGENT_COMMAND: field(text, undefined),
    OPENCLAW_BIN: field(text, undefined),
    OPENCLAW_STATE_DIR: field(text, undefined),
    OPENCLAW_CONFIG_PATH: field(text, undefined),
    OPENCLAW_MODE: field(openclawMode, undefined),
    OPENAI_BASE_URL: field(httpUrl(false), DEFAULT_OPENAI_BASE_URL),
    OPENAI_API_KEY: field(apiKey, undefined),
    OPENROUTER_API_KEY: field(apiKey, undefined),
    AGENT_SANDBOX: field(bool, false),
    AGENT_ENV_PASS: field(envNames, [] as string[]),
    MODEL_CHEAP: field(modelId, undefined),
    MODEL_PRIMARY: field(modelId, undefined),
    MODEL_CODER: field(modelId, undefined),
    MODEL_RESEARCH: field(modelId, undefined),
    MODEL_ALIASES: field(aliasList, {} as Record<string, string>),
    DEFAULT_MODEL: field(text, DEFAULT_MODEL),
    DEFAULT_THINKING: field(thinking, DEFAULT_THINKING),
    MAX_TASK_COST_USD: field(usd, undefined),
    DAILY_BUDGET_USD: field(usd, undefined),
  } satisfies Record<ConfigKey, z.ZodType>)
  .transform((fields, ctx): Config => {
    // No `input` on issues: a raw value may be a secret.
    for (const [key, value] of Object.entries(fields)) {
      if (value instanceof Invalid) ctx.addIssue({ code: 'custom', message: value.message, path: [key] });
    }
    // When an issue was added the output is discarded, so the Invalid-free view is only read when it is true.
    const f = fields as Valid<typeof fields>;

    const workerTokens: string[] = [];
    const numbers = workerTokenNumbers(f);
    for (let n = 1; numbers.includes(n); n++) {
      const key = `WORKER${n}_TOKEN`;
      const parsed = token((f[key] as string).trim());
      if (parsed instanceof Invalid) ctx.addIssue({ code: 'custom', message: parsed.message, path: [key] });
      else workerTokens.push(parsed);
    }

    if (f.AGENT_RUNNER === 'command' && valid(fields.AGENT_COMMAND) === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'required when AGENT_RUNNER is "command"; set it to the command line that runs one task',
        path: ['AGENT_COMMAND'],
      });
    }

    // A lease shorter than two heartbeats would hand back healthy claims after one slow edit.
    const heartbeat = valid(fields.HEARTBEAT_INTERVAL);
    const lease = valid(fields.LEASE_TIMEOUT);
    if (heartbeat !== undefined && lease !== undefined && lease < 2 * heartbeat) {
      ctx.addIssue({
        code: 'custom',
        message:
          `must be at least two heartbeats (2 × HEARTBEAT_INTERVAL = ${2 * heartbeat} s), got ${lease}; ` +
          `raise LEASE_TIMEOUT or lower HEARTBEAT_INTERVAL`,
        path: ['LEASE_TIMEOUT'],
      });
    }

    if (valid(fields.OPENCLAW_MODE) === 'gateway' && valid(fields.AGENT_SANDBOX) === true) {
      ctx.addIssue({
        code: 'custom',
        message:
          'the gateway mode does not run sandboxed yet; set OPENCLAW_MODE=local (or leave it unset) with AGENT_SANDBOX',
        path: ['OPENCLAW_MODE'],
      });
    }

    const extra = valid(fields.MODEL_ALIASES);
    const aliases: Record<string, string> = { ...DEFAULT_MODEL_ALIASES, ...extra };
    const overrides = { cheap: fields.MODEL_CHEAP, primary: fields.MODEL_PRIMARY, coder: fields.MODEL_CODER };
    for (const [name, id] of Object.entries({ ...overrides, research: fields.MODEL_RESEARCH })) {
      const ok = valid(id);
      if (ok) aliases[name] = ok;
    }
    const models = { aliases, defaultModel: f.DEFAULT_MODEL, defaultThinking: f.DEFAULT_THINKING };
    const resolved = resolveModel(f.DEFAULT_MODEL, models);
    // An alias defined in a broken MODEL_ALIASES would look unknown here; that key's own issue says enough.
    if (!resolved.ok && extra !== undefined) {
      ctx.addIssue({ code: 'custom', message: resolved.error, path: ['DEFAULT_MODEL'] });
    }

    return {
      discord: {
        apiUrl: f.DISCORD_API_URL,
        guildId: f.GUILD_ID,
        taskQueueChannel: f.TASK_QUEUE_CHANNEL,
        resultsChannel: f.RESULTS_CHANNEL,
        workerPoolChannel: f.WORKER_POOL_CHANNEL,
        submitterToken: f.SUBMITTER_TOKEN,
        workerTokens,
        botToken: f.BOT_TOKEN,
        allowedSubmitters: f.ALLOWED_SUBMITTERS,
        allowedRoles: f.ALLOWED_ROLES,
      },
      worker: {
        pollIntervalSec: f.POLL_INTERVAL,
        maxIdleTimeSec: f.MAX_IDLE_TIME,
        taskTimeoutSec: f.TASK_TIMEOUT,
        workerId: f.WORKER_ID,
        machineName: f.MACHINE_NAME,
        workDir: f.WORK_DIR,
        runtimeDir: f.RUNTIME_DIR,
        maxAttempts: f.MAX_ATTEMPTS,
        maxTaskDepth: f.MAX_TASK_DEPTH,
        heartbeatIntervalSec: f.HEARTBEAT_INTERVAL,
        leaseTimeoutSec: f.LEASE_TIMEOUT,
      },
      agent: {
        runner: f.AGENT_RUNNER,
        command: f.AGENT_COMMAND,
        openclawBin: f.OPENCLAW_BIN,
        openclawStateDir: f.OPENCLAW_STATE_DIR,
        openclawConfigPath: f.OPENCLAW_CONFIG_PATH,
        openclawMode: f.OPENCLAW_MODE,
        openaiBaseUrl: f.OPENAI_BASE_URL,
        openaiApiKey: f.OPENAI_API_KEY ?? f.OPENROUTER_API_KEY,
        sandbox: f.AGENT_SANDBOX,
        envPass: f.AGENT_ENV_PASS,
      },
      models,
      budget: { maxTaskCostUsd: f.MAX_TASK_COST_USD, dailyBudgetUsd: f.DAILY_BUDGET_USD },
    };
  });

/** Raw input to {@link configSchema}: key → string (blank or absent = unset). */
export type RawConfig = Record<string, string | undefined>;
