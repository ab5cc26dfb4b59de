import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_MODEL_ALIASES } from '../../../src/task/models.js';
import { loadConfig, type LoadConfigOptions } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/lib/errors.js';

// Shaped like a bot token (id.timestamp.hmac) but built at run time, so no scanner mistakes it for a real one.
const token = (n: number) => [`MTA0NzY1MjUxMzQ1MjM4MjI4${n}`, 'GabcdE', `${'h'.repeat(30)}${n}`].join('.');
const QUEUE = '1471241464699945010';
const RESULTS = '1471241464699945011';
const POOL = '1471241464699945012';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dorch-config-'));
  file = join(dir, 'discord-config.env');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(text: string, mode = 0o600): void {
  writeFileSync(file, text);
  chmodSync(file, mode);
}

function load(options: LoadConfigOptions = {}) {
  return loadConfig({ file, env: {}, ...options });
}

// The ConfigError thrown by `fn`.
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('works with no file and an empty environment', () => {
    const { config, warnings, secrets } = load();
    expect(config).toEqual({
      discord: {
        apiUrl: 'https://discord.com/api',
        workerTokens: [],
        allowedSubmitters: [],
        allowedRoles: [],
      },
      worker: {
        pollIntervalSec: 5,
        maxIdleTimeSec: 300,
        taskTimeoutSec: 120,
        workDir: 'workers',
        runtimeDir: '.runtime',
        maxAttempts: 3,
        maxTaskDepth: 2,
        heartbeatIntervalSec: 15,
        leaseTimeoutSec: 90,
      },
      agent: {
        runner: 'openclaw',
        openaiBaseUrl: 'https://openrouter.ai/api/v1',
        sandbox: false,
        envPass: [],
      },
      models: { aliases: { ...DEFAULT_MODEL_ALIASES }, defaultModel: 'primary', defaultThinking: 'low' },
      budget: {},
    });
    expect(warnings).toEqual([]);
    expect(secrets).toEqual([]);
  });

  it('reads process.env when no env is given', () => {
    vi.stubEnv('POLL_INTERVAL', '7');
    try {
      expect(loadConfig({ file }).config.worker.pollIntervalSec).toBe(7);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('ignores unrelated environment variables', () => {
    expect(() => load({ env: { PATH: '/bin', HOME: '/root', FOO: 'x' } })).not.toThrow();
  });
});

describe('loadConfig precedence: flags > environment > file > defaults', () => {
  it.each([
    ['file only', { file: '2' }, 2],
    ['env over file', { file: '2', env: '3' }, 3],
    ['flag over env', { file: '2', env: '3', flag: 4 }, 4],
    ['flag over file', { file: '2', flag: '4.5' }, 4.5],
    ['blank env does not hide the file', { file: '2', env: '  ' }, 2],
    ['undefined flag does not hide env', { env: '3', flag: undefined }, 3],
    ['nothing set', {}, 5],
  ])('%s', (_name, layers: { file?: string; env?: string; flag?: string | number }, expected) => {
    if (layers.file !== undefined) writeConfig(`POLL_INTERVAL=${layers.file}\n`);
    const env = layers.env === undefined ? {} : { POLL_INTERVAL: layers.env };
    const { config } = load({ env, flags: { POLL_INTERVAL: layers.flag } });
    expect(config.worker.pollIntervalSec).toBe(expected);
  });

  it('merges keys from every layer', () => {
    writeConfig(`TASK_QUEUE_CHANNEL=${QUEUE}\nWORKER1_TOKEN=${token(1)}\nWORKER_ID=from-file\n`);
    const { config } = load({
      env: { RESULTS_CHANNEL: RESULTS, WORKER_ID: 'from-env' },
      flags: { WORKER_POOL_CHANNEL: POOL, AGENT_SANDBOX: true },
    });
    expect(config.discord).toMatchObject({
      taskQueueChannel: QUEUE,
      resultsChannel: RESULTS,
      workerPoolChannel: POOL,
      workerTokens: [token(1)],
    });
    expect(config.worker.workerId).toBe('from-env');
    expect(config.agent.sandbox).toBe(true);
  });
});

describe('loadConfig values', () => {
  it.each([
    ['https://discord.com/api', 'https://discord.com/api'],
    ['https://discord.com/api/', 'https://discord.com/api'],
    ['https://discord.com/api/v10', 'https://discord.com/api'],
    ['http://127.0.0.1:8787/api/v10/', 'http://127.0.0.1:8787/api'],
  ])('DISCORD_API_URL %s → %s', (value, expected) => {
    expect(load({ env: { DISCORD_API_URL: value } }).config.discord.apiUrl).toBe(expected);
  });

  it('reads worker tokens in order up to the first gap and warns about later ones', () => {
    writeConfig([1, 2, 4, 5].map((n) => `WORKER${n}_TOKEN=${token(n)}`).join('\n'));
    const { config, warnings, secrets } = load();
    expect(config.discord.workerTokens).toEqual([token(1), token(2)]);
    expect(warnings).toContain(
      'WORKER4_TOKEN is ignored: WORKER3_TOKEN is missing (worker tokens are read from WORKER1_TOKEN up to the first gap)',
    );
    expect(warnings.some((w) => w.startsWith('WORKER5_TOKEN is ignored'))).toBe(true);
    expect(secrets).toEqual(expect.arrayContaining([token(1), token(2), token(4), token(5)]));
  });

  it('orders WORKER10_TOKEN after WORKER9_TOKEN', () => {
    const env = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`WORKER${i + 1}_TOKEN`, token(i + 1)]),
    );
    expect(load({ env }).config.discord.workerTokens).toEqual(
      Array.from({ length: 10 }, (_, i) => token(i + 1)),
    );
  });

  it('lists every secret for the redactor', () => {
    const env = {
      BOT_TOKEN: `Bot ${token(7)}`,
      SUBMITTER_TOKEN: token(8),
      OPENAI_API_KEY: 'sk-openai-123456',
      OPENROUTER_API_KEY: 'sk-or-v1-abcdef',
    };
    const { config, secrets, warnings } = load({ env });
    expect(secrets).toEqual(
      expect.arrayContaining([`Bot ${token(7)}`, token(7), token(8), 'sk-openai-123456', 'sk-or-v1-abcdef']),
    );
    expect(config.discord.botToken).toBe(token(7));
    expect(config.agent.openaiApiKey).toBe('sk-openai-123456');
    expect(warnings).toContain('BOT_TOKEN starts with "Bot "; the prefix was removed');
  });

  it('falls back to OPENROUTER_API_KEY', () => {
    expect(load({ env: { OPENROUTER_API_KEY: 'sk-or-v1-abcdef' } }).config.agent.openaiApiKey).toBe(
      'sk-or-v1-abcdef',
    );
  });

  it('parses id lists with commas, spaces and pasted mentions, dropping duplicates', () => {
    const { config } = load({
      env: { ALLOWED_SUBMITTERS: '111, 222 <@333>,<@!444> 111', ALLOWED_ROLES: '<@&555>,666' },
    });
    expect(config.discord.allowedSubmitters).toEqual(['111', '222', '333', '444']);
    expect(config.discord.allowedRoles).toEqual(['555', '666']);
  });

  it('overrides and adds model aliases', () => {
    const { config } = load({
      env: {
        MODEL_CODER: 'anthropic/claude-sonnet-4',
        MODEL_ALIASES: 'fast=groq/llama-3, Local=ollama/qwen3:8b',
        DEFAULT_MODEL: 'fast',
        DEFAULT_THINKING: 'HIGH',
      },
    });
    expect(config.models.aliases).toEqual({
      ...DEFAULT_MODEL_ALIASES,
      coder: 'anthropic/claude-sonnet-4',
      fast: 'groq/llama-3',
      local: 'ollama/qwen3:8b',
    });
    expect(config.models.defaultModel).toBe('fast');
    expect(config.models.defaultThinking).toBe('high');
  });

  it.each([
    [{ AGENT_RUNNER: 'OpenAI' }, 'runner', 'openai'],
    [
      { AGENT_RUNNER: 'command', AGENT_COMMAND: 'my-agent --task {file}' },
      'command',
      'my-agent --task {file}',
    ],
    [{ AGENT_SANDBOX: 'yes' }, 'sandbox', true],
    [{ AGENT_SANDBOX: '0' }, 'sandbox', false],
    [{ OPENCLAW_MODE: 'Gateway' }, 'openclawMode', 'gateway'],
    [{ OPENCLAW_MODE: 'local', AGENT_SANDBOX: '1' }, 'openclawMode', 'local'],
    [{ OPENAI_BASE_URL: 'http://localhost:11434/v1/' }, 'openaiBaseUrl', 'http://localhost:11434/v1'],
  ])('agent settings %j', (env, key, value) => {
    expect(load({ env }).config.agent).toMatchObject({ [key]: value });
  });

  it.each([
    [{ MAX_IDLE_TIME: '0' }, 'worker', 'maxIdleTimeSec', 0],
    [{ TASK_TIMEOUT: '600' }, 'worker', 'taskTimeoutSec', 600],
    [{ MAX_ATTEMPTS: '5' }, 'worker', 'maxAttempts', 5],
    [{ HEARTBEAT_INTERVAL: '0.5', LEASE_TIMEOUT: '1' }, 'worker', 'leaseTimeoutSec', 1],
    [{ WORK_DIR: '/srv/work' }, 'worker', 'workDir', '/srv/work'],
    [{ MAX_TASK_COST_USD: '$0.50' }, 'budget', 'maxTaskCostUsd', 0.5],
    [{ DAILY_BUDGET_USD: '10' }, 'budget', 'dailyBudgetUsd', 10],
  ] as const)('%j', (env, section, key, value) => {
    expect(load({ env }).config[section]).toMatchObject({ [key]: value });
  });
});

