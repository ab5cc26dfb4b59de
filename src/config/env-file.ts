/**
 * Reading and writing `discord-config.env`: the seed's shell-sourced `KEY=VALUE` file. The reader accepts what the
 * seed's `setup-discord.sh` wrote and what people type by hand; the writer produces a file both this reader and a
 * POSIX shell read back identically.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { looksLikeSecret } from '../lib/secret-names.js';

/** The result of {@link parseEnvFile}. */
export interface ParsedEnvFile {
  /** Every `KEY=VALUE` assignment; a later assignment of the same key wins, as in a shell. */
  values: Record<string, string>;
  /**
   * One line per line that could not be read, naming its number and what is wrong. Never quotes the line itself or
   * an invalid key: either may hold a token.
   */
  problems: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parse the text of an env file: `KEY=VALUE` lines, `#` comments (whole-line, or after whitespace in an unquoted
 * value), blank lines, an optional `export ` prefix, and values in single quotes (literal) or double quotes
 * (`\"`, `\\`, `\$` and `` \` `` unescaped). Unquoted values are trimmed.
 */
export function parseEnvFile(text: string): ParsedEnvFile {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    if (eq <= 0) {
      problems.push(`line ${lineNo}: expected KEY=VALUE`);
      return;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      // Not quoted: what stands before the `=` may be a pasted token.
      problems.push(`line ${lineNo}: the key before "=" is not valid (letters, digits and _ only)`);
      return;
    }
    const value = parseValue(body.slice(eq + 1));
    if (value === null) {
      const name = looksLikeSecret(key) ? 'a key that looks like a token' : key;
      problems.push(`line ${lineNo}: ${name} has an unterminated quote or text after the closing quote`);
      return;
    }
    values[key] = value;
  });
  return { values, problems };
}

// A value as the shell would read it, or null when its quoting is broken.
function parseValue(rest: string): string | null {
  const text = rest.trim();
  const quote = text[0];
  if (quote !== '"' && quote !== "'") return text.replace(/\s+#.*$/, '').trim();
  let out = '';
  for (let i = 1; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === quote) {
      const after = text.slice(i + 1).trim();
      return after === '' || after.startsWith('#') ? out : null;
    }
    if (quote === '"' && ch === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) {
      out += text[i + 1];
      i++;
      continue;
    }
    out += ch;
  }
  return null;
}

/** Options for {@link writeEnvFile}. */
export interface WriteEnvFileOptions {
  /**
   * Comment lines written at the top (without the leading `#`).
   * @defaultValue none
   */
  header?: string[];
}

const PLAIN_VALUE = /^[A-Za-z0-9_./:@,+=-]*$/;

/** Render one value so that both {@link parseEnvFile} and a POSIX shell read it back unchanged. */
export function formatEnvValue(value: string): string {
  if (PLAIN_VALUE.test(value)) return value;
  return `"${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`;
}

/**
 * Write an env file atomically (temp file in the same folder, then rename) with mode 0600, since it holds tokens.
 * Entries keep their order; `undefined` values are skipped. Throws `TypeError` for a bad key or a value with a line
 * break (the message names the key, never the value).
 */
export function writeEnvFile(
  path: string,
  entries: Record<string, string | undefined>,
  options: WriteEnvFileOptions = {},
): void {
  const lines: string[] = (options.header ?? []).map((h) => (h === '' ? '#' : `# ${h}`));
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new TypeError(`Expected an env key (letters, digits and _), got \`${key}\``);
    if (/[\r\n]/.test(value))
      throw new TypeError(`The value of ${key} contains a line break; env values are one line`);
    lines.push(`${key}=${formatEnvValue(value)}`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given at creation is masked by the umask; set it explicitly so it is never wider than 0600.
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
