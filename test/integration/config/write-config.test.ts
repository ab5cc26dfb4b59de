import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnvFile } from '../../../src/config/env-file.js';
import {
  backupName,
  ensureGitIgnored,
  writeConfigFile,
  type GitRunner,
} from '../../../src/config/write-config.js';
import { ConfigError } from '../../../src/lib/errors.js';

const dir = () => mkdtempSync(join(tmpdir(), 'dorch-write-config-'));
const noGit: GitRunner = () =>
  Promise.reject(Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' }));

describe('writeConfigFile', () => {
  it('writes mode 0600 and refuses to replace an existing file unless asked', async () => {
    const d = dir();
    const file = join(d, 'discord-config.env');
    const first = await writeConfigFile(file, { GUILD_ID: '1', WORKER1_TOKEN: 'a.b.c' }, { git: noGit });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseEnvFile(readFileSync(file, 'utf8')).values).toEqual({
      GUILD_ID: '1',
      WORKER1_TOKEN: 'a.b.c',
    });
    expect(first.backup).toBeUndefined();
    const refused = await writeConfigFile(file, { GUILD_ID: '2' }, { git: noGit }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues[0]).toMatch(/already exists; it was left unchanged/);
    expect(parseEnvFile(readFileSync(file, 'utf8')).values.GUILD_ID).toBe('1');
  });

  it('replacing keeps the old file as a timestamped 0600 backup', async () => {
    const d = dir();
    const file = join(d, 'discord-config.env');
    writeFileSync(file, 'GUILD_ID=1\n', { mode: 0o644 });
    const now = new Date('2026-01-02T03:04:05.678Z');
    const written = await writeConfigFile(
      file,
      { GUILD_ID: '2' },
      { overwrite: true, now: () => now, git: noGit },
    );
    expect(written.backup).toBe(backupName(file, now));
    expect(written.backup).toBe(`${file}.20260102T030405Z.bak`);
    expect(readFileSync(written.backup!, 'utf8')).toBe('GUILD_ID=1\n');
    expect(statSync(written.backup!).mode & 0o777).toBe(0o600);
    expect(parseEnvFile(readFileSync(file, 'utf8')).values.GUILD_ID).toBe('2');
  });
});

describe('ensureGitIgnored', () => {
  it('in a git work tree: adds the file and its backups to .gitignore once; git then ignores both', async () => {
    const d = dir();
    execFileSync('git', ['init', '-q'], { cwd: d });
    const file = join(d, 'discord-config.env');
    expect(await ensureGitIgnored(file)).toEqual({
      status: 'added',
      file: join(d, '.gitignore'),
      patterns: ['/discord-config.env', '/discord-config.env.*.bak'],
    });
    expect(await ensureGitIgnored(file)).toEqual({ status: 'ignored' });
    for (const name of ['discord-config.env', 'discord-config.env.20260101T000000Z.bak'])
      execFileSync('git', ['check-ignore', '-q', name], { cwd: d });
    expect(readFileSync(join(d, '.gitignore'), 'utf8').match(/discord-config/g)).toHaveLength(2);
  });

  it('a rule that already covers the file is left alone; outside a work tree nothing is written', async () => {
    const d = dir();
    execFileSync('git', ['init', '-q'], { cwd: d });
    writeFileSync(join(d, '.gitignore'), 'discord-config.env*\n');
    expect(await ensureGitIgnored(join(d, 'discord-config.env'))).toEqual({ status: 'ignored' });
    const outside = dir();
    expect(await ensureGitIgnored(join(outside, 'discord-config.env'))).toEqual({ status: 'no-repo' });
  });

  it('without git installed, a .git folder above still marks the work tree', async () => {
    const d = dir();
    execFileSync('mkdir', [join(d, '.git')]);
    const r = await ensureGitIgnored(join(d, 'discord-config.env'), { git: noGit });
    expect(r).toMatchObject({ status: 'added' });
    expect(await ensureGitIgnored(join(d, 'discord-config.env'), { git: noGit })).toEqual({
      status: 'ignored',
    });
    expect(await ensureGitIgnored(join(dir(), 'discord-config.env'), { git: noGit })).toEqual({
      status: 'no-repo',
    });
  });
});
