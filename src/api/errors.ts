/**
 * The errors the library API throws, besides the project's own (`ConfigError` for a bad or missing configuration,
 * `TaskInvalidError` for a task that cannot run as written, `BusUnavailableError`, `DiscordApiError`). Decide by
 * class or `code`, never by message.
 */
import { AppError } from '../lib/errors.js';

/** The fleet refused a delegated task: the depth limit (`reason: 'DEPTH_LIMIT'`), or it is not this task's child. */
export class DelegationRefusedError extends AppError {
  readonly reason: string;
  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('DELEGATION_REFUSED', message, options);
    this.reason = reason;
  }
}

/** No result came in time; `pending` are the task ids still queued or running (they were not cancelled). */
export class WaitTimeoutError extends AppError {
  readonly pending: string[];
  constructor(pending: string[], timeoutMs: number) {
    super('WAIT_TIMEOUT', `no result after ${Math.round(timeoutMs / 1000)} s for ${pending.join(', ')}`);
    this.pending = pending;
  }
}

/** The caller's `AbortSignal` fired. `cancelled` are the tasks this call cancelled because of it. */
export class AbortedError extends AppError {
  readonly cancelled: string[];
  constructor(cancelled: string[], options?: { cause?: unknown }) {
    super('ABORTED', `aborted${cancelled.length ? `; cancelled ${cancelled.join(', ')}` : ''}`, options);
    this.cancelled = cancelled;
  }
}
