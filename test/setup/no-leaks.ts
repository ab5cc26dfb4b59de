/**
 * Setup file of the projects whose files share a thread (`isolate: false`): a file that leaves `process.env`
 * changed fails, naming the keys, and the next file still starts with the environment it would have had alone.
 * (The working directory cannot leak: `process.chdir` throws in a worker thread.) Before this check, tests that set
 * `DISCORD_API_URL` and `RUNTIME_DIR` for `submit` sent later files' commands to an emulator already closed
 * (ECONNREFUSED) and to another file's local queue.
 */
import { afterAll, beforeAll } from 'vitest';
import { changedEnv, restoreEnv, saveEnv } from '../helpers/env.js';

let saved: NodeJS.ProcessEnv = {};

beforeAll(() => {
  saved = saveEnv();
});

afterAll(() => {
  const changed = changedEnv(saved);
  restoreEnv(saved);
  if (changed.length > 0)
    throw new Error(
      `this test file left process.env changed for the next one: ${changed.join(', ')}; ` +
        'restore it (useEnv() from test/helpers/env.ts)',
    );
});
