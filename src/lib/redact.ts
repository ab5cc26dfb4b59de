/**
 * Secret redaction. Every string that leaves the process (logs, Discord posts, errors, results) goes through a
 * {@link Redactor} that knows the secret values this process holds.
 */

const MIN_SECRET_LENGTH = 6;

/** Replaces known secret values with `[redacted]`. */
export class Redactor {
  #secrets: string[] = [];

  constructor(secrets: Iterable<string | undefined> = []) {
    for (const s of secrets) this.add(s);
  }

  /** Remember one more secret value (empty and very short values are ignored: they would mangle text). */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.#secrets.includes(secret)) return;
    this.#secrets.push(secret);
    // Longest first, so a secret that contains another is replaced whole.
    this.#secrets.sort((a, b) => b.length - a.length);
  }

  /** The text with every known secret replaced. */
  redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}

/**
 * The process-wide redactor: config loading adds every secret it finds, and the CLI redacts what it prints
 * (including error messages from libraries that might echo a request) through it.
 */
export const processRedactor = new Redactor();
