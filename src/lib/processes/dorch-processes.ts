/**
 * Finding the dorch workers and managers of this user on this machine, wherever they were started, without pid
 * files: a process is one when
 * - it runs under this uid;
 * - its command line runs this package's CLI (`…/dist/cli/index.js` or `…/src/cli/index.ts` in a folder whose
 *   package.json names `discord-orchestration`, directly or through a symlink named `dorch` or
 *   `discord-orchestration` as npm installs them) with the command `worker`, or `manager`, `start` or `demo` (which
 *   run a manager); a relative entry path is resolved against the process's working directory, so without `/proc`
 *   only absolute ones are recognised;
 * - where environments are readable, it runs with the same `HOME` as the caller: a user's processes share one
 *   HOME, and tests that run one fleet per HOME on a shared machine stay apart.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { currentUid, type ProcessTable } from './process-table.js';
import type { ProcessIdentity } from './signal.js';

/** A dorch worker or manager process. */
export interface DorchProcess extends ProcessIdentity {
  role: 'worker' | 'manager';
  /** The CLI command it runs (`worker`, `manager`, `start`, `demo`). */
  command: string;
  /** The worker id (`--id`, else `WORKER_ID`, else the worker's default), for workers. */
  workerId?: string;
  /** Its working directory, where the table can tell. */
  cwd?: string;
}

const PACKAGE_NAME = 'discord-orchestration';
const ENTRY = /^(.*)\/(?:dist\/cli\/index\.js|src\/cli\/index\.ts)$/;
const ENTRY_NAMES = new Set(['index.js', 'index.ts', 'dorch', PACKAGE_NAME]);
const COMMANDS: Partial<Record<string, DorchProcess['role']>> = {
  worker: 'worker',
  manager: 'manager',
  start: 'manager',
  demo: 'manager',
};

const packageRoots = new Map<string, boolean>();

function isOurPackage(root: string): boolean {
  let known = packageRoots.get(root);
  if (known === undefined) {
    try {
      const file = `${root}/package.json`;
      known =
        existsSync(file) &&
        (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
    } catch {
      known = false;
    }
    packageRoots.set(root, known);
  }
  return known;
}

/** The index in `argv` of this package's CLI entry, or -1. Relative paths are resolved against `cwd`. */
export function cliEntryIndex(argv: readonly string[], cwd: string | undefined): number {
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    // Only names the entry can have (directly, or as the npm bin symlink): no path lookups for other arguments.
    if (arg.startsWith('-') || !ENTRY_NAMES.has(basename(arg))) continue;
    if (!isAbsolute(arg) && cwd === undefined) continue;
    const path = isAbsolute(arg) ? arg : resolve(cwd!, arg);
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue;
    }
    const m = ENTRY.exec(real);
    if (m && isOurPackage(m[1]!)) return i;
  }
  return -1;
}

/** Reads the role, command and worker id from the arguments after the CLI entry. */
function describe(
  args: readonly string[],
  workerIdFromEnv: string | undefined,
  pid: number,
): Pick<DorchProcess, 'role' | 'command' | 'workerId'> | undefined {
  // The command is the first argument that is neither an option nor the value of the global `--config <path>`.
  let at = 0;
  while (at < args.length && args[at]!.startsWith('-')) at += args[at] === '--config' ? 2 : 1;
  const command = args[at] ?? '';
  const role = COMMANDS[command];
  if (!role) return undefined;
  if (role !== 'worker') return { role, command };
  let workerId: string | undefined;
  for (let i = at + 1; i < args.length; i++) {
    if (args[i] === '--id') workerId = args[i + 1];
    else if (args[i]!.startsWith('--id=')) workerId = args[i]!.slice('--id='.length);
  }
  return { role, command, workerId: workerId ?? workerIdFromEnv ?? `worker-${pid}` };
}

/** Options of {@link findDorchProcesses}. */
export interface FindDorchOptions {
  table: ProcessTable;
  /** Only processes whose `HOME` is this (where environments are readable). @defaultValue `process.env.HOME` */
  home?: string;
}

/** Every dorch worker and manager of this user (and HOME) on this machine, except this process. */
export function findDorchProcesses(options: FindDorchOptions): DorchProcess[] {
  const { table } = options;
  const home = options.home ?? process.env.HOME ?? '';
  const uid = currentUid();
  const out: DorchProcess[] = [];
  for (const entry of table.list()) {
    if (entry.pid === process.pid || entry.state === 'Z' || (uid >= 0 && entry.uid !== uid)) continue;
    const argv = table.cmdline(entry.pid);
    if (!argv || argv.length < 2) continue;
    const cwd = table.cwd(entry.pid);
    const at = cliEntryIndex(argv, cwd);
    if (at < 0) continue;
    if (table.hasEnvironments) {
      const theirs = table.getenv(entry.pid, 'HOME');
      if (theirs === null || (theirs ?? '') !== home) continue;
    }
    const what = describe(argv.slice(at + 1), table.getenv(entry.pid, 'WORKER_ID') ?? undefined, entry.pid);
    if (!what) continue;
    out.push({ pid: entry.pid, startTime: entry.startTime, ...what, ...(cwd ? { cwd } : {}) });
  }
  return out;
}
