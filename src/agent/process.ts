/**
 * Run one child process and describe how it went, as data: the engine under the command and OpenClaw runners.
 * Split as execa splits it: options and the outcome shape (`process/options.ts`), the process-group part that
 * signals and terminates everything the run started (`process/process-group.ts`), the capture part with its head
 * and tail buffers and the log file (`process/capture.ts`), and start failures (`process/spawn-error.ts`).
 *
 * What a run does, in order:
 * - spawns the command without a shell, `detached` so the child leads its own process group, with the run's
 *   `DORCH_AGENT_OWNER` marker added to its environment;
 * - feeds `stdin` (or gives the child `/dev/null`);
 * - streams stdout and stderr to `logFile` (bounded by `maxLogBytes`) and keeps at most `maxStdoutBytes` of stdout
 *   (the head) and `maxStderrBytes` of stderr (the tail) in memory;
 * - on `timeoutMs` or an aborted `signal`, sends SIGTERM to the group and every marked process, then SIGKILL after
 *   `killGraceMs`;
 * - when the leader exits by itself, terminates whatever it left behind (in its group or detached) the same way;
 * - turns a spawn failure (ENOENT, EACCES, a missing working directory) into an outcome with `failedToStart`.
 * It never throws for anything the child does; it rejects only on a bug.
 *
 * stdout and stderr are pipes to this process, so an orphaned agent that keeps writing gets EPIPE/SIGPIPE and
 * usually dies; stdin is closed once fed, so an agent reading it sees EOF. Because the child is detached, a
 * terminal Ctrl-C reaches the parent only, never the agent directly: the parent decides (abort = graceful cancel).
 */
import type { ChildProcess } from 'node:child_process';
import { withMarker } from '../lib/processes/agent-marker.js';
import { OutputCapture } from './process/capture.js';
import {
  resolveOptions,
  validateSpec,
  type ProcessOptions,
  type ProcessOutcome,
  type ProcessSpec,
} from './process/options.js';
import { newRunMarker, ProcessGroup } from './process/process-group.js';
import { describeSpawnError } from './process/spawn-error.js';

export {
  DEFAULT_PROCESS_OPTIONS,
  type KillFunction,
  type ProcessOptions,
  type ProcessOutcome,
  type ProcessSpec,
  type SpawnFunction,
} from './process/options.js';
export { liveProcessGroups } from './process/process-group.js';
export { describeSpawnError } from './process/spawn-error.js';

/**
 * Run one process to completion (or until it is killed). Resolves with a {@link ProcessOutcome} for every outcome,
 * including a command that does not exist.
 */
export async function runProcess(spec: ProcessSpec, options: ProcessOptions = {}): Promise<ProcessOutcome> {
  const opts = resolveOptions(options);
  validateSpec(spec);
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

  const marker = opts.endDetached ? newRunMarker() : undefined;
  const env = spec.env ?? process.env;
  let child: ChildProcess;
  try {
    child = opts.spawn(spec.command, spec.args ?? [], {
      cwd: spec.cwd,
      env: marker ? withMarker(env, marker) : env,
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
  const group = new ProcessGroup(child.pid, marker, {
    kill: opts.kill,
    table: opts.processTable,
    killGraceMs: opts.killGraceMs,
    signalLeader: (sig) => void child.kill(sig),
    killOnParentExit: opts.killOnParentExit,
  });
  const output = new OutputCapture(opts, spec);
  output.attach(child);

  let timedOut = false;
  let aborted = false;
  const timeoutTimer =
    spec.timeoutMs && spec.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          output.note(`[timed out after ${spec.timeoutMs} ms; terminating the process group]`);
          group.terminate();
        }, spec.timeoutMs)
      : undefined;
  const onAbort = (): void => {
    aborted = true;
    output.note('[cancelled; terminating the process group]');
    group.terminate();
  };
  spec.signal?.addEventListener('abort', onAbort, { once: true });

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
    // After a successful spawn this only reports failed kill() calls, which the group already handles.
  });

  const { code, sig } = await exited;
  const durationMs = opts.now() - started;
  if (timeoutTimer) clearTimeout(timeoutTimer);
  spec.signal?.removeEventListener('abort', onAbort);

  // Descendants left behind, in the group or detached, are cleaned up like a timeout, but without blaming the agent.
  if (!group.terminating && group.alive()) group.terminate();

  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise<void>((resolve) => {
      drainTimer = setTimeout(resolve, opts.drainMs + (group.terminating ? opts.killGraceMs : 0));
    }),
  ]);
  if (drainTimer) clearTimeout(drainTimer);
  // A descendant that survived SIGTERM may still hold the pipes: stop reading them.
  child.stdout?.destroy();
  child.stderr?.destroy();
  group.settle();
  await output.close();

  return {
    ...base,
    ...output.result(),
    exitCode: code,
    signal: sig,
    timedOut,
    aborted,
    forceKilled: group.forceKilled,
    durationMs,
    pid: child.pid,
  };
}
