import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findExecutable } from '../../../../src/agent/command/find-executable.js';
import { tempDir } from '../../../helpers/agent.js';

describe('findExecutable', () => {
  it('searches PATH in order and skips non-executable files and directories', async () => {
    const dir = await tempDir();
    for (const sub of ['a', 'b', 'c']) await mkdir(join(dir, sub));
    await writeFile(join(dir, 'a', 'tool'), '');
    await chmod(join(dir, 'a', 'tool'), 0o644);
    await mkdir(join(dir, 'b', 'tool'));
    await writeFile(join(dir, 'c', 'tool'), '#!/bin/sh\n');
    await chmod(join(dir, 'c', 'tool'), 0o755);
    const PATH = ['a', 'b', 'c'].map((s) => join(dir, s)).join(':');
    expect(await findExecutable('tool', { PATH })).toBe(join(dir, 'c', 'tool'));
    expect(await findExecutable('missing', { PATH })).toBeUndefined();
    expect(await findExecutable('tool', {})).toBeUndefined();
  });

  it('resolves a path against cwd', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'run.sh'), 0o755);
    expect(await findExecutable('./run.sh', {}, dir)).toBe(join(dir, 'run.sh'));
    expect(await findExecutable(join(dir, 'run.sh'), {})).toBe(join(dir, 'run.sh'));
    expect(await findExecutable('./nope.sh', {}, dir)).toBeUndefined();
  });

  it('finds node on the real PATH', async () => {
    expect(await findExecutable('node')).toMatch(/node$/);
  });
});
