/**
 * Locate an executable the way `execvp` would, so a missing agent binary is reported at start-up, not per task.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path `command` would run as, or undefined when there is no such executable file.
 * A command containing a `/` is a path (resolved against `cwd`); otherwise each `PATH` entry of `env` is searched
 * (an empty entry means `cwd`, as in POSIX shells). POSIX semantics: Windows `PATHEXT` is not considered.
 */
export async function findExecutable(
  command: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<string | undefined> {
  if (command === '') return undefined;
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    return (await isExecutableFile(path)) ? path : undefined;
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = resolve(cwd, join(dir || '.', command));
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
