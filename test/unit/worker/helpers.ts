// Shared helpers for the worker unit tests (not a test file).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, vi } from 'vitest';
import type { AgentResult } from '../../../src/agent/runner.js';
import { Worker } from '../../../src/worker/worker.js';
import type { WorkerOptions } from '../../../src/worker/options.js';
import type { CostSeam, LedgerEntry } from '../../../src/cost/accounting.js';
import type { ModelSettings } from '../../../src/task/models.js';
import { FakeBus } from '../../helpers/fake-bus.js';
import { FakeRunner } from '../../helpers/fake-runner.js';

/** Aliases the tests resolve against. */
export const MODELS: ModelSettings = {
  aliases: {
    cheap: 'openrouter/acme/cheap-1',
    primary: 'openrouter/acme/primary-1',
    coder: 'openrouter/acme/coder-1',
  },
  defaultModel: 'primary',
  defaultThinking: 'low',
};

/** A cost seam of spies: a fixed price, no budget, no per-task limit (override with mockResolvedValue etc.). */
export function fakeCost() {
  return {
    costOf: vi.fn((r: AgentResult) => ({ costUsd: r.costUsd ?? 0.000218, known: true })),
    record: vi.fn(async (_entry: LedgerEntry) => undefined),
    claimBlocker: vi.fn(async (): Promise<string | null> => null),
    overTaskLimit: vi.fn((_costUsd: number): string | null => null),
  } satisfies CostSeam;
}

const dirs: string[] = [];
const workers: Worker[] = [];

afterEach(async () => {
  // A failed assertion must not leave a worker polling into the next test.
  for (const w of workers.splice(0)) w.stop(0);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dorch-worker-'));
  dirs.push(dir);
  return dir;
}

/** Everything one worker test needs. */
export interface Rig {
  dir: string;
  workDir: string;
  runtimeDir: string;
  bus: FakeBus;
  runner: FakeRunner;
  cost: ReturnType<typeof fakeCost>;
  /** Build a worker over this rig (same dirs); options override the fast test defaults. */
  worker(options?: Partial<WorkerOptions>): Worker;
}

/** A temp workDir/runtimeDir, a fake bus, a fake runner and a fake cost seam. */
export async function rig(): Promise<Rig> {
  const dir = await tempDir();
  const r: Rig = {
    dir,
    workDir: join(dir, 'workers'),
    runtimeDir: join(dir, '.runtime'),
    bus: new FakeBus(),
    runner: new FakeRunner(),
    cost: fakeCost(),
    worker(options = {}) {
      const w = new Worker({
        workerId: 'w1',
        bus: r.bus,
        runner: r.runner,
        models: MODELS,
        cost: r.cost,
        workDir: r.workDir,
        runtimeDir: r.runtimeDir,
        pollIntervalMs: 10,
        maxIdleMs: 0,
        heartbeatMs: 60_000,
        maxBackoffMs: 5,
        random: () => 0.5,
        ...options,
      });
      workers.push(w);
      return w;
    },
  };
  return r;
}

/** Wait (real time, short polls) until `condition` holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
