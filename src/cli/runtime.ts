/**
 * Shared start-up for commands: load and check the config, build the redactor and logger.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../lib/logger.js';
import { processRedactor, type Redactor } from '../lib/redact.js';

/** What every command starts from. */
export interface Runtime {
  config: Config;
  warnings: string[];
  redactor: Redactor;
  logger: Logger;
}

/** Load config (file + environment) and set up redaction and logging. */
export async function loadRuntime(options: {
  config?: string;
  name: string;
  /** Write the JSON-lines log here instead of stderr. */
  logFile?: (config: Config) => string;
}): Promise<Runtime> {
  const { config, warnings, secrets } = await loadConfig({ file: options.config });
  const redactor = processRedactor;
  for (const s of secrets) redactor.add(s);
  let destination: Pick<Writable, 'write'> | undefined;
  if (options.logFile) {
    const file = options.logFile(config);
    mkdirSync(dirname(file), { recursive: true });
    destination = createWriteStream(file, { flags: 'a' });
  }
  const logger = createLogger({ name: options.name, redactor, destination });
  return { config, warnings, redactor, logger };
}
