#!/usr/bin/env node
/**
 * Entry point of `dorch`. The only place that maps errors to exit codes (see `exit-codes.ts`) and prints them.
 */
import { CommanderError } from 'commander';
import { AppError, ConfigError } from '../lib/errors.js';
import { processRedactor } from '../lib/redact.js';
import { buildProgram } from './cli.js';
import { ExitError, InternalError } from './errors.js';
import { EXIT } from './exit-codes.js';

/** True when the command line asks for JSON output (`--json` before any `--`). */
function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** The command that ran (set before its action starts). */
let ran: string | undefined;

async function main(argv: string[]): Promise<number> {
  const json = wantsJson(argv.slice(2));
  guardPipes();
  try {
    const program = buildProgram({ quietErrors: json });
    program.hook('preAction', (_program, action) => {
      ran = action.name();
    });
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    return report(error, json);
  }
}

/**
 * When the reader of our output goes away (`dorch start | head`), writing to it fails with EPIPE, emitted as an
 * 'error' event that would crash the process with a stack trace. Instead: drop further output, and stop the way
 * SIGTERM does where a command listens for it (the manager and workers stop gracefully, the demo ends), now or as
 * soon as it starts listening; a command that never listens finishes its work quietly.
 */
function guardPipes(): void {
  let stopping = false;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      const drop = ((_chunk: unknown, encoding?: unknown, callback?: unknown) => {
        const done = typeof encoding === 'function' ? encoding : callback;
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }) as typeof stream.write;
      stream.write = drop;
      if (stopping) return;
      stopping = true;
      const stop = () => process.emit('SIGTERM', 'SIGTERM');
      if (process.listenerCount('SIGTERM') > 0) return stop();
      const onListener = (event: string | symbol) => {
        if (event !== 'SIGTERM') return;
        process.off('newListener', onListener);
        setImmediate(stop); // 'newListener' fires before the listener is added
      };
      process.on('newListener', onListener);
    });
  }
}

/** Print to stderr with every known secret redacted (or, with `--json`, one JSON object on stdout). */
function printError(text: string, json: boolean, fields: Record<string, unknown>): void {
  if (json) {
    const body = { ok: false, error: { ...fields, message: text.replace(/^error: /, '') } };
    console.log(processRedactor.redact(JSON.stringify(body)));
  } else console.error(processRedactor.redact(text));
}

function report(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // Help and --version end with 0; every usage error is bad input. Commander printed it already, unless --json.
    if (error.exitCode === 0) return EXIT.ok;
    if (json) printError(error.message, json, { code: 'USAGE', exitCode: EXIT.usage });
    return EXIT.usage;
  }
  if (error instanceof ExitError) {
    if (error.message) printError(error.message, json, { exitCode: error.exitCode });
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    printError(error.message, json, { code: error.code, issues: error.issues, exitCode: EXIT.usage });
    return EXIT.usage;
  }
  if (error instanceof AppError) {
    printError(`error: ${error.message}`, json, { code: error.code, exitCode: EXIT.failed });
    return EXIT.failed;
  }
  if (error instanceof InternalError) {
    printError(
      `internal error: ${error.message}\nThis is a bug in discord-orchestration; please file an issue.`,
      json,
      { code: 'INTERNAL', exitCode: EXIT.internal },
    );
    return EXIT.internal;
  }
  printError(error instanceof Error ? (error.stack ?? error.message) : String(error), json, {
    exitCode: EXIT.failed,
  });
  return EXIT.failed;
}

/**
 * Commands that are done when their function returns: the process exits then, instead of waiting for idle
 * keep-alive sockets and timers of the HTTP client to wind down (`dorch submit` would linger for a while after
 * printing its task id). Long-running commands end on their own; their log streams must drain first.
 */
const QUICK_EXIT = new Set(['submit']);

const code = await main(process.argv);
if (ran !== undefined && QUICK_EXIT.has(ran)) {
  // Whatever is still buffered on stdout/stderr (a pipe on macOS is asynchronous) goes out first.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))));
  process.exit(code);
}
process.exitCode = code;
