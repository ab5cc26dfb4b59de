/** Helpers for tests that run real workers against the emulator. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EmulatorWorld, RunningEmulator } from '../../src/emulator/index.js';
import { worldConfig } from '../../src/emulator/world-env.js';
import { parseReportHeader } from '../../src/task/format.js';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import { loadConfig } from '../../src/config/load.js';
import { isConfigKey } from '../../src/config/schema.js';
import type { AgentRunner } from '../../src/agent/runner.js';
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

/** Spawn the CLI from the TypeScript sources. */
export function spawnCli(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/index.ts'), ...args],
    {
      cwd: options.cwd,
      // A clean environment: nothing from the developer's shell (a real DISCORD token!) leaks into tests.
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
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

/** Start a keep-alive worker for worker bot `index` (0-based) in `dir`. */
export async function startWorker(
  world: EmulatorWorld,
  options: {
    dir: string;
    index?: number;
    env?: Record<string, string>;
    runner?: AgentRunner;
    overrides?: Partial<WorkerOptions>;
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
    keepAlive: true,
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