describe('loadConfig validation', () => {
  it.each([
    ['POLL_INTERVAL', 'abc', 'expected a number > 0, got "abc"'],
    ['POLL_INTERVAL', '0', 'expected a number > 0, got "0"'],
    ['MAX_IDLE_TIME', '-1', 'expected a number >= 0 (0 = never idle out), got "-1"'],
    ['TASK_TIMEOUT', '2m', 'expected a number > 0, got "2m"'],
    ['MAX_ATTEMPTS', '1.5', 'expected a whole number >= 1, got "1.5"'],
    ['MAX_ATTEMPTS', '0', 'expected a whole number >= 1, got "0"'],
    ['LEASE_TIMEOUT', '20', 'must be at least two heartbeats (2 × HEARTBEAT_INTERVAL = 30 s), got 20'],
    ['HEARTBEAT_INTERVAL', '0', 'expected a number > 0, got "0"'],
    ['GUILD_ID', 'my-server', 'expected a server id (digits only'],
    ['TASK_QUEUE_CHANNEL', '#task-queue', 'expected a channel id (digits only'],
    ['RESULTS_CHANNEL', '12ab', 'expected a channel id'],
    ['WORKER_POOL_CHANNEL', 'pool', 'expected a channel id'],
    ['ALLOWED_SUBMITTERS', '123,bob', '"bob" is not a user id'],
    ['ALLOWED_ROLES', 'admins', '"admins" is not a role id'],
    ['WORKER_ID', 'worker 1', 'expected 1-32 letters, digits, - or _'],
    ['WORKER_ID', 'x'.repeat(33), 'expected 1-32 letters'],
    ['AGENT_RUNNER', 'claude', 'unknown runner "claude"; use one of openclaw, openai, command, demo'],
    ['AGENT_SANDBOX', 'maybe', 'expected 1/true or 0/false, got "maybe"'],
    ['OPENCLAW_MODE', 'warm', 'unknown mode "warm"; use one of gateway, local'],
    ['DISCORD_API_URL', 'discord.com', 'expected an http(s) URL'],
    ['DISCORD_API_URL', 'ftp://x/api', 'expected an http(s) URL'],
    ['OPENAI_BASE_URL', 'nope', 'expected an http(s) URL'],
    ['MODEL_CHEAP', 'gpt5', 'expected a provider/model id'],
    ['MODEL_ALIASES', 'fast', '"fast" is not name=provider/model'],
    ['MODEL_ALIASES', 'Bad Name=x/y', 'is not name=provider/model'],
    ['MODEL_ALIASES', 'fa$t=x/y', 'alias "fa$t": use lower-case letters'],
    ['MODEL_ALIASES', 'fast=nope', 'alias "fast": "nope" is not a provider/model id'],
    [
      'DEFAULT_MODEL',
      'gpt5',
      'unknown model "gpt5"; use an alias (cheap, primary, coder, research) or a provider/model id',
    ],
    [
      'DEFAULT_THINKING',
      'max',
      'unknown thinking level "max"; use one of off, minimal, low, medium, high, xhigh',
    ],
    ['MAX_TASK_COST_USD', 'cheap', 'expected an amount in USD >= 0'],
    ['DAILY_BUDGET_USD', '-5', 'expected an amount in USD >= 0'],
    ['BOT_TOKEN', 'abc def ghi jkl', 'contains spaces or line breaks; paste only the token'],
    ['SUBMITTER_TOKEN', 'short', 'is too short to be a token'],
    ['WORKER1_TOKEN', 'has spaces in it', 'contains spaces'],
    ['OPENAI_API_KEY', 'sk 123', 'contains spaces'],
  ])('%s=%j → names the key', (key, value, message) => {
    const error = configError(() => load({ env: { [key]: value } }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]!.startsWith(`${key}: `)).toBe(true);
    expect(error.issues[0]).toContain(message);
  });

  it('requires AGENT_COMMAND for the command runner', () => {
    const error = configError(() => load({ env: { AGENT_RUNNER: 'command' } }));
    expect(error.issues).toEqual([
      'AGENT_COMMAND: required when AGENT_RUNNER is "command"; set it to the command line that runs one task',
    ]);
  });

  it('refuses the OpenClaw gateway mode with the sandbox, naming the fix', () => {
    const error = configError(() => load({ env: { OPENCLAW_MODE: 'gateway', AGENT_SANDBOX: '1' } }));
    expect(error.issues).toEqual([
      'OPENCLAW_MODE: the gateway mode does not run sandboxed yet; set OPENCLAW_MODE=local (or leave it unset) with AGENT_SANDBOX',
    ]);
  });

  it('reports every problem at once, cross-key ones included', () => {
    const error = configError(() =>
      load({ env: { POLL_INTERVAL: 'x', GUILD_ID: 'y', AGENT_RUNNER: 'command', DEFAULT_MODEL: 'nope' } }),
    );
    expect(error.issues.map((i) => i.split(':')[0]).sort()).toEqual([
      'AGENT_COMMAND',
      'DEFAULT_MODEL',
      'GUILD_ID',
      'POLL_INTERVAL',
    ]);
    expect(error.message).toContain('POLL_INTERVAL: expected a number > 0, got "x"');
  });

  it('reports file problems under the file name', () => {
    writeConfig('POLL_INTERVAL=slow\n');
    const error = configError(() => load());
    expect(error.issues).toEqual(['POLL_INTERVAL: expected a number > 0, got "slow"']);
  });

  it('refuses secrets as command-line flags', () => {
    const error = configError(() => load({ flags: { BOT_TOKEN: token(1) } as never }));
    expect(error.issues[0]).toMatch(/^BOT_TOKEN: secrets cannot be passed as command-line flags/);
    expect(error.message).not.toContain(token(1));
  });

  it('never puts a secret value in an error', () => {
    const secret = `${token(3)} extra`;
    const apiKey = 'sk-or-v1-0123456789abcdef';
    const error = configError(() =>
      load({
        env: {
          BOT_TOKEN: secret,
          WORKER1_TOKEN: `${token(4)}\nmore`,
          OPENROUTER_API_KEY: `${apiKey} x`,
          SUBMITTER_TOKEN: token(5),
          // Pasted into the wrong key by mistake: the echoed value must still be redacted.
          POLL_INTERVAL: token(5),
          GUILD_ID: apiKey,
        },
      }),
    );
    const text = `${error.message}\n${error.issues.join('\n')}\n${error.stack ?? ''}`;
    for (const s of [token(3), token(4), token(5), apiKey]) expect(text).not.toContain(s);
    expect(error.issues.length).toBe(5);
    expect(error.issues).toContain(
      'POLL_INTERVAL: expected a number > 0, got a value that looks like a token (not shown)',
    );
  });

  it('reads AGENT_ENV_PASS as a list of names and refuses Discord tokens in it, saying why', () => {
    expect(
      load({ env: { AGENT_ENV_PASS: 'GITHUB_TOKEN, MY_VAR  OTHER,MY_VAR' } }).config.agent.envPass,
    ).toEqual(['GITHUB_TOKEN', 'MY_VAR', 'OTHER']);
    for (const name of ['WORKER1_TOKEN', 'BOT_TOKEN', 'SUBMITTER_TOKEN', 'DISCORD_TOKEN']) {
      const error = configError(() => load({ env: { AGENT_ENV_PASS: `MY_VAR,${name}` } }));
      expect(error.issues).toEqual([
        `AGENT_ENV_PASS: ${name} is a Discord token, and Discord tokens are never passed to agents, even when listed; remove it`,
      ]);
    }
    const bad = configError(() => load({ env: { AGENT_ENV_PASS: 'MY-VAR' } }));
    expect(bad.issues).toEqual([
      'AGENT_ENV_PASS: "MY-VAR" is not an environment variable name (letters, digits and _)',
    ]);
  });

  it('prints no part of a token that is only in a wrong key (so the redactor does not know it)', () => {
    const stray = token(7);
    const error = configError(() =>
      load({ env: { TASK_QUEUE_CHANNEL: stray, ALLOWED_SUBMITTERS: `123 ${stray}`, MODEL_CODER: stray } }),
    );
    const text = error.issues.join('\n');
    expect(error.issues).toHaveLength(3);
    for (let i = 0; i + 6 <= stray.length; i++) expect(text).not.toContain(stray.slice(i, i + 6));
    expect(text).toContain('TASK_QUEUE_CHANNEL: expected a channel id');
  });

  it('warns about a token pasted as a key in the file without printing any of it', () => {
    const stray = token(8);
    writeFileSync(file, `TASK_QUEUE_CHANNEL=1471241464699945010\n${stray} WORKER1_TOKEN=${token(1)}\n`, {
      mode: 0o600,
    });
    const { warnings } = load({ file });
    const text = warnings.join('\n');
    expect(text).toContain('line 2: the key before "=" is not valid');
    for (let i = 0; i + 6 <= stray.length; i++) expect(text).not.toContain(stray.slice(i, i + 6));
  });

  it('collects the values of secret-looking variables from the environment and the file for the redactor', () => {
    writeFileSync(file, 'MY_SERVICE_TOKEN=file-service-token-123\n', { mode: 0o600 });
    const { secrets } = load({
      file,
      env: {
        ANTHROPIC_API_KEY: 'sk-ant-0123456789',
        OPENCLAW_GATEWAY_TOKEN: 'gateway-token-abcdef',
        AWS_SECRET_ACCESS_KEY: 'aws/secret+key/0123456789',
        MAX_TOKENS: '128000',
        SSH_KEY: '/home/me/.ssh/id_ed25519',
        PATH: '/usr/bin:/bin',
      },
    });
    expect(secrets).toEqual(
      expect.arrayContaining([
        'file-service-token-123',
        'sk-ant-0123456789',
        'gateway-token-abcdef',
        'aws/secret+key/0123456789',
      ]),
    );
    for (const v of ['128000', '/home/me/.ssh/id_ed25519', '/usr/bin:/bin']) expect(secrets).not.toContain(v);
  });

  it('clips a long echoed value', () => {
    const error = configError(() => load({ env: { GUILD_ID: 'g'.repeat(500) } }));
    expect(error.issues[0]).toBe(
      `GUILD_ID: expected a server id (digits only, e.g. 1471241464699945010), got "${'g'.repeat(60)}…"`,
    );
  });

  it('reports an unreadable config file', () => {
    mkdirSync(file);
    const error = configError(() => load());
    expect(error.issues[0]).toMatch(/^.*discord-config\.env: cannot be read \(EISDIR\)/);
  });
});

