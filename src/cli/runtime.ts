/**
 * Shared start-up for commands: load and check the config, build the redactor and logger.
 */
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
export async function loadRuntime(options: { config?: string; name: string }): Promise<Runtime> {
  const { config, warnings, secrets } = await loadConfig({ file: options.config });
  const redactor = processRedactor;
  for (const s of secrets) redactor.add(s);
  const logger = createLogger({ name: options.name, redactor });
  return { config, warnings, redactor, logger };
}
