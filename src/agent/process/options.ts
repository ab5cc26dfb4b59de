/**
 * What a run is asked to do ({@link ProcessSpec}), the limits and seams shared by every run ({@link ProcessOptions}),
 * and the one outcome shape for success and every kind of failure ({@link ProcessOutcome}).
 */
import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { defaultProcessTable, type ProcessTable } from '../../lib/processes/process-table.js';
import { defaultKill, type KillFunction } from '../../lib/processes/signal.js';

export type { KillFunction } from '../../lib/processes/signal.js';

/** The subset of `child_process.spawn` this module uses; inject a fake in tests. */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** One process to run. */
export interface ProcessSpec {
  /** Executable name (looked up on PATH) or path. */
  command: string;
  /** Arguments, passed as-is (no shell). @defaultValue `[]` */
  args?: readonly string[];
  /** Working directory. @defaultValue this process's cwd */
  cwd?: string;
  /**
   * The environment of the child (not merged with anything, except the `DORCH_AGENT_OWNER` marker added when
   * `endDetached` is on). @defaultValue `process.env`
   */
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
  /** SIGKILL every live run's processes when this process exits (see process-group.ts). @defaultValue `true` */
  killOnParentExit?: boolean;
  /**
   * Mark the child's environment with `DORCH_AGENT_OWNER` and end, with its group, every process carrying this
   * run's marker: descendants that left the group (`setsid`, double fork). Needs readable environments (`/proc`).
   * @defaultValue `true`
   */
  endDetached?: boolean;
  /** Where marked processes are looked up. @defaultValue `/proc` on Linux, else `ps`, else none */
  processTable?: ProcessTable | null;
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

/** Defaults for {@link ProcessOptions}; `processTable` defaults to {@link defaultProcessTable}, looked up per run. */
export const DEFAULT_PROCESS_OPTIONS = {
  killGraceMs: 5_000,
  maxStdoutBytes: 8 * 1024 * 1024,
  maxStderrBytes: 64 * 1024,
  maxLogBytes: 64 * 1024 * 1024,
  drainMs: 2_000,
  killOnParentExit: true,
  endDetached: true,
  spawn: nodeSpawn as SpawnFunction,
  kill: defaultKill,
  now: () => performance.now(),
} as const satisfies Required<Omit<ProcessOptions, 'processTable'>>;

/** The options with defaults filled in, checked p-queue style. */
export function resolveOptions(options: ProcessOptions): Required<ProcessOptions> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const opts: Required<ProcessOptions> = {
    ...DEFAULT_PROCESS_OPTIONS,
    processTable: options.processTable === undefined ? defaultProcessTable() : options.processTable,
    ...defined,
  };
  for (const key of ['killGraceMs', 'maxStdoutBytes', 'maxStderrBytes', 'maxLogBytes', 'drainMs'] as const) {
    const value = opts[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new TypeError(
        `Expected \`${key}\` to be a finite number >= 0, got \`${value}\` (${typeof value})`,
      );
    }
  }
  return opts;
}

/** Checks a run's own limit. */
export function validateSpec(spec: ProcessSpec): void {
  if (spec.timeoutMs !== undefined && (!Number.isFinite(spec.timeoutMs) || spec.timeoutMs < 0)) {
    throw new TypeError(`Expected \`timeoutMs\` to be a finite number >= 0, got \`${spec.timeoutMs}\``);
  }
}
