/**
 * The real processes of a chaos run: the emulator (`dorch emulator`), the manager (`dorch manager`), `dorch submit`,
 * each started from `dist/` or from the sources, with a clean environment whose HOME is the run's folder (the scope
 * the product's own process search uses, so the run finds its workers and nothing else on the machine).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EmulatorAdmin } from '../../src/emulator/admin/client.js';
import type { EmulatorWorld } from '../../src/emulator/world.js';
import { agentScope, byScope, killMarked } from '../../src/lib/processes/agent-marker.js';
import { findDorchProcesses, type DorchProcess } from '../../src/lib/processes/dorch-processes.js';
import { procTable } from '../../src/lib/processes/process-table.js';
import { signalIfSame } from '../../src/lib/processes/signal.js';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Where the CLI runs from. */
export type CliSource = 'dist' | 'src';

/** argv prefix that runs `dorch` from `source`. */
export function cliArgv(source: CliSource): string[] {
  return source === 'dist'
    ? [process.execPath, join(ROOT, 'dist/cli/index.js')]
    : [process.execPath, '--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/index.ts')];
}

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Build `dist/` when it is missing or older than `src/` (`npm run build`); resolves to whether it built. */
export async function ensureBuilt(): Promise<boolean> {
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist/cli/index.js')).mtimeMs;
  } catch {
    // Not built yet.
  }
  if (built > newest(join(ROOT, 'src'))) return false;
  await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT },
  );
  return true;
}

// Every process tree a run started and has not ended yet: what {@link stopEverything} ends.
const running = { dirs: new Set<string>(), emulators: new Set<CliProcess>() };

/**
 * SIGKILL whatever chaos runs in this process left running (a test that timed out abandons its run half-way):
 * their fleets, agents and emulators.
 */
export function stopEverything(): void {
  for (const dir of running.dirs) killFleet(dir);
  for (const emulator of running.emulators) emulator.child.kill('SIGKILL');
  running.dirs.clear();
  running.emulators.clear();
}

/** Remember a run's folder until {@link forget} (its fleet runs with that HOME). */
export function remember(dir: string): void {
  running.dirs.add(dir);
}

/** The run ended its processes itself. */
export function forget(dir: string): void {
  running.dirs.delete(dir);
}

/** A running CLI process and its collected output. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `dorch <args>` in `cwd` with HOME `home` and `env` only (nothing of this process's environment). */
export function startCli(
  source: CliSource,
  args: string[],
  options: { cwd: string; home: string; env: Record<string, string> },
): CliProcess {
  const [command, ...prefix] = cliArgv(source);
  const child = spawn(command!, [...prefix, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: options.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  return { child, pid: child.pid ?? -1, output: () => out, exited };
}

/** The emulator in its own process. */
export interface EmulatorProcess {
  world: EmulatorWorld;
  admin: EmulatorAdmin;
  process: CliProcess;
  stop(): Promise<void>;
}

/** Start `dorch emulator --workers N` (rate limits on) and read its world from the first line it prints. */
export async function startEmulatorProcess(
  source: CliSource,
  workers: number,
  dir: string,
): Promise<EmulatorProcess> {
  const cli = startCli(source, ['emulator', '--workers', String(workers)], { cwd: dir, home: dir, env: {} });
  const world = await new Promise<EmulatorWorld>((res, rej) => {
    const onData = () => {
      const line = cli.output().split('\n')[0];
      if (!cli.output().includes('\n') || !line) return;
      cli.child.stdout?.off('data', onData);
      try {
        res(JSON.parse(line) as EmulatorWorld);
      } catch {
        rej(new Error(`dorch emulator printed no world: ${cli.output().slice(0, 500)}`));
      }
    };
    cli.child.stdout?.on('data', onData);
    void cli.exited.then(({ code }) => rej(new Error(`dorch emulator exited (${code}): ${cli.output()}`)));
  });
  running.emulators.add(cli);
  return {
    world,
    admin: new EmulatorAdmin(world.adminUrl),
    process: cli,
    stop: async () => {
      cli.child.kill('SIGTERM');
      await cli.exited;
      running.emulators.delete(cli);
    },
  };
}

/** The dorch workers and managers running with HOME `home`. */
export function fleetProcesses(home: string): DorchProcess[] {
  return findDorchProcesses({ table: procTable(), home });
}

/** The worker processes a manager started (its children), by worker id. */
export function workersOf(home: string, managerPid: number): Map<string, number> {
  const table = procTable();
  const out = new Map<string, number>();
  for (const p of fleetProcesses(home))
    if (p.role === 'worker' && p.workerId && table.get(p.pid)?.ppid === managerPid)
      out.set(p.workerId, p.pid);
  return out;
}

/** Every worker process of HOME `home` (a killed manager's too), by pid → worker id (ids repeat across managers). */
export function allWorkersOf(home: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of fleetProcesses(home)) if (p.role === 'worker' && p.workerId) out.set(p.pid, p.workerId);
  return out;
}

/** SIGKILL every dorch process and agent of HOME `home` (cleanup, whatever state a run left). */
export function killFleet(home: string): void {
  const table = procTable();
  for (const p of fleetProcesses(home)) signalIfSame(table, p, 'SIGKILL');
  killMarked(table, byScope(agentScope({ HOME: home })));
}

/** True while `pid` runs with start time `startTime` (not a zombie, not a later process with the same pid). */
export function isRunning(pid: number, startTime: string): boolean {
  const entry = procTable().get(pid);
  return entry !== undefined && entry.state !== 'Z' && entry.startTime === startTime;
}
