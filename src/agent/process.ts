/**
 * Run one child process and describe how it went, as data: the engine under the command and OpenClaw runners.
 *
 * What it does, in order:
 * - spawns the command without a shell, `detached` so the child leads its own process group;
 * - feeds `stdin` (or gives the child `/dev/null`);
 * - streams stdout and stderr to `logFile` (bounded by `maxLogBytes`) and keeps at most `maxStdoutBytes` of stdout
 *   (the head) and `maxStderrBytes` of stderr (the tail) in memory;
 * - on `timeoutMs` or an aborted `signal`, sends SIGTERM to the whole group, then SIGKILL after `killGraceMs`;
 * - when the leader exits by itself, terminates whatever it left behind in its group the same way;
 * - turns a spawn failure (ENOENT, EACCES, a missing working directory) into an outcome with `failedToStart`.
 * It never throws for anything the child does; it rejects only on a bug.
 *
 * Orphans: if this process dies, its agents should not run on forever. What is done cheaply:
 * - every live group is recorded, and a `process.on('exit')` hook SIGKILLs them all (`killOnParentExit`). This covers
 *   a normal exit, `process.exit()`, and uncaught exceptions. It cannot cover SIGKILL of this process, nor a
 *   SIGTERM/SIGINT with no handler installed (Node then dies without an `exit` event): callers that own the process
 *   (worker, manager) should handle those signals by aborting runs or calling `process.exit()`.
 * - stdout and stderr are pipes to this process, so an orphaned agent that keeps writing gets EPIPE/SIGPIPE and
 *   usually dies; stdin is closed once fed, so an agent reading it sees EOF.
 * Because the child is detached, a terminal Ctrl-C reaches the parent only, never the agent directly: the parent
 * decides (abort = graceful cancel).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';

/** The subset of `child_process.spawn` this module uses; inject a fake in tests. */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** Sends a signal to a pid (negative: a process group); `process.kill` by default. */
export type KillFunction = (pid: number, signal: NodeJS.Signals | 0) => void;

/** One process to run. */
export interface ProcessSpec {
  /** Executable name (looked up on PATH) or path. */
  command: string;
  /** Arguments, passed as-is (no shell). @defaultValue `[]` */
  args?: readonly string[];
  /** Working directory. @defaultValue this process's cwd */
  cwd?: string;
  /** The complete environment of the child (not merged with anything). @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin, which is then closed. When undefined the child's stdin is `/dev/null`. */
  stdin?: string;
  /** Kill the process group after this many ms; `0` or undefined means no limit. */
  timeoutMs?: number;
  /** Cancel: terminate the group exactly as on timeout, and report `aborted`. */
  signal?: AbortSignal;
  /** Append stdout and stderr, as they arrive, to this file (created if missing). */
  logFile?: string;
  /** Called with every chunk of output, for progress displays. Must not throw. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** Limits and seams shared by every run. */
export interface ProcessOptions {
  /** Grace between SIGTERM and SIGKILL. @defaultValue `5000` */
  killGraceMs?: number;
  /** Bytes of stdout kept in memory (the head); the rest is only in the log file. @defaultValue `8 MiB` */
  maxStdoutBytes?: number;
  /** Bytes of stderr kept in memory (the tail). @defaultValue `64 KiB` */
  maxStderrBytes?: number;
  /** Bytes written to the log file per run before it is cut with a marker line. @defaultValue `64 MiB` */
  maxLogBytes?: number;
  /**
   * After the leader exits, how long to wait for its output pipes to close (a descendant may hold them) before
   * giving up on them. @defaultValue `2000`
   */
  drainMs?: number;
  /** SIGKILL every live group when this process exits (see the module comment). @defaultValue `true` */
  killOnParentExit?: boolean;
  /** Process spawner. @defaultValue `child_process.spawn` */
  spawn?: SpawnFunction;
  /** Signal sender. @defaultValue `process.kill` */
  kill?: KillFunction;
  /** Monotonic-enough clock in ms, for `durationMs`. @defaultValue `performance.now` */
  now?: () => number;
}

/** How one run went. One shape for success and every kind of failure. */
export interface ProcessOutcome {
  /** Exit code, or null when killed by a signal or never started. */
  exitCode: number | null;
  /** Signal that ended the process (`SIGKILL`, `SIGSEGV`…), or null. */
  signal: NodeJS.Signals | null;
  /** The `timeoutMs` limit fired and the group was terminated. */
  timedOut: boolean;
  /** The abort signal fired (before or during the run) and the group was terminated. */
  aborted: boolean;
  /** SIGKILL had to be sent because SIGTERM was not enough within the grace period. */
  forceKilled: boolean;
  durationMs: number;
  /** Captured stdout (the first `maxStdoutBytes`), decoded as UTF-8. */
  stdout: string;
  /** Captured stderr (the last `maxStderrBytes`), decoded as UTF-8. */
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** The process could not be started at all; `error` says why. Never retry the same spec blindly. */
  failedToStart: boolean;
  /** Node's error code for a start failure (`ENOENT`, `EACCES`…). */
  errorCode?: string;
  /** Why it could not start, in a short phrase naming the command (e.g. "`foo` not found on PATH"). */
  error?: string;
  /** The log file could not be written; output capture in memory still worked. */
  logError?: string;
  /** Pid of the leader, when it started. */
  pid?: number;
}

/** Defaults for {@link ProcessOptions}. */
export const DEFAULT_PROCESS_OPTIONS = {
  killGraceMs: 5_000,
  maxStdoutBytes: 8 * 1024 * 1024,
  maxStderrBytes: 64 * 1024,
  maxLogBytes: 64 * 1024 * 1024,
  drainMs: 2_000,
  killOnParentExit: true,
  spawn: nodeSpawn as SpawnFunction,
  kill: (pid: number, signal: NodeJS.Signals | 0) => void process.kill(pid, signal),
  now: () => performance.now(),
} as const satisfies Required<ProcessOptions>;

const liveGroups = new Set<number>();
let exitHookInstalled = false;

// Runs synchronously in the 'exit' event: only synchronous calls are allowed there.
function killLiveGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  liveGroups.clear();
}

