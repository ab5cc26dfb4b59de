/** Turning a failed spawn into a short phrase that names the command. */
import { existsSync } from 'node:fs';

/** A short phrase saying why a command could not start, naming it. */
export function describeSpawnError(command: string, error: NodeJS.ErrnoException, cwd?: string): string {
  if (error.code === 'ENOENT') {
    // Node reports a missing cwd as `spawn <command> ENOENT`, which would blame the command.
    if (cwd && !existsSync(cwd)) return `working directory ${cwd} does not exist`;
    return command.includes('/') ? `\`${command}\` does not exist` : `\`${command}\` not found on PATH`;
  }
  if (error.code === 'EACCES') return `\`${command}\` is not executable (permission denied)`;
  if (error.code === 'ENOTDIR') return `\`${command}\` or the working directory is not a valid path`;
  return `\`${command}\` failed to start: ${error.message}`;
}
