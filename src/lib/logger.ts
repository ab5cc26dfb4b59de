/**
 * The one logger: JSON lines through pino, with every known secret value redacted from each line before it is
 * written. Libraries never log; the CLI and the manager subscribe to events and log through this.
 */
import { pino, type Logger } from 'pino';
import type { Writable } from 'node:stream';
import type { Redactor } from './redact.js';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Shown as `name` on every line. */
  name: string;
  redactor: Redactor;
  /** Where lines go. @defaultValue process.stderr */
  destination?: Pick<Writable, 'write'>;
  /** @defaultValue 'info' (or LOG_LEVEL) */
  level?: string;
}

/** A pino logger whose output is redacted line by line. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stderr;
  const stream = { write: (line: string) => void out.write(options.redactor.redact(line)) };
  return pino({ name: options.name, level: options.level ?? process.env.LOG_LEVEL ?? 'info' }, stream);
}
