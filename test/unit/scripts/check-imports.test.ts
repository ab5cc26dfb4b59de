import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkImports, importsOf, LAYERS } from '../../../scripts/check-imports.js';

const fixture = fileURLToPath(new URL('../../fixtures/import-layers', import.meta.url));

describe('check-imports', () => {
  it('names each import that goes against the layer table, type-only and dynamic ones included', () => {
    const { violations } = checkImports(fixture, LAYERS);
    expect(violations).toEqual([
      'bus/bus.ts: imports ../worker/worker.js (layer bus may not import layer worker)',
      'config/schema.ts: imports ../worker/worker.js (layer config may not import layer worker)',
      'emulator/server.ts: imports ../task/tags.js (layer emulator may not import layer task)',
    ]);
  });

  it('reports an import cycle with its files', () => {
    const { cycles } = checkImports(fixture, LAYERS);
    expect(cycles).toEqual(['cycle: task/models.ts -> task/tags.ts -> task/models.ts']);
  });

  it('reads every kind of relative import and ignores packages', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "type F = typeof import('./f.js');",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importsOf('x.ts', text)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js']);
  });

  it('a layer missing from the table is an error, so a new folder is placed on purpose', () => {
    const { emulator: _placed, ...withoutEmulator } = LAYERS;
    const { violations } = checkImports(fixture, withoutEmulator);
    expect(violations).toContain(
      'emulator/server.ts: imports ../lib/clock.js (layer emulator is not in the table)',
    );
  });
});
