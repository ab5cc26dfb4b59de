/**
 * A FIFO the agent left in its folder must not block the worker when it collects files to attach (reading a FIFO
 * without a writer waits forever). Needs `mkfifo`, a process: an integration test.
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachableFiles, prepareWorkspace } from '../../../src/worker/workspace.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { tempDir } from '../../helpers/agent.js';

describe('attachableFiles and a FIFO', () => {
  it.runIf(process.platform !== 'win32')('skips it without blocking, and attaches the rest', async () => {
    const root = await tempDir();
    const ws = await prepareWorkspace({
      workDir: join(root, 'workers'),
      workerId: 'w1',
      task: makeTask(),
      prompt: 'p',
    });
    await writeFile(join(ws.dir, 'answer.txt'), 'the answer');
    execFileSync('mkfifo', [join(ws.dir, 'pipe')]);
    const { files } = await attachableFiles(ws);
    expect(files.map((f) => f.name)).toEqual(['answer.txt']);
  });
});
