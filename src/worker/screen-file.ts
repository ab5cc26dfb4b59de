/**
 * Deciding what of an agent's file may be posted. A file is output like the agent's text: a text file (valid UTF-8
 * without NUL) is attached with every known secret redacted; a binary file that holds a secret, raw or in one of the
 * encodings the redactor knows, is not attached at all, since cutting bytes out of it would only corrupt it.
 */
import type { ReportFile } from '../task/report.js';
import { safeAttachmentName } from '../task/file-name.js';

/** What to do with one file. */
export type ScreenedFile =
  | {
      action: 'attach';
      file: ReportFile;
      /** Secrets were cut out of the content. */
      redacted: boolean;
      /** The name held a secret. */
      renamed: boolean;
    }
  | { action: 'withhold'; name: string; renamed: boolean };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file as text, or undefined when it is binary (not valid UTF-8, or holds a NUL). */
export function decodeText(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

/** Screen one file (`name` as found in the workspace, `data` its whole content) with the worker's redactor. */
export function screenFile(name: string, data: Buffer, redact: (text: string) => string): ScreenedFile {
  const safe = safeAttachmentName(name, redact);
  const renamed = redact(name) !== name;
  const text = decodeText(data);
  if (text === undefined) {
    // latin1 maps every byte to one character, so a secret's bytes anywhere in the file show up as the secret.
    const view = data.toString('latin1');
    return redact(view) === view
      ? { action: 'attach', file: { name: safe, data }, redacted: false, renamed }
      : { action: 'withhold', name: safe, renamed };
  }
  const clean = redact(text);
  if (clean === text) return { action: 'attach', file: { name: safe, data }, redacted: false, renamed };
  return {
    action: 'attach',
    file: { name: safe, data: Buffer.from(clean, 'utf8') },
    redacted: true,
    renamed,
  };
}