describe('loadConfig warnings', () => {
  // File modes are a POSIX notion; loadConfig skips the check on Windows, so these tests do too.
  it.runIf(process.platform !== 'win32')('warns when the file is readable by others', () => {
    writeConfig(`WORKER1_TOKEN=${token(1)}\n`, 0o644);
    expect(load().warnings.join('\n')).toMatch(/readable by other users \(mode 644\).*chmod 600/);
  });

  it.runIf(process.platform !== 'win32')('does not warn for mode 0600', () => {
    writeConfig(`WORKER1_TOKEN=${token(1)}\n`);
    expect(load().warnings).toEqual([]);
  });

  it.each([
    ['BOT_TOKEN', 'not-a-bot-token-at-all'],
    ['WORKER1_TOKEN', '123456789012345678'],
    ['SUBMITTER_TOKEN', 'a.b.c.d.e.f.g.h'],
  ])('warns (without failing) when %s does not look like a bot token', (key, value) => {
    const { warnings } = load({ env: { [key]: value } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${key} does not look like a Discord bot token`));
    expect(warnings[0]).not.toContain(value);
  });

  it('warns about two workers sharing a token', () => {
    const { warnings } = load({ env: { WORKER1_TOKEN: token(1), WORKER2_TOKEN: token(1) } });
    expect(warnings).toEqual([
      'WORKER1_TOKEN and WORKER2_TOKEN hold the same token; each worker should have its own bot',
    ]);
  });

  it('warns about unknown keys and unreadable lines in the file, without values', () => {
    writeConfig('TASK_QUEUE_CHANEL=123\nthis line is junk secret-ish\nPOLL_INTERVAL=2\n');
    const { config, warnings } = load();
    expect(config.worker.pollIntervalSec).toBe(2);
    expect(warnings).toEqual([
      `${file} line 2: expected KEY=VALUE (line ignored)`,
      `${file}: unknown key TASK_QUEUE_CHANEL ignored (check the spelling)`,
    ]);
  });

  it.each([
    ['http://discord.example.com/api', true],
    ['http://127.0.0.1:9000/api', false],
    ['http://localhost:9000/api', false],
    ['https://discord.com/api', false],
  ])('plain-http warning for %s: %s', (url, warned) => {
    const { warnings } = load({ env: { DISCORD_API_URL: url } });
    expect(warnings.some((w) => w.includes('plain http'))).toBe(warned);
  });
});

describe('loadConfig requireDiscord', () => {
  it('explains how to create the file when it is missing', () => {
    const error = configError(() => load({ requireDiscord: true }));
    expect(error.issues[0]).toMatch(
      /discord-config\.env: not found; run `dorch setup`, or create it with the keys/,
    );
    expect(error.issues[0]).toContain('TASK_QUEUE_CHANNEL');
    expect(error.issues.slice(1).map((i) => i.split(':')[0])).toEqual([
      'WORKER1_TOKEN',
      'TASK_QUEUE_CHANNEL',
    ]);
  });

  it('accepts an environment-only setup without the file', () => {
    const env = { BOT_TOKEN: token(1), TASK_QUEUE_CHANNEL: QUEUE };
    expect(load({ env, requireDiscord: true }).config.discord.botToken).toBe(token(1));
  });

  it('names the missing keys when the file exists', () => {
    writeConfig(`WORKER1_TOKEN=${token(1)}\nTASK_QUEUE_CHANNEL=${QUEUE}\n`);
    const error = configError(() => load({ requireDiscord: 'worker' }));
    expect(error.issues.map((i) => i.split(':')[0])).toEqual(['RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL']);
    expect(error.issues[0]).toContain(file);
  });

  it('passes the use through and returns its warnings', () => {
    const env = { BOT_TOKEN: token(1), TASK_QUEUE_CHANNEL: QUEUE };
    const { warnings } = load({ env, requireDiscord: 'submit' });
    expect(warnings.some((w) => w.startsWith('SUBMITTER_TOKEN is not set'))).toBe(true);
  });
});
