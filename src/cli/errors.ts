/** CLI-only errors: the command table in `index.ts` maps them to exit codes. */

/** Exit with `exitCode` after printing `message` (if any) to stderr. */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message = '', options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
    this.name = 'ExitError';
  }
}

/** A bug in this program: printed with a request to file an issue. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}
