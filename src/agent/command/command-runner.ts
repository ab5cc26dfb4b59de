/**
 * The `command` runner: any CLI becomes an agent through a small file-and-stdio protocol.
 */
import { existsSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { AgentStartError } from '../../lib/errors.js';
import { runProcess, type ProcessOptions } from '../process.js';
import { describeProcessFailure, failureResult, resultFromProcess } from '../result.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../runner.js';
import { commandAgentEnv } from '../agent-env.js';
import { findExecutable } from './find-executable.js';
import { parseCommandLine } from './parse-command-line.js';
import { readUsageFile, USAGE_FILE_NAME } from './usage-file.js';

/** Options of {@link CommandRunner}. */
export interface CommandRunnerOptions {
  /** The command line (`AGENT_COMMAND`), parsed by {@link parseCommandLine}; no shell is involved. */
  command: string;
  /**
   * Names of environment variables passed to the agent besides the base (`AGENT_ENV_PASS`; see `agentEnv`).
   * @defaultValue `[]`
   */
  pass?: readonly string[];
  /**
   * Names never passed, even when listed in `pass` (Discord token names are never passed anyway). `*` is a
   * wildcard: `WORKER*_TOKEN`. @defaultValue `[]`
   */
  stripEnv?: readonly string[];
  /** Values never passed under any name (the worker's Discord tokens). @defaultValue `[]` */
  secretValues?: readonly string[];
  /** The environment the agent's is picked from. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /**
   * Directory that relative paths in the command line mean (the agent itself runs in the workspace): the program
   * if it contains a `/`, and any other argument naming an existing file there. @defaultValue `process.cwd()`
   */
  baseDir?: string;
  /** File in the workspace that receives stdout and stderr. @defaultValue `'agent-output.log'` */
  logFileName?: string;
  /** Limits (kill grace, capture sizes) and seams (spawn, kill, clock) of the process engine. @defaultValue `{}` */
  process?: ProcessOptions;
  /** Executable lookup used by `check()`. @defaultValue {@link findExecutable} */
  findExecutable?: typeof findExecutable;
}

/** Defaults of {@link CommandRunnerOptions}. */
export const DEFAULT_COMMAND_RUNNER_OPTIONS = {
  pass: [] as readonly string[],
  stripEnv: [] as readonly string[],
  secretValues: [] as readonly string[],
  logFileName: 'agent-output.log',
  process: {} as ProcessOptions,
  findExecutable,
} as const;

/** Name of the prompt file in the workspace. */
export const TASK_FILE_NAME = 'TASK.txt';

// `{ env: undefined }` must not erase a default.
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// An argument that names an existing file relative to baseDir becomes absolute, so `python3 my_agent.py` still
// works once the cwd is the workspace. Flags and anything not on disk pass through untouched.
function absolutize(argv: string[], baseDir: string): string[] {
  return argv.map((arg, i) => {
    if (isAbsolute(arg) || arg.startsWith('-') || arg === '') return arg;
    if (i === 0) return arg.includes('/') ? resolve(baseDir, arg) : arg;
    const candidate = resolve(baseDir, arg);
    try {
      return existsSync(candidate) && statSync(candidate).isFile() ? candidate : arg;
    } catch {
      return arg;
    }
  });
}

/**
 * Runs any command line as the agent, in the task's workspace as working directory.
 *
 * **Protocol** (what an agent command can rely on and must do):
 * - **Input.** The prompt (tags stripped) arrives on stdin, which is then closed, and is also in `TASK.txt` in the
 *   working directory, which is the task's workspace (it also holds `AGENTS.md` with task context).
 * - **Environment.** Not the worker's: only the base (`PATH`, `HOME`, `USER`, locale, `TZ`, temp folders, proxies;
 *   see `agentEnv`) and the names in `pass` (`AGENT_ENV_PASS`), never a Discord token, plus `DORCH_TASK_ID`,
 *   `DORCH_MODEL` (a resolved `provider/model` id), `DORCH_THINKING` (`off`…`xhigh`), `DORCH_WORKSPACE` (absolute
 *   path), `DORCH_SESSION_ID`, `DORCH_WORKER_ID`, `DORCH_TIMEOUT_MS`. No API key unless passed.
 * - **Output.** Everything printed on stdout is the result text (trimmed; the first 8 MiB are kept, the rest only in
 *   `agent-output.log`). stderr is for logs: it goes to `agent-output.log`, and its last line is quoted when the
 *   agent fails.
 * - **Exit code.** 0 means success; anything else, or death by a signal, is a failure.
 * - **Time.** After `DORCH_TIMEOUT_MS` the agent's whole process group gets SIGTERM, then SIGKILL after a grace
 *   period (5 s by default). Children it leaves running after it exits are terminated the same way, in its group or
 *   detached (`setsid`, double fork), as long as they keep the `DORCH_AGENT_OWNER` variable the agent gets.
 * - **Usage (optional).** Write `USAGE.json` in the workspace before exiting:
 *   `{"input":n,"output":n,"cacheRead":n,"cacheWrite":n,"model":"provider/id","costUsd":n}`, every field optional.
 *   `input` counts uncached prompt tokens, `cacheRead`/`cacheWrite` cached ones; `model` is the model that actually
 *   ran; `costUsd` is the run's cost. Without the file, usage is zero, no cost is claimed, and the model shown is the
 *   requested one. A stale file from before the run is deleted first.
 * - **Command line.** Parsed like a simple shell command (quotes and backslashes), but no shell runs: no pipes,
 *   variables or `~`. Use `sh -c '…'` when shell features are needed. Relative paths mean the directory the worker
 *   was started in.
 */
export class CommandRunner implements AgentRunner {
  readonly name = 'command';
  readonly #argv: string[] | undefined;
  readonly #parseError: string | undefined;
  readonly #options: Required<CommandRunnerOptions>;

  constructor(options: CommandRunnerOptions) {
    if (typeof options?.command !== 'string') {
      throw new TypeError(`Expected \`command\` to be a string, got \`${String(options?.command)}\``);
    }
    this.#options = {
      ...DEFAULT_COMMAND_RUNNER_OPTIONS,
      env: process.env,
      baseDir: process.cwd(),
      ...definedOnly(options),
      command: options.command,
    };
    try {
      this.#argv = absolutize(parseCommandLine(options.command), this.#options.baseDir);
    } catch (error) {
      // Kept, not thrown: check() reports it at start-up and run() returns it as a failed result.
      this.#parseError = (error as Error).message;
    }
  }

  /** The argv that will be spawned (after parsing and path resolution); undefined when the line is invalid. */
  get argv(): readonly string[] | undefined {
    return this.#argv;
  }

  /** Throws {@link AgentStartError} when the command line is invalid or its program cannot be found or run. */
  async check(): Promise<void> {
    if (!this.#argv) throw new AgentStartError(`The agent command line is invalid: ${this.#parseError}`);
    const program = this.#argv[0]!;
    const found = await this.#options.findExecutable(program, this.#options.env, this.#options.baseDir);
    if (found) return;
    throw new AgentStartError(
      program.includes('/')
        ? `Agent command \`${program}\` does not exist or is not executable; fix AGENT_COMMAND`
        : `Agent command \`${program}\` not found on PATH; install it or set AGENT_COMMAND to its full path`,
    );
  }

  /** Run the command for one task; every outcome, including a missing program, is a result. */
  async run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    const { model, workspace, timeoutMs } = request;
    if (!this.#argv) return failureResult(`could not start agent: ${this.#parseError}`, { model });
    try {
      // The worker normally writes TASK.txt; writing it when missing keeps the protocol true for direct callers.
      await writeFile(join(workspace, TASK_FILE_NAME), request.prompt, { flag: 'wx' }).catch(
        (error: unknown) => {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        },
      );
      await rm(join(workspace, USAGE_FILE_NAME), { force: true });
    } catch (error) {
      return failureResult(
        `could not start agent: workspace ${workspace} is not usable (${(error as Error).message})`,
        {
          model,
        },
      );
    }

    const [program, ...args] = this.#argv as [string, ...string[]];
    const outcome = await runProcess(
      {
        command: program,
        args,
        cwd: workspace,
        env: commandAgentEnv(
          {
            env: this.#options.env,
            pass: this.#options.pass,
            never: this.#options.stripEnv,
            neverValues: this.#options.secretValues,
          },
          request,
        ),
        stdin: request.prompt,
        timeoutMs,
        signal,
        logFile: join(workspace, this.#options.logFileName),
      },
      this.#options.process,
    );

    const notes: string[] = [];
    let usageFields = {};
    if (!outcome.failedToStart) {
      // Read even after a failure: a failed run may still have spent tokens.
      const report = await readUsageFile(join(workspace, USAGE_FILE_NAME));
      notes.push(...report.notes);
      usageFields = {
        ...(report.usage ? { usage: report.usage } : {}),
        ...(report.model ? { model: report.model } : {}),
        ...(report.costUsd !== undefined ? { costUsd: report.costUsd } : {}),
      };
    }
    if (outcome.stdoutTruncated) {
      notes.push(`output cut in the result; the whole output is in ${this.#options.logFileName}`);
    }
    if (outcome.logError) notes.push(outcome.logError);
    const failed = describeProcessFailure(outcome) !== undefined;
    const text = failed ? undefined : outcome.stdout.trim();
    if (!failed && !text) notes.push('the agent printed no answer');
    return resultFromProcess(outcome, {
      model,
      timeoutMs,
      notes,
      ...usageFields,
      ...(text !== undefined ? { text } : {}),
    });
  }
}
