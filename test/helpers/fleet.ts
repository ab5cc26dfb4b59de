/** Helpers for tests that run real workers against the emulator. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EmulatorWorld, RunningEmulator } from '../../src/emulator/index.js';
import { worldConfig } from '../../src/emulator/world-env.js';
import { parseReportHeader } from '../../src/task/format.js';
import { DiscordBus, type DiscordBusOptions } from '../../src/bus/discord/discord-bus.js';
import { Authorizer } from '../../src/bus/discord/authorization.js';
import { createRest } from '../../src/bus/discord/rest.js';
import { loadConfig } from '../../src/config/load.js';
import { isConfigKey } from '../../src/config/schema.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../../src/agent/runner.js';
import { createWorker, type WiredWorker } from '../../src/worker/create-worker.js';
import type { WorkerOptions } from '../../src/worker/options.js';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Absolute path of a fixture agent, as an AGENT_COMMAND. */
export function fixtureAgent(name: string): string {
  return `${process.execPath} ${join(ROOT, 'test/fixtures/agents', `${name}.mjs`)}`;
}

/** A scratch directory. */
export function scratch(prefix = 'dorch-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** The environment a worker needs to reach the emulator (what `dorch emulator --write-env` writes). */
export function emulatorEnv(world: EmulatorWorld, workers?: number): Record<string, string> {
  return worldConfig(world, { workers });
}

/** The CLI as `node` runs it: `dist/`, transpiled from the sources by the global setup (test/setup/build-cli.ts). */
export const CLI_ENTRY = join(ROOT, 'dist/cli/index.js');

/** Spawn the CLI (from `dist/`, see {@link CLI_ENTRY}). */
export function spawnCli(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): ChildProcess {
  return spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: options.cwd,
    // A clean environment: nothing from the developer's shell (a real DISCORD token!) leaks into tests.
    env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collect a child's output and wait for its exit. */
export function collect(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  return { output: () => out, exited };
}

/** Poll `check` until it returns a value, or fail after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Result messages in #results, parsed. */
export async function results(emulator: RunningEmulator) {
  const messages = await emulator.admin.messages(emulator.world.channels.results);
  return messages.map((m) => ({
    content: m.content,
    header: parseReportHeader(m.content),
    attachments: m.attachments,
  }));
}

/** Lines of an AGENT_LOG file as task ids (each line is `<task id> <worker id>`). */
export async function agentRuns(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[0]!);
}

/** A worker running in this process against the emulator, built exactly as `dorch worker` builds it. */
export interface InProcessWorker {
  wired: WiredWorker;
  /** Resolves with the worker's exit reason. */
  done: Promise<string>;
  /** Emergency-stop it and close its buses. */
  stop(): Promise<void>;
}

/** Start a worker (keep-alive unless told) for worker bot `index` (0-based) in `dir`. */
export async function startWorker(
  world: EmulatorWorld,
  options: {
    dir: string;
    index?: number;
    env?: Record<string, string>;
    runner?: AgentRunner;
    overrides?: Partial<WorkerOptions>;
    /** Stay up between tasks (default), or exit after one task as under the manager. */
    keepAlive?: boolean;
  },
): Promise<InProcessWorker> {
  const index = options.index ?? 0;
  const { config } = loadConfig({
    file: join(options.dir, 'no-such-config.env'),
    env: {
      ...emulatorEnv(world),
      RUNTIME_DIR: join(options.dir, '.runtime'),
      WORK_DIR: join(options.dir, 'workers'),
      POLL_INTERVAL: '0.2',
      MAX_IDLE_TIME: '0',
      ...options.env,
    },
  });
  const wired = await createWorker(config, {
    workerId: `worker-${index + 1}`,
    token: world.tokens.workers[index]!,
    keepAlive: options.keepAlive ?? true,
    runner: options.runner,
    overrides: { heartbeatMs: 500, ...options.overrides },
  });
  const done = wired.worker.run();
  return {
    wired,
    done,
    stop: async () => {
      wired.worker.stop(0);
      await done.catch(() => undefined);
      await wired.close();
    },
  };
}

/**
 * A DiscordBus acting as worker bot `index` (0-based), as a worker builds it: the fleet is the submitter and the
 * workers, the operator may submit.
 */
export function workerBus(
  world: EmulatorWorld,
  index: number,
  options: Partial<DiscordBusOptions> & { allowedUsers?: string[] } = {},
): DiscordBus {
  const token = world.tokens.workers[index]!;
  const rest = createRest({ apiUrl: world.apiUrl, token });
  const { allowedUsers, ...rest_ } = options;
  return new DiscordBus({
    apiUrl: world.apiUrl,
    token,
    taskQueueChannel: world.channels.taskQueue,
    resultsChannel: world.channels.results,
    workerPoolChannel: world.channels.workerPool,
    rest,
    authorizer: new Authorizer(rest, {
      trustedBots: [world.users.submitter, ...world.users.workers],
      allowedUsers: allowedUsers ?? [world.users.operator],
      allowedRoles: [],
    }),
    actor: `worker-${index + 1}`,
    ...rest_,
  });
}

/** A bus acting as the world's submitter bot (posting only). */
export function submitterBus(world: EmulatorWorld): DiscordBus {
  return new DiscordBus({
    apiUrl: world.apiUrl,
    token: world.tokens.submitter,
    taskQueueChannel: world.channels.taskQueue,
  });
}

/**
 * The environment for workers that run fixture agent `agent` (command runner), logging each run to `agentLog`.
 * Agents get only what is passed to them, so `AGENT_ENV_PASS` lists `AGENT_LOG` and every fixture knob in `env`
 * (each name that is not a config key, such as `OK_DELAY_MS`).
 */
export function fixtureEnv(
  world: EmulatorWorld,
  options: { agent: string; agentLog: string; workers?: number; env?: Record<string, string> },
): Record<string, string> {
  const env = options.env ?? {};
  const knobs = Object.keys(env).filter((k) => !isConfigKey(k));
  const pass = [env.AGENT_ENV_PASS, 'AGENT_LOG', ...knobs].filter(Boolean).join(',');
  return {
    ...emulatorEnv(world, options.workers),
    AGENT_RUNNER: 'command',
    AGENT_COMMAND: fixtureAgent(options.agent),
    AGENT_LOG: options.agentLog,
    POLL_INTERVAL: '0.3',
    ...env,
    AGENT_ENV_PASS: pass,
  };
}

/** A thread as the emulator stores it. */
export async function threadOf(
  admin: { channel(id: string): Promise<unknown> },
  id: string,
): Promise<{ name: string; owner_id: string; thread_metadata: { archived: boolean; locked: boolean } }> {
  return (await admin.channel(id)) as Awaited<ReturnType<typeof threadOf>>;
}

/** An agent stand-in that counts runs per prompt (a task and its retry copies share one), optionally waiting. */
export class PromptRunner implements AgentRunner {
  readonly name = 'prompt-counter';
  /** Prompt → runs. */
  readonly runs = new Map<string, number>();
  /** Task ids in the order they started. */
  readonly started: string[] = [];
  /** Runs wait for this before answering, when set. */
  gate: Promise<void> | null = null;
  constructor(readonly delayMs = 10) {}
  async check(): Promise<void> {}
  async run(request: AgentRequest): Promise<AgentResult> {
    this.runs.set(request.prompt, (this.runs.get(request.prompt) ?? 0) + 1);
    this.started.push(request.taskId);
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.gate) await this.gate;
    return {
      ok: true,
      text: `done: ${request.prompt}`,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: this.delayMs,
      model: request.model,
      usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0,
      notes: [],
    };
  }
  /** How often a prompt ran. */
  count(prompt: string): number {
    return this.runs.get(prompt) ?? 0;
  }
}
