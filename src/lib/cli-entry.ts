/**
 * How to start this program's own CLI in a child process (the manager starts workers this way). From the built
 * package that is `node dist/cli/index.js`; from the TypeScript sources (tests, `tsx`) it needs the tsx loader.
 */
import { fileURLToPath } from 'node:url';

/** argv prefix (executable first) that runs `dorch`. */
export function cliCommand(): string[] {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Resolved from here, not from the child's cwd, so it works wherever the child runs.
    return [
      process.execPath,
      '--import',
      import.meta.resolve('tsx'),
      fileURLToPath(new URL('../cli/index.ts', here)),
    ];
  }
  return [process.execPath, fileURLToPath(new URL('../cli/index.js', here))];
}
