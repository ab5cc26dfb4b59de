import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalBus } from '../../../../src/bus/local/local-bus.js';

const CHILD = fileURLToPath(new URL('./fixtures/claim-race-child.ts', import.meta.url));
const PROCESSES = 4;
const TASKS = 50;

let runtimeDir: string;
beforeEach(async () => {
  runtimeDir = await mkdtemp(join(tmpdir(), 'local-bus-race-'));
});
afterEach(() => rm(runtimeDir, { recursive: true, force: true }));

// Start a racer and resolve once it is ready; `result` resolves with the ids it won.
async function startRacer(workerId: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, runtimeDir, workerId], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  while (!stdout.includes('ready\n')) {
    await Promise.race([once(child.stdout, 'data'), exited.then(() => Promise.reject(new Error(stderr)))]);
  }
  const result = exited.then(([code]) => {
    if (code !== 0) throw new Error(`${workerId} exited with ${code}: ${stderr}`);
    return JSON.parse(stdout.split('\n').filter(Boolean).at(-1) ?? '[]') as string[];
  });
  return { go: () => child.stdin.write('go\n'), result };
}

it(`${PROCESSES} processes racing for ${TASKS} tasks claim each exactly once`, async () => {
  const submitter = new LocalBus({ runtimeDir });
  const submitted = new Set<string>();
  for (let i = 0; i < TASKS; i++) submitted.add((await submitter.submit(`race task ${i}`)).taskId);

  const racers = await Promise.all(
    Array.from({ length: PROCESSES }, (_, i) => startRacer(`worker-${i + 1}`)),
  );
  for (const racer of racers) racer.go();
  const won = await Promise.all(racers.map((r) => r.result));

  const all = won.flat();
  expect(all).toHaveLength(TASKS);
  expect(new Set(all)).toEqual(submitted);
  // Every task finished exactly once, by the process that won it.
  for (const [i, ids] of won.entries()) {
    for (const id of ids) expect(await submitter.findResult(id)).toBe(`[SUCCESS] ${id} by worker-${i + 1}`);
  }
  const results = (await readFile(submitter.store.resultsLog, 'utf8')).split('\n').filter(Boolean);
  expect(results).toHaveLength(TASKS);
  expect(await readdir(submitter.store.pendingDir)).toEqual([]);
  expect(await readdir(submitter.store.claimedDir)).toEqual([]);
  await submitter.close();
});
