/**
 * One `openclaw gateway run` process: started through the project's process engine (so it carries a
 * `DORCH_AGENT_OWNER` marker, is ended with everything it started, and is SIGKILLed when the worker exits, see
 * agent/process.ts), waited for until `/readyz` answers 200, and stopped with SIGTERM (then SIGKILL after the kill
 * grace). It never keeps the worker's event loop alive: the child and its pipes are unref'd, so a worker that is done
 * exits, and the exit hook ends the Gateway.
 *
 * If the worker itself is SIGKILLed, the manager ends the Gateway with the worker's other agents (by the marker's
 * owner part), and `dorch stop` finds it like any agent process.
 */
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { AGENT_OWNER_ENV, parseMarkers, type AgentMarker } from '../../../lib/processes/agent-marker.js';
import {
  DEFAULT_PROCESS_OPTIONS,
  runProcess,
  type ProcessOptions,
  type ProcessOutcome,
} from '../../process.js';
import { stderrReason } from '../outcome.js';
import { TailBuffer } from '../../process/capture.js';

/** What {@link GatewayProcess.start} needs. */
export interface GatewayProcessSpec {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  port: number;
  /** Give up when `/readyz` has not answered 200 after this long. */
  startTimeoutMs: number;
  /** Append the Gateway's output here. */
  logFile?: string;
  processOptions?: ProcessOptions;
  /** HTTP client for the readiness probe. @defaultValue global `fetch` */
  fetch?: typeof fetch;
  /** Pause between readiness probes. @defaultValue `250` */
  pollMs?: number;
}

/** The Gateway could not start; `message` says why in one sentence (its own last words when it exited). */
export class GatewayStartError extends Error {
  /** The process exited on its own (as opposed to never becoming ready). */
  readonly exited: boolean;
  /** The Gateway's output mentions a port already in use: worth one more try on another port. */
  readonly portInUse: boolean;
  constructor(message: string, exited: boolean, portInUse: boolean) {
    super(message);
    this.name = 'GatewayStartError';
    this.exited = exited;
    this.portInUse = portInUse;
  }
}

function unrefStream(stream: unknown): void {
  (stream as Partial<Socket> | null)?.unref?.();
}

/** Describes how a Gateway process ended, for error sentences. */
export function describeGatewayExit(outcome: ProcessOutcome, output: string): string {
  const how = outcome.failedToStart
    ? `could not start: ${outcome.error ?? 'unknown error'}`
    : outcome.signal
      ? `was killed by ${outcome.signal}`
      : `exited with code ${outcome.exitCode ?? 'unknown'}`;
  // Its last words explain an exit with an error code; after a signal they are whatever it logged last.
  const reason = outcome.exitCode
    ? stderrReason(output)?.replace(/^\S*\d{4}-\d\d-\d\dT\S+\s+/, '')
    : undefined;
  return reason ? `${how}: ${reason}` : how;
}

/** A running (or finished) Gateway process. */
export class GatewayProcess {
  /** Pid of the started process (the `openclaw` launcher), the leader of its process group. */
  readonly pid: number;
  /** The run marker every process it starts carries. */
  readonly marker: AgentMarker | undefined;
  readonly port: number;
  /** Resolves when the process has exited and everything it left was ended. */
  readonly exited: Promise<ProcessOutcome>;
  readonly #stop: AbortController;
  readonly #output: TailBuffer;
  #outcome: ProcessOutcome | undefined;

