/**
 * A read-only view of the machine's processes: who they are (pid, parent, group, owner, start time), their command
 * line, and where the platform allows, their environment and working directory.
 *
 * Two sources:
 * - `/proc` (Linux): everything, read synchronously (a scan of ~100 processes takes a few ms), so it also works in a
 *   process `exit` hook.
 * - `ps` (macOS, BSDs): identity and command line only. `ps` joins the arguments with spaces, so an argument holding
 *   a space is split; environments and working directories are not available.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One process, as far as the table can tell. */
export interface ProcessEntry {
  pid: number;
  /** Parent pid. */
  ppid: number;
  /** Process group id. */
  pgid: number;
  /** Effective uid of the process. */
  uid: number;
  /**
   * When it started, as an opaque string: the same for the same process, different for a later process that got
   * the same pid (`/proc/<pid>/stat` field 22 in clock ticks since boot; `ps -o lstart` elsewhere).
   */
  startTime: string;
  /** One-letter state (`R`, `S`, `Z` for a zombie that is dead but not yet reaped, …). */
  state: string;
}

/** A source of {@link ProcessEntry} records; the seam every process search goes through. */
export interface ProcessTable {
  /** Where the data comes from. */
  readonly source: 'proc' | 'ps';
  /** Whether {@link environ} can return anything at all on this platform. */
  readonly hasEnvironments: boolean;
  /** Every process visible now. */
  list(): ProcessEntry[];
  /** One process, or undefined when it does not exist (any more). */
  get(pid: number): ProcessEntry | undefined;
  /** Its argv, or undefined when unreadable. */
  cmdline(pid: number): string[] | undefined;
  /** Its environment as it was at exec, or undefined when unreadable (another user's process) or unsupported. */
  environ(pid: number): Map<string, string> | undefined;
  /**
   * One variable of {@link environ}, without parsing the rest: undefined when it is not set, null when the
   * environment is unreadable or unsupported.
   */
  getenv(pid: number, name: string): string | undefined | null;
  /** Its working directory, or undefined when unreadable or unsupported. */
  cwd(pid: number): string | undefined;
}

// `/proc/<pid>/stat`: "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
// stime cutime cstime priority nice num_threads itrealvalue starttime …". comm may hold spaces and parentheses, so
// fields are counted from the last ')'.
function parseStat(pid: number, text: string, uid: number): ProcessEntry | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(' ');
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const startTime = fields[22 - 3];
  if (startTime === undefined) return undefined;
  return {
    pid,
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgid: Number(fields[2]),
    uid,
    startTime,
  };
}

function splitNul(buffer: Buffer): string[] {
  const parts = buffer.toString('utf8').split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

/** The table read from a `/proc` file system (`root` is a parameter so tests can fake one). */
export function procTable(root = '/proc'): ProcessTable {
  const read = (pid: number, file: string): Buffer | undefined => {
    try {
      return readFileSync(join(root, String(pid), file));
    } catch {
      return undefined;
    }
  };
  const get = (pid: number): ProcessEntry | undefined => {
    try {
      const uid = statSync(join(root, String(pid))).uid;
      return parseStat(pid, readFileSync(join(root, String(pid), 'stat'), 'utf8'), uid);
    } catch {
      return undefined;
    }
  };
  return {
    source: 'proc',
    hasEnvironments: true,
    list() {
      const out: ProcessEntry[] = [];
      for (const name of readdirSync(root)) {
        if (!/^\d+$/.test(name)) continue;
        const entry = get(Number(name));
        if (entry) out.push(entry);
      }
      return out;
    },
    get,
    cmdline(pid) {
      const raw = read(pid, 'cmdline');
      return raw && raw.length > 0 ? splitNul(raw) : undefined;
    },
    environ(pid) {
      const raw = read(pid, 'environ');
      if (!raw) return undefined;
      const env = new Map<string, string>();
      for (const pair of splitNul(raw)) {
        const eq = pair.indexOf('=');
        if (eq > 0) env.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return env;
    },
    getenv(pid, name) {
      const raw = read(pid, 'environ');
      if (!raw) return null;
      const key = Buffer.from(`${name}=`);
      let at = raw.subarray(0, key.length).equals(key) ? 0 : -1;
      if (at < 0) {
        const inner = raw.indexOf(Buffer.concat([Buffer.from([0]), key]));
        if (inner < 0) return undefined;
        at = inner + 1;
      }
      const start = at + key.length;
      const end = raw.indexOf(0, start);
      return raw.toString('utf8', start, end < 0 ? raw.length : end);
    },
    cwd(pid) {
      try {
        return readlinkSync(join(root, String(pid), 'cwd'));
      } catch {
        return undefined;
      }
    },
  };
}

/** Runs `ps` with the given arguments and returns its stdout; a seam for tests. */
export type PsRunner = (args: readonly string[]) => string;

const runPs: PsRunner = (args) =>
  execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });

// `lstart` is five words ("Sun Nov 29 09:33:41 2026") on Linux procps and on macOS.
const PS_COLUMNS = 'pid=,ppid=,pgid=,uid=,state=,lstart=,args=';
const PS_LINE = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+\s+\S+\s+\S+\s+\S+\s+\S+)\s?(.*)$/;

function parsePsLine(line: string): (ProcessEntry & { args: string }) | undefined {
  const m = PS_LINE.exec(line);
  if (!m) return undefined;
  return {
    pid: Number(m[1]),
    ppid: Number(m[2]),
    pgid: Number(m[3]),
    uid: Number(m[4]),
    state: m[5]!.charAt(0),
    startTime: m[6]!.replace(/\s+/g, ' '),
    args: m[7] ?? '',
  };
}

/** The table read through `ps` (where there is no `/proc`). */
export function psTable(run: PsRunner = runPs): ProcessTable {
  const query = (pid?: number): (ProcessEntry & { args: string })[] => {
    let text: string;
    try {
      // -ww: never cut the command line to the terminal's width.
      text = run(
        pid === undefined ? ['-A', '-ww', '-o', PS_COLUMNS] : ['-p', String(pid), '-ww', '-o', PS_COLUMNS],
      );
    } catch {
      // ps exits 1 when -p names no process.
      return [];
    }
    return text
      .split('\n')
      .map(parsePsLine)
      .filter((e) => e !== undefined);
  };
  const strip = ({ args: _args, ...entry }: ProcessEntry & { args: string }): ProcessEntry => entry;
  return {
    source: 'ps',
    hasEnvironments: false,
    list: () => query().map(strip),
    get(pid) {
      const found = query(pid).find((e) => e.pid === pid);
      return found ? strip(found) : undefined;
    },
    cmdline(pid) {
      const found = query(pid).find((e) => e.pid === pid);
      return found?.args ? found.args.split(' ') : undefined;
    },
    environ: () => undefined,
    getenv: () => null,
    cwd: () => undefined,
  };
}

let defaultTable: ProcessTable | null | undefined;

/** `/proc` where it exists, else `ps` where it runs, else null (no process search possible). Memoized. */
export function defaultProcessTable(): ProcessTable | null {
  if (defaultTable !== undefined) return defaultTable;
  if (existsSync('/proc/self/stat')) defaultTable = procTable();
  else if (psTable().get(process.pid)) defaultTable = psTable();
  else defaultTable = null;
  return defaultTable;
}

/** This process's effective uid, or -1 where the platform has none (Windows). */
export function currentUid(): number {
  return process.geteuid?.() ?? -1;
}
