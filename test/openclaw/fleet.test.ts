/**
 * The whole path with the real OpenClaw CLI: a task posted to the emulator's #task-queue → `dorch worker` (a real
 * process) → `openclaw agent --local --json` → the fake model server → the result in #results, whose tokens and
 * cost must equal what the fake server's usage implies at the configured prices:
 * 1234 prompt tokens (200 cached) + 56 completion at $3 / $15 / $0.30 per 1M = $0.004002.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';
import { useEmulator } from '../helpers/emulator.js';
import { collect, emulatorEnv, results, scratch, spawnCli, submitterBus } from '../helpers/fleet.js';
import {
  createOpenClawScratch,
  requireOpenClawInstall,
  skipRealOpenClaw,
  type OpenClawScratch,
} from '../helpers/openclaw.js';

// Skipped only on explicit request (DORCH_SKIP_OPENCLAW=1): the install is ~650 MB; CI installs it.
describe.skipIf(skipRealOpenClaw())('worker with the real OpenClaw CLI', () => {
  const emu = useEmulator({ workers: 1 });
  let server: FakeModelServer;
  let oc: OpenClawScratch;

  beforeAll(async () => {
    requireOpenClawInstall();
    server = await startFakeModelServer();
    oc = await createOpenClawScratch({ baseUrl: server.url });
  });
  afterAll(async () => {
    await server?.close();
    await oc?.cleanup();
  });

  it('posts the answer with the exact tokens and cost to #results, and records it in the ledger', async () => {
    const dir = await scratch();
    const submitter = submitterBus(emu.world);
    const { taskId } = await submitter.submit('Say hello to the fleet [thinking:off]');
    const worker = spawnCli(['worker', '--id', 'worker-1', '--restart-per-task'], {
      cwd: dir,
      env: {
        ...emulatorEnv(emu.world),
        PATH: oc.env.PATH ?? '',
        HOME: oc.home,
        TMPDIR: oc.env.TMPDIR ?? '',
        OPENCLAW_CONFIG_PATH: oc.configPath,
        OPENCLAW_OFFLINE: '1',
        DEFAULT_MODEL: 'fake/fake-model',
        TASK_TIMEOUT: '150',
        POLL_INTERVAL: '0.5',
      },
    });
    const run = collect(worker);
    // With --restart-per-task the worker exits after its task (the seed's clean restart).
    expect(await run.exited, run.output()).toBe(0);

    const posted = (await results(emu.running)).find((r) => r.header?.taskId === taskId);
    expect(posted, run.output()).toBeDefined();
    expect(posted!.header?.outcome).toBe('SUCCESS');
    expect(posted!.content).toContain(
      'Model: fake/fake-model | Thinking: off | Tokens: 1234 in (200 cached) / 56 out | Cost: $0.004002',
    );
    expect(posted!.content).toContain('FAKE-REPLY:');
    // OpenClaw called the fake model with the task's prompt.
    expect(JSON.stringify(server.requests.map((r) => r.body))).toContain('Say hello to the fleet');

    const ledger = (await readFile(join(dir, '.runtime', 'ledger.jsonl'), 'utf8')).trim().split('\n');
    const record = JSON.parse(ledger.at(-1)!);
    expect(record).toMatchObject({
      taskId,
      workerId: 'worker-1',
      model: 'fake/fake-model',
      outcome: 'SUCCESS',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
    });
    expect(record.costUsd).toBeCloseTo(0.004002, 9);
    await submitter.close();
  }, 240_000);
});
