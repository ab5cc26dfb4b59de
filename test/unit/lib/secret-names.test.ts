import { describe, expect, it } from 'vitest';
import { stripControls, stripControlsOneLine } from '../../../src/lib/control-chars.js';
import {
  isDiscordTokenName,
  isRedactableValue,
  isSecretName,
  looksLikeSecret,
} from '../../../src/lib/secret-names.js';

describe('isSecretName', () => {
  it.each([
    'OPENAI_API_KEY',
    'OPENROUTER_API_KEY',
    'OPENAI_API_KEYS',
    'OPENAI_API_KEY_2',
    'ANTHROPIC_OAUTH_TOKEN',
    'OPENCLAW_GATEWAY_TOKEN',
    'GITHUB_TOKEN',
    'AWS_SECRET_ACCESS_KEY',
    'FAL_KEY',
    'DB_PASSWORD',
    'CLIENT_SECRET',
    'npm_token',
  ])('%s is a secret name', (name) => expect(isSecretName(name)).toBe(true));

  it.each([
    'PATH',
    'HOME',
    'LANG',
    'TASK_TIMEOUT',
    'KEYBOARD',
    'MONKEY',
    'AWS_ACCESS_KEY_ID',
    'TOKENIZER_PATH',
  ])('%s is not', (name) => expect(isSecretName(name)).toBe(false));
});

describe('isDiscordTokenName', () => {
  it('knows the worker, bot and submitter token names', () => {
    for (const n of ['WORKER1_TOKEN', 'WORKER12_TOKEN', 'BOT_TOKEN', 'SUBMITTER_TOKEN', 'DISCORD_TOKEN'])
      expect(isDiscordTokenName(n)).toBe(true);
    for (const n of ['WORKER_TOKEN', 'WORKER0_TOKEN', 'OPENAI_API_KEY', 'GITHUB_TOKEN'])
      expect(isDiscordTokenName(n)).toBe(false);
  });
});

describe('isRedactableValue', () => {
  it('skips short values, numbers and paths', () => {
    expect(isRedactableValue('sk-abcdef123')).toBe(true);
    expect(isRedactableValue('1234567')).toBe(false);
    expect(isRedactableValue('1471241464699945010')).toBe(false);
    expect(isRedactableValue('/home/me/.ssh/id_ed25519')).toBe(false);
    expect(isRedactableValue('~/creds.json')).toBe(false);
  });
});

describe('looksLikeSecret', () => {
  it.each([
    'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnopqrstuvwxyz012345',
    'sk-or-v1-0123456789abcdef',
    'ghp_abcdefghijklmnop1234',
    'x 0123456789abcdefABCDEF0123456789 y',
    'key=0123456789abcdef0123456789abcdef',
  ])('%s looks like a secret', (v) => expect(looksLikeSecret(v)).toBe(true));

  it.each([
    '1471241464699945010',
    'openrouter/moonshotai/kimi-k2.5',
    'openrouter/qwen/qwen3-coder-next-2025-07-25-instruct',
    'https://openrouter.ai/api/v1',
    '2.50',
    'yes',
  ])('%s does not', (v) => expect(looksLikeSecret(v)).toBe(false));
});

describe('stripControls', () => {
  it('drops NUL, C0 and C1 controls, keeps tab and newline, turns CR into a line break', () => {
    expect(stripControls('a\u0000b\u0007c\td\r\ne\rf\u001b[31mg\u0085h\u007f')).toBe('abc\td\ne\nf[31mgh');
  });

  it('one-line form also drops line breaks, tabs and bidirectional overrides', () => {
    expect(stripControlsOneLine('evil\u202etxt.exe\nnext\tcol')).toBe('eviltxt.exe next col');
  });
});
