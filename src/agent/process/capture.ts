/**
 * The capture part of a run: the head of stdout and the tail of stderr in memory, everything (up to a limit) in
 * the log file, each chunk passed on to an optional listener.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ProcessOutcome, ProcessSpec } from './options.js';

/** Keeps the first `limit` bytes. */
export class HeadBuffer {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer): void {
    const room = this.#limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(part);
    this.#size += part.length;
  }
  toString(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** Keeps the last `limit` bytes. */
export class TailBuffer {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.#limit) {
      const first = this.#chunks[0]!;
      const excess = this.#size - this.#limit;
      this.truncated = true;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
      }
    }
  }
  toString(): string {
    return Buffer.concat(this.#chunks).toString('utf8');
  }
}

/** Appends to the log file up to a byte limit; never throws, remembers the first error. */
export class LogSink {
  readonly #stream: WriteStream | undefined;
  readonly #limit: number;
  #written = 0;
  #cut = false;
  error: string | undefined;
  constructor(path: string | undefined, limit: number) {
    this.#limit = limit;
    if (!path) return;
    this.#stream = createWriteStream(path, { flags: 'a' });
    this.#stream.on('error', (err) => {
      this.error ??= `cannot write ${path}: ${err.message}`;
    });
  }
  write(chunk: Buffer): void {
    if (!this.#stream || this.error || this.#cut) return;
    const room = this.#limit - this.#written;
    if (chunk.length <= room) {
      this.#stream.write(chunk);
      this.#written += chunk.length;
      return;
    }
    if (room > 0) this.#stream.write(chunk.subarray(0, room));
    this.#stream.write(`\n[log cut at ${this.#limit} bytes; further output was discarded]\n`);
    this.#cut = true;
  }
  note(line: string): void {
    if (this.#stream && !this.error) this.#stream.write(`${line}\n`);
  }
  close(): Promise<void> {
    const stream = this.#stream;
    if (!stream || stream.closed) return Promise.resolve();
    return new Promise((resolve) => {
      stream.once('close', () => resolve());
      stream.end();
    });
  }
}

/** The output fields of a {@link ProcessOutcome}. */
export type CapturedOutput = Pick<
  ProcessOutcome,
  'stdout' | 'stderr' | 'stdoutTruncated' | 'stderrTruncated' | 'logError'
>;

/** stdout, stderr and the log file of one run. */
export class OutputCapture {
  readonly #stdout: HeadBuffer;
  readonly #stderr: TailBuffer;
  readonly #log: LogSink;
  readonly #onOutput: ProcessSpec['onOutput'];

  constructor(
    limits: { maxStdoutBytes: number; maxStderrBytes: number; maxLogBytes: number },
    spec: Pick<ProcessSpec, 'logFile' | 'onOutput'>,
  ) {
    this.#stdout = new HeadBuffer(limits.maxStdoutBytes);
    this.#stderr = new TailBuffer(limits.maxStderrBytes);
    this.#log = new LogSink(spec.logFile, limits.maxLogBytes);
    this.#onOutput = spec.onOutput;
  }

  /** Start reading the child's output pipes. */
  attach(child: ChildProcess): void {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.#stdout.push(chunk);
      this.#log.write(chunk);
      this.#onOutput?.('stdout', chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr.push(chunk);
      this.#log.write(chunk);
      this.#onOutput?.('stderr', chunk);
    });
  }

  /** Add a line of our own to the log file (timeouts, cancellation). */
  note(line: string): void {
    this.#log.note(line);
  }

  /** Flush and close the log file. */
  close(): Promise<void> {
    return this.#log.close();
  }

  /** What was captured. */
  result(): CapturedOutput {
    return {
      stdout: this.#stdout.toString(),
      stderr: this.#stderr.toString(),
      stdoutTruncated: this.#stdout.truncated,
      stderrTruncated: this.#stderr.truncated,
      ...(this.#log.error ? { logError: this.#log.error } : {}),
    };
  }
}