function trackGroup(pid: number): void {
  if (!exitHookInstalled) {
    process.once('exit', killLiveGroups);
    exitHookInstalled = true;
  }
  liveGroups.add(pid);
}

/** Pids of process groups started here that have not finished yet (for diagnostics and tests). */
export function liveProcessGroups(): number[] {
  return [...liveGroups];
}

/** Keeps the first `limit` bytes. */
class HeadBuffer {
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
class TailBuffer {
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
class LogSink {
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

/** A short phrase saying why a command could not start, naming it. */
export function describeSpawnError(command: string, error: NodeJS.ErrnoException, cwd?: string): string {
  if (error.code === 'ENOENT') {
    // Node reports a missing cwd as `spawn <command> ENOENT`, which would blame the command.
    if (cwd && !existsSync(cwd)) return `working directory ${cwd} does not exist`;
    return command.includes('/') ? `\`${command}\` does not exist` : `\`${command}\` not found on PATH`;
  }
  if (error.code === 'EACCES') return `\`${command}\` is not executable (permission denied)`;
  if (error.code === 'ENOTDIR') return `\`${command}\` or the working directory is not a valid path`;
  return `\`${command}\` failed to start: ${error.message}`;
}

function validate(options: Required<ProcessOptions>): void {
  for (const key of ['killGraceMs', 'maxStdoutBytes', 'maxStderrBytes', 'maxLogBytes', 'drainMs'] as const) {
    const value = options[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new TypeError(
        `Expected \`${key}\` to be a finite number >= 0, got \`${value}\` (${typeof value})`,
      );
    }
  }
}

/**
 * Run one process to completion (or until it is killed). Resolves with a {@link ProcessOutcome} for every outcome,
 * including a command that does not exist.
 */
export async function runProcess(spec: ProcessSpec, options: ProcessOptions = {}): Promise<ProcessOutcome> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const opts: Required<ProcessOptions> = { ...DEFAULT_PROCESS_OPTIONS, ...defined };
  validate(opts);
  if (spec.timeoutMs !== undefined && (!Number.isFinite(spec.timeoutMs) || spec.timeoutMs < 0)) {
    throw new TypeError(`Expected \`timeoutMs\` to be a finite number >= 0, got \`${spec.timeoutMs}\``);
  }
  const started = opts.now();
  const base: ProcessOutcome = {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    forceKilled: false,
    durationMs: 0,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    failedToStart: false,
  };
  if (spec.signal?.aborted) return { ...base, aborted: true };

