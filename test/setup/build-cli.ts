/**
 * Vitest global setup: transpile `src/` into `dist/` once (esbuild, the same TypeScript-to-JavaScript transform
 * that tsx applies on the fly, about a second for the whole tree), so the tests that spawn the CLI run plain
 * `node dist/cli/index.js` as users do. Through tsx every spawned CLI paid about a second of CPU more (measured:
 * `submit` without a config 1.5–2.0 s of CPU with tsx, 0.7–0.8 s from dist/), and the end-to-end tests spawn over
 * a hundred. Type checking is `npm run typecheck`'s job, and the `tsc` build is `npm start`'s (CI runs both).
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '../..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

export default async function setup(): Promise<void> {
  const { outputFiles } = await build({
    entryPoints: await sources(join(ROOT, 'src')),
    outbase: join(ROOT, 'src'),
    outdir: join(ROOT, 'dist'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    write: false,
  });
  // Only changed files are written, each atomically (a temporary file renamed over it): another test run, or a
  // dorch started from dist/, never reads a half-written module.
  await Promise.all(
    outputFiles.map(async (file) => {
      const current = await readFile(file.path).catch(() => null);
      if (current && Buffer.compare(current, file.contents) === 0) return;
      await mkdir(dirname(file.path), { recursive: true });
      const temporary = `${file.path}.${process.pid}.tmp`;
      await writeFile(temporary, file.contents);
      await rename(temporary, file.path);
    }),
  );
}
