import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEnvFile, writeEnvFile } from '../../../src/config/env-file.js';

describe('parseEnvFile', () => {
  it.each([
    ['KEY=value', 'value'],
    ['KEY = value ', 'value'],
    ['export KEY=value', 'value'],
    ['KEY="quoted value"', 'quoted value'],
    ["KEY='single $quoted'", 'single $quoted'],
    ['KEY="esc \\" \\\\ \\$ \\`"', 'esc " \\ $ `'],
    ['KEY="keep \\n literal"', 'keep \\n literal'],
    ['KEY=value # comment', 'value'],
    ['KEY=a#b', 'a#b'],
    ['KEY="v" # comment', 'v'],
    ['KEY=', ''],
    ['KEY=a=b=c', 'a=b=c'],
    ['KEY="# not a comment"', '# not a comment'],
  ])('%s → %j', (line, value) => {
    expect(parseEnvFile(line)).toEqual({ values: { KEY: value }, problems: [] });
  });

  it('skips comments and blank lines, handles CRLF and a BOM, last assignment wins', () => {
    const text = '\uFEFF# header\r\n\r\nA=1\r\n  # indented comment\r\nB=2\r\nA=3\r\n';
    expect(parseEnvFile(text)).toEqual({ values: { A: '3', B: '2' }, problems: [] });
  });

  it.each([
    ['just some text', 'line 1: expected KEY=VALUE'],
    ['=value', 'line 1: expected KEY=VALUE'],
    ['BAD-KEY=x', 'line 1: the key before "=" is not valid'],
    ['KEY="unterminated', 'line 1: KEY has an unterminated quote'],
    ['KEY="a" b', 'line 1: KEY has an unterminated quote or text after the closing quote'],
  ])('reports %j without quoting the line', (line, problem) => {
    const { values, problems } = parseEnvFile(`OK=1\n${line}`.split('\n').reverse().join('\n'));
    expect(values).toEqual({ OK: '1' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('never echoes any part of a token pasted where a key belongs', () => {
    const token = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnopqrstuvwxyz012345';
    const text = [
      `${token} WORKER2_TOKEN=abc`,
      `${token}=x`,
      `Bot ${token}`,
      'sk_live_51HxYzAbCdEfGhIjKlMnOpQr123="unterminated',
    ].join('\n');
    const { problems } = parseEnvFile(text);
    expect(problems).toHaveLength(4);
    const all = problems.join('\n');
    for (let i = 0; i + 6 <= token.length; i++) expect(all).not.toContain(token.slice(i, i + 6));
    expect(all).not.toContain('sk_live');
  });

  it('never echoes a value in a problem', () => {
    const { problems } = parseEnvFile('BOT_TOKEN="super-secret-value');
    expect(problems.join()).not.toContain('super-secret');
  });
});

describe('writeEnvFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dorch-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const entries = {
    WORKER1_TOKEN: 'abc.def.ghi',
    TASK_QUEUE_CHANNEL: '1471241464699945010',
    SPACES: 'a b  c',
    SHELLY: 'it\'s "$HOME" `cmd` \\ # not comment',
    EMPTY: '',
    SKIPPED: undefined,
  };

  it('writes a file parseEnvFile reads back identically', () => {
    const path = join(dir, 'discord-config.env');
    writeEnvFile(path, entries, { header: ['written by test', ''] });
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('# written by test\n#\n')).toBe(true);
    const { SKIPPED: _skipped, ...expected } = entries;
    expect(parseEnvFile(text)).toEqual({ values: expected, problems: [] });
  });

  // POSIX file modes only; Windows has no 0600.
  it.runIf(process.platform !== 'win32')('creates the file with mode 0600, also when replacing one', () => {
    const path = join(dir, 'discord-config.env');
    writeFileSync(path, 'OLD=1\n', { mode: 0o644 });
    writeEnvFile(path, { NEW: '2' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('NEW=2\n');
    expect(readdirSync(dir)).toEqual(['discord-config.env']);
  });

  it.each([
    [{ 'BAD KEY': 'x' }, /env key/],
    [{ KEY: 'line\nbreak' }, /KEY contains a line break/],
  ])('refuses %j and leaves no temp file behind', (bad, message) => {
    const path = join(dir, 'x.env');
    expect(() => writeEnvFile(path, bad)).toThrow(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not put the value in the error', () => {
    expect(() => writeEnvFile(join(dir, 'x.env'), { BOT_TOKEN: 'secret-part\nrest' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-part') }),
    );
  });
});
