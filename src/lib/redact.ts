/**
 * Secret redaction. Every string that leaves the process (logs, Discord posts, errors, results, attached files)
 * goes through a {@link Redactor} that knows the secret values this process holds.
 *
 * Besides the value itself, a redactor finds the forms an agent produces by accident when it dumps a file or its
 * environment: base64 (standard and URL alphabets, at any byte alignment, also wrapped across lines as `base64`
 * prints it), hex (lower and upper case), URL-encoding, and UTF-16LE (for binary files). Deliberate obfuscation
 * (compression, encryption, reversing, splitting, any other encoding) cannot be caught by looking at output; keeping
 * secrets out of the agent's reach (its environment, `AGENT_SANDBOX`) is the real protection.
 */

/** What a secret is replaced with. */
export const REDACTED = '[redacted]';

const MIN_SECRET_LENGTH = 6;
// Encoded forms of shorter values are too short to be specific (a 7-character base64 run matches by chance).
const MIN_ENCODED_LENGTH = 8;

interface Form {
  needle: string;
  /** For base64 forms: the same needle allowing a line break between any two characters. */
  wrapped?: RegExp;
}

/** Replaces known secret values, and their common encodings, with `[redacted]`. */
export class Redactor {
  #secrets: string[] = [];
  #forms: Form[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** How many secret values are known. */
  get size(): number {
    return this.#secrets.length;
  }

  /** Remember one more secret value (empty and very short values are ignored: they would mangle text). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets.includes(secret)) return;
    this.#secrets.push(secret);
    const known = new Set(this.#forms.map((f) => f.needle));
    for (const form of formsOf(secret)) {
      if (known.has(form.needle)) continue;
      known.add(form.needle);
      this.#forms.push(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.#forms.sort((a, b) => b.needle.length - a.needle.length);
  }

  /** The text with every known secret (and encoded form of one) replaced. */
  redact(text: string): string {
    let out = text;
    for (const { needle } of this.#forms) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    // Wrapped base64 is looked for only when the text without line breaks holds a form: cheap in the common case.
    if (/[\r\n]/.test(out)) {
      const flat = out.replace(/[\r\n]/g, '');
      for (const { needle, wrapped } of this.#forms) {
        if (wrapped && flat.includes(needle)) out = out.replace(wrapped, REDACTED);
      }
    }
    return out;
  }

  /** True when the text holds a known secret or an encoded form of one. */
  contains(text: string): boolean {
    return this.redact(text) !== text;
  }
}

function formsOf(secret: string): Form[] {
  const forms: Form[] = [{ needle: secret }];
  if (secret.length < MIN_ENCODED_LENGTH) return forms;
  const bytes = Buffer.from(secret, 'utf8');
  const add = (needle: string, wrapped = false) => {
    if (needle.length < MIN_ENCODED_LENGTH || forms.some((f) => f.needle === needle)) return;
    forms.push(wrapped ? { needle, wrapped: wrappedPattern(needle) } : { needle });
  };
  add(encodeURIComponent(secret));
  add(bytes.toString('hex'));
  add(bytes.toString('hex').toUpperCase());
  // The secret's UTF-8 bytes as a latin1 string: how a binary file read as latin1 shows a non-ASCII secret.
  add(bytes.toString('latin1'));
  add(Buffer.from(secret, 'utf16le').toString('latin1'));
  for (const core of base64Cores(bytes)) {
    add(core, true);
    add(core.replace(/\+/g, '-').replace(/\//g, '_'), true);
  }
  return forms;
}

/**
 * The part of the base64 encoding of `bytes` that does not depend on what surrounds them, for each of the three
 * byte alignments the secret can have in a longer text: characters that mix bits of neighbouring bytes are left out.
 */
export function base64Cores(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + bytes.length)) / 6);
    cores.push(encoded.slice(start, end));
  }
  return cores;
}

function wrappedPattern(needle: string): RegExp {
  const escaped = [...needle].map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return new RegExp(escaped.join('(?:\\r?\\n)?'), 'g');
}

/**
 * The process-wide redactor: config loading adds every secret it finds, and the CLI redacts what it prints
 * (including error messages from libraries that might echo a request) through it.
 */
export const processRedactor = new Redactor();