  const startFailure = (error: unknown): ProcessOutcome => {
    const err = error as NodeJS.ErrnoException;
    return {
      ...base,
      failedToStart: true,
      durationMs: opts.now() - started,
      error: describeSpawnError(spec.command, err, spec.cwd),
      ...(err.code ? { errorCode: err.code } : {}),
    };
  };

  let child: ChildProcess;
  try {
    child = opts.spawn(spec.command, spec.args ?? [], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (error) {
    // Synchronous failures: bad arguments (e.g. a NUL byte) or some platforms' EACCES.
    return startFailure(error);
  }

  // A failed spawn has no pid and emits 'error' on the next tick.
  if (child.pid === undefined) {
    return new Promise((resolve) => {
      child.once('error', (error) => resolve(startFailure(error)));
    });
  }
  const pid = child.pid;
  if (opts.killOnParentExit) trackGroup(pid);

  const stdout = new HeadBuffer(opts.maxStdoutBytes);
  const stderr = new TailBuffer(opts.maxStderrBytes);
  const log = new LogSink(spec.logFile, opts.maxLogBytes);

  let timedOut = false;
  let aborted = false;
  let forceKilled = false;
  let terminating = false;
  let killTimer: NodeJS.Timeout | undefined;

  // Signals the whole group; falls back to the leader alone where groups are unsupported (Windows).
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      opts.kill(-pid, sig);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
      try {
        child.kill(sig);
      } catch {
        // Nothing more we can do.
      }
    }
  };

  const groupAlive = (): boolean => {
    try {
      opts.kill(-pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  };

  const terminate = (): void => {
    if (terminating) return;
    terminating = true;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => {
      if (groupAlive()) {
        forceKilled = true;
        signalGroup('SIGKILL');
      }
      liveGroups.delete(pid);
    }, opts.killGraceMs);
    // Only once the leader has exited may this timer stop being the thing that keeps us alive (see 'exit' below).
  };

  const timeoutTimer =
    spec.timeoutMs && spec.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          log.note(`[timed out after ${spec.timeoutMs} ms; terminating the process group]`);
          terminate();
        }, spec.timeoutMs)
      : undefined;

  const onAbort = (): void => {
    aborted = true;
    log.note('[cancelled; terminating the process group]');
    terminate();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });

  child.stdout?.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    log.write(chunk);
    spec.onOutput?.('stdout', chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk);
    log.write(chunk);
    spec.onOutput?.('stderr', chunk);
  });

  if (child.stdin) {
    // The child may exit without reading stdin: EPIPE here is expected, not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(spec.stdin ?? '');
  }

  const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, sig }));
  });
  // 'close' fires when the leader has exited and every holder of its pipes has closed them.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.on('error', () => {
    // After a successful spawn this only reports failed kill() calls, which signalGroup already handles.
  });

  const { code, sig } = await exited;
  const durationMs = opts.now() - started;
  if (timeoutTimer) clearTimeout(timeoutTimer);
  spec.signal?.removeEventListener('abort', onAbort);

  // Descendants left behind in the group are cleaned up like a timeout, but without blaming the agent.
  if (!terminating && groupAlive()) terminate();
  if (!terminating) liveGroups.delete(pid);

  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      drainTimer = setTimeout(resolve, opts.drainMs + (terminating ? opts.killGraceMs : 0));
    }),
  ]);
  if (drainTimer) clearTimeout(drainTimer);
  // A descendant outside our group (setsid) may still hold the pipes: stop reading them.
  child.stdout?.destroy();
  child.stderr?.destroy();
  if (killTimer && !groupAlive()) {
    clearTimeout(killTimer);
    liveGroups.delete(pid);
  } else {
    killTimer?.unref();
  }
  await log.close();

  return {
    ...base,
    exitCode: code,
    signal: sig,
    timedOut,
    aborted,
    forceKilled,
    durationMs,
    stdout: stdout.toString(),
    stderr: stderr.toString(),
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated,
    pid,
    ...(log.error ? { logError: log.error } : {}),
  };
}
