#!/usr/bin/env node
/**
 * Entry point of `dorch`. The only place that maps errors to exit codes and prints them.
 */
import { CommanderError } from 'commander';
import { AppError, ConfigError } from '../lib/errors.js';
import { processRedactor } from '../lib/redact.js';
import { buildProgram } from './cli.js';
import { ExitError, InternalError } from './errors.js';

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    return report(error);
  }
}

/** Print to stderr with every known secret redacted. */
function printError(text: string): void {
  console.error(processRedactor.redact(text));
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed help or the usage error.
    return error.exitCode;
  }
  if (error instanceof ExitError) {
    if (error.message) printError(error.message);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    printError(error.message);
    return 2;
  }
  if (error instanceof AppError) {
    printError(`error: ${error.message}`);
    return 1;
  }
  if (error instanceof InternalError) {
    printError(
      `internal error: ${error.message}\nThis is a bug in discord-orchestration; please file an issue.`,
    );
    return 70;
  }
  printError(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

process.exitCode = await main(process.argv);
