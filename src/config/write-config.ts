/**
 * Writing `discord-config.env` the safe way (`dorch setup`, `dorch emulator --write-env`): mode 0600, never over an
 * existing file unless asked (and then with a backup beside it), and git told to ignore both.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { writeEnvFile } from './env-file.js';

/** How {@link writeConfigFile} went. */
export interface WrittenConfig {
  /** Absolute path written. */
  path: string;
  /** Where the previous file was copied, when there was one. */
  backup?: string;
  /** Whether git ignores the file (and its backups) now. */
  gitignore: GitIgnoreResult;
}

/** What {@link ensureGitIgnored} found or did. */
export type GitIgnoreResult =
  { status: 'ignored' } | { status: 'added'; file: string; patterns: string[] } | { status: 'no-repo' };

/** Runs `git` with `args` in `cwd`; resolves to its exit code, rejects with ENOENT when git is not installed. */
export type GitRunner = (args: string[], cwd: string) => Promise<number>;

/** Options of {@link writeConfigFile}. */
export interface WriteConfigOptions {
  /**
   * Replace an existing file (after copying it to `<file>.<time>.bak`, mode 0600). Otherwise an existing file is a
   * {@link ConfigError} naming it.
   * @defaultValue false
   */
  overwrite?: boolean;
  /** Comment lines at the top. @defaultValue none */
  header?: string[];
  /** The clock for backup names. @defaultValue `() => new Date()` */
  now?: () => Date;
  /** The git seam. @defaultValue runs the `git` executable */
  git?: GitRunner;
}

const defaultGit: GitRunner = (args, cwd) =>
  new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd }, (error) => {
      if (!error) return resolvePromise(0);
      const code = (error as { code?: unknown }).code;
      if (code === 'ENOENT') return reject(error);
      resolvePromise(typeof code === 'number' ? code : 1);
    });
  });

/** The backup name for `path` at `time`: `discord-config.env.20260101T120000Z.bak`. */
export function backupName(path: string, time: Date): string {
  const stamp = time
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${path}.${stamp}.bak`;
}

/** Write a config file (mode 0600, atomically), back up what it replaces, and make sure git ignores it. */
export async function writeConfigFile(
  file: string,
  entries: Record<string, string | undefined>,
  options: WriteConfigOptions = {},
): Promise<WrittenConfig> {
  const path = resolve(file);
  let backup: string | undefined;
  if (existsSync(path)) {
    if (!options.overwrite) {
      throw new ConfigError([
        `${file}: already exists; it was left unchanged. Replace it on purpose (a backup is kept), or write elsewhere`,
      ]);
    }
    backup = backupName(path, (options.now ?? (() => new Date()))());
    copyFileSync(path, backup);
    chmodSync(backup, 0o600);
  }
  writeEnvFile(path, entries, { header: options.header });
  const gitignore = await ensureGitIgnored(path, { git: options.git });
  return { path, ...(backup ? { backup } : {}), gitignore };
}

/**
 * Make sure git ignores `path` and its backups: when it sits in a git work tree and is not ignored yet, append
 * `/<name>` and `/<name>.*.bak` to the `.gitignore` beside it. Without git installed, a `.git` folder above marks
 * the work tree.
 */
export async function ensureGitIgnored(
  path: string,
  options: { git?: GitRunner } = {},
): Promise<GitIgnoreResult> {
  const git = options.git ?? defaultGit;
  const dir = dirname(path);
  const name = basename(path);
  const patterns = [`/${name}`, `/${name}.*.bak`];
  const samples = [name, `${name}.20260101T000000Z.bak`];
  const missing: string[] = [];
  try {
    for (const [i, sample] of samples.entries()) {
      const code = await git(['check-ignore', '-q', '--no-index', sample], dir);
      if (code === 128) return { status: 'no-repo' };
      if (code !== 0) missing.push(patterns[i]!);
    }
  } catch {
    if (!insideWorkTree(dir)) return { status: 'no-repo' };
    const gitignore = join(dir, '.gitignore');
    const lines = existsSync(gitignore) ? readFileSync(gitignore, 'utf8').split(/\r?\n/) : [];
    missing.push(...patterns.filter((p) => !lines.includes(p) && !lines.includes(p.slice(1))));
  }
  if (missing.length === 0) return { status: 'ignored' };
  const gitignore = join(dir, '.gitignore');
  const before = existsSync(gitignore) ? readFileSync(gitignore, 'utf8') : '';
  const lead = before === '' || before.endsWith('\n') ? '' : '\n';
  appendFileSync(gitignore, `${lead}# bot tokens: never commit\n${missing.join('\n')}\n`);
  return { status: 'added', file: gitignore, patterns: missing };
}

function insideWorkTree(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}