  private constructor(init: {
    pid: number;
    marker: AgentMarker | undefined;
    port: number;
    exited: Promise<ProcessOutcome>;
    stop: AbortController;
    output: TailBuffer;
  }) {
    this.pid = init.pid;
    this.marker = init.marker;
    this.port = init.port;
    this.#stop = init.stop;
    this.#output = init.output;
    this.exited = init.exited.then((outcome) => (this.#outcome = outcome));
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.#outcome === undefined;
  }

  /** How it ended, once it has. */
  get outcome(): ProcessOutcome | undefined {
    return this.#outcome;
  }

  /** The last lines it printed (stdout and stderr interleaved), for error messages. */
  get output(): string {
    return this.#output.toString();
  }

  /** One sentence saying how it ended, or undefined while it runs. */
  describeExit(): string | undefined {
    return this.#outcome ? describeGatewayExit(this.#outcome, this.output) : undefined;
  }

  /**
   * Starts the process and waits until it is ready. Rejects with {@link GatewayStartError} when it exits first or
   * does not become ready in time (it is stopped then).
   */
  static async start(spec: GatewayProcessSpec): Promise<GatewayProcess> {
    const engine = { ...DEFAULT_PROCESS_OPTIONS, ...spec.processOptions };
    const spawn = engine.spawn;
    let child: ChildProcess | undefined;
    let marker: AgentMarker | undefined;
    const output = new TailBuffer(16 * 1024);
    const stop = new AbortController();
    const exited = runProcess(
      {
        command: spec.command,
        args: spec.args,
        cwd: spec.cwd,
        env: spec.env,
        signal: stop.signal,
        ...(spec.logFile ? { logFile: spec.logFile } : {}),
        onOutput: (_stream, chunk) => output.push(chunk),
      },
      {
        ...spec.processOptions,
        // A long-lived child: unlimited output, and no reference on the event loop.
        maxStdoutBytes: 64 * 1024,
        spawn: (command, args, options) => {
          child = spawn(command, args, options);
          marker = parseMarkers(options.env?.[AGENT_OWNER_ENV])[0];
          child.unref();
          unrefStream(child.stdout);
          unrefStream(child.stderr);
          unrefStream(child.stdin);
          return child;
        },
      },
    );
    // runProcess has called spawn synchronously by now; a spawn that threw shows up in `exited`.
    const pid = child?.pid;
    if (pid === undefined) {
      const outcome = await exited;
      throw new GatewayStartError(
        `the OpenClaw Gateway ${describeGatewayExit(outcome, output.toString())}`,
        true,
        false,
      );
    }
    const gateway = new GatewayProcess({ pid, marker, port: spec.port, exited, stop, output });
    await gateway.#waitReady(spec);
    return gateway;
  }

  async #waitReady(spec: GatewayProcessSpec): Promise<void> {
    const fetchFn = spec.fetch ?? fetch;
    const deadline = Date.now() + spec.startTimeoutMs;
    const pollMs = spec.pollMs ?? 250;
    let exitedEarly = false;
    void this.exited.then(() => (exitedEarly = true));
    for (;;) {
      if (exitedEarly || !this.running) {
        const how = this.describeExit() ?? 'exited';
        throw new GatewayStartError(
          `the OpenClaw Gateway ${how}`,
          true,
          /EADDRINUSE|address already in use|port .* (is )?(already )?in use/i.test(this.output),
        );
      }
      try {
        const answer = await fetchFn(`http://127.0.0.1:${this.port}/readyz`, {
          signal: AbortSignal.timeout(Math.max(1000, Math.min(5000, deadline - Date.now()))),
        });
        await answer.body?.cancel().catch(() => undefined);
        if (answer.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() >= deadline) {
        await this.stop();
        const said = stderrReason(this.output);
        throw new GatewayStartError(
          `the OpenClaw Gateway was not ready after ${Math.round(spec.startTimeoutMs / 1000)} s` +
            (said ? ` (last output: ${said})` : ''),
          false,
          false,
        );
      }
      await Promise.race([new Promise((r) => setTimeout(r, pollMs)), this.exited]);
    }
  }

  /** SIGTERM, then SIGKILL after the kill grace; resolves once it and everything it started are gone. */
  async stop(): Promise<ProcessOutcome> {
    this.#stop.abort();
    return this.exited;
  }
}
