/**
 * `dorch costs` over what real workers recorded: the local ledger, and the #results history of the fleet
 * (read back from the emulator), must give the same totals.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentRequest, AgentResult, AgentRunner } from '../../src/agent/runner.js';
import { costs } from '../../src/cli/commands/costs/index.js';
import type { CostSummary } from '../../src/cost/summary.js';
import { useEmulator } from '../helpers/emulator.js';
import { useEnv } from '../helpers/env.js';
import { emulatorEnv, results, scratch, startWorker, waitFor, submitterBus } from '../helpers/fleet.js';

/** Reports fixed usage and cost per task: 1200 prompt tokens (200 cached), 300 out, $0.0125. */
class PricedRunner implements AgentRunner {
  readonly name = 'priced';
  async check(): Promise<void> {}
  async run(request: AgentRequest): Promise<AgentResult> {
    return {
      ok: true,
      text: `done ${request.taskId}`,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 3,
      model: 'acme/model-x',
      usage: { input: 1000, output: 300, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.0125,
      notes: [],
    };
  }
}

describe('dorch costs', () => {
  const emu = useEmulator({ workers: 2 });
  useEnv();

  it('sums the local ledger and the fleet history to the same totals', async () => {
    const dir = await scratch();
    const workers = await Promise.all(
      [0, 1].map((index) => startWorker(emu.world, { dir, index, runner: new PricedRunner() })),
    );
    const bus = submitterBus(emu.world);
    for (let i = 0; i < 4; i++) await bus.submit(`priced task ${i}`);
    try {
      await waitFor(async () => (await results(emu.running)).length >= 4, 30_000, '4 results');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await bus.close();
    }

    const run = async (fleet: boolean): Promise<CostSummary> => {
      const out: string[] = [];
      Object.assign(process.env, emulatorEnv(emu.world), { RUNTIME_DIR: join(dir, '.runtime') });
      await costs({ json: true, fleet, config: join(dir, 'none.env') }, { print: (l) => out.push(l) });
      return JSON.parse(out.join('\n')) as CostSummary;
    };
    const local = await run(false);
    const fleet = await run(true);
    for (const summary of [local, fleet]) {
      expect(summary.total).toMatchObject({ tasks: 4, failed: 0, input: 4000, cacheRead: 800, output: 1200 });
      expect(summary.total.costUsd).toBeCloseTo(0.05, 9);
      expect(summary.byModel.map((m) => m.key)).toEqual(['acme/model-x']);
      expect(summary.byWorker.reduce((n, w) => n + w.tasks, 0)).toBe(4);
    }
  }, 60_000);
});

describe('a price table that cannot be read', () => {
  const emu = useEmulator({ workers: 1 });

  it("is said once in the worker's warnings, and the worker still starts", async () => {
    const dir = await scratch();
    const path = join(dir, 'openclaw.json');
    await writeFile(path, '{ models: { providers: ');
    const worker = await startWorker(emu.world, {
      dir,
      runner: new PricedRunner(),
      env: { OPENCLAW_CONFIG_PATH: path },
    });
    try {
      expect(worker.wired.warnings).toEqual([
        expect.stringMatching(/^no price table \(.*openclaw\.json: not valid JSON5/),
      ]);
    } finally {
      await worker.stop();
    }
  });

  it('a missing one is no problem: no warning', async () => {
    const dir = await scratch();
    const env = { OPENCLAW_CONFIG_PATH: join(dir, 'none.json') };
    const worker = await startWorker(emu.world, { dir, runner: new PricedRunner(), env });
    try {
      expect(worker.wired.warnings).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});
