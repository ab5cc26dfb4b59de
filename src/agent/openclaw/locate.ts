/**
 * Finding the `openclaw` executable and the Node it will run under. Order: the configured `bin` (`OPENCLAW_BIN`),
 * then `openclaw` on PATH, then the project's own install from scripts/install-openclaw.sh
 * (`.tools/openclaw/node_modules/.bin/openclaw`, run with `.tools/node24` first on PATH because the CLI's shebang is
 * `#!/usr/bin/env node`).
 */
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to start OpenClaw. */
export interface OpenClawLaunch {
  /** The executable to spawn. */
  command: string;
  /** Where it was found. */
  source: 'bin' | 'path' | 'tools';
  /** A folder to put first on the child's PATH (the Node 24 of the `.tools` install). */
  pathPrepend?: string;
}

/** The project's `.tools` folder (this file is `src|dist/agent/openclaw/locate.*`, three levels below the root). */
export const DEFAULT_TOOLS_DIR = fileURLToPath(new URL('../../../.tools', import.meta.url));

/** Paths of the `.tools` install inside a tools folder. */
export function toolsPaths(toolsDir: string): { openclaw: string; nodeBinDir: string; node: string } {
  const nodeBinDir = join(toolsDir, 'node24', 'node_modules', '.bin');
  return {
    openclaw: join(toolsDir, 'openclaw', 'node_modules', '.bin', 'openclaw'),
    nodeBinDir,
    node: join(nodeBinDir, 'node'),
  };
}

/** True when `path` is an executable regular file. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` in a PATH value. */
export function findOnPath(
  name: string,
  pathValue: string | undefined,
  isExecutable: (path: string) => boolean = isExecutableFile,
): string | undefined {
  for (const dir of (pathValue ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Inputs of {@link locateOpenClaw}. */
export interface LocateInput {
  /** Configured executable (`OPENCLAW_BIN`): a path, or a name looked up on PATH. */
  bin?: string;
  /** The PATH the child will get (before any prepend). */
  pathValue: string | undefined;
  toolsDir: string;
  isExecutable?: (path: string) => boolean;
}

/**
 * Picks the executable, or undefined when there is none. A configured `bin` is returned even when it does not exist,
 * so the start-up check names it in its error instead of silently using another one.
 */
export function locateOpenClaw(input: LocateInput): OpenClawLaunch | undefined {
  const isExecutable = input.isExecutable ?? isExecutableFile;
  if (input.bin) {
    const onPath = input.bin.includes('/') ? undefined : findOnPath(input.bin, input.pathValue, isExecutable);
    return { command: onPath ?? (isAbsolute(input.bin) ? input.bin : resolve(input.bin)), source: 'bin' };
  }
  const onPath = findOnPath('openclaw', input.pathValue, isExecutable);
  if (onPath) return { command: onPath, source: 'path' };
  const tools = toolsPaths(input.toolsDir);
  if (isExecutable(tools.openclaw)) {
    return {
      command: tools.openclaw,
      source: 'tools',
      ...(isExecutable(tools.node) ? { pathPrepend: tools.nodeBinDir } : {}),
    };
  }
  return undefined;
}

/** The PATH value the child gets. */
export function childPathValue(launch: OpenClawLaunch, pathValue: string | undefined): string {
  return [launch.pathPrepend, pathValue].filter(Boolean).join(delimiter);
}

// The first line of a file, if it is a `#!` line.
function readShebang(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(realpathSync(path), 'r');
    const buffer = Buffer.alloc(256);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    const line = buffer.subarray(0, n).toString('utf8').split('\n')[0] ?? '';
    return line.startsWith('#!') ? line.slice(2).trim() : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The Node interpreter a script runs under, read from its shebang: `#!/usr/bin/env node` means the first `node` on
 * the child's PATH, `#!/path/to/node` that file. Undefined when the executable is not a Node script (a binary, a
 * shell wrapper) or the interpreter cannot be found; the version check then relies on `--version` alone.
 */
export function nodeInterpreterFor(
  command: string,
  childPath: string,
  isExecutable: (path: string) => boolean = isExecutableFile,
): string | undefined {
  const shebang = readShebang(command);
  if (!shebang) return undefined;
  const words = shebang.split(/\s+/).filter((w) => w !== '-S' && !w.startsWith('-'));
  const [interpreter, firstArg] = words;
  if (!interpreter) return undefined;
  if (/(^|\/)env$/.test(interpreter)) {
    return firstArg && /^node(js)?$/.test(firstArg)
      ? findOnPath(firstArg, childPath, isExecutable)
      : undefined;
  }
  return /(^|\/)node(js)?[\d.]*$/.test(interpreter) && isExecutable(interpreter) ? interpreter : undefined;
}
