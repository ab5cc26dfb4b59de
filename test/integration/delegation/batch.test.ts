/**
 * Fan-out and gather against the emulator, as a program or an agent uses it: `dorch submit --task … --wait --json`
 * (called as the CLI calls it), a batch cut by its cost limit, and the library API with an aborted signal.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AbortedError, connect } from '../../../src/api/index.js';
import type { TaskResult } from '../../../src/api/result.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../../../src/agent/runner.js';
import { submit } from '../../../src/cli/commands/submit/index.js';
import { waitCommand } from '../../../src/cli/commands/wait/index.js';
import { ExitError } from '../../../src/cli/errors.js';
import { writeEnvFile } from '../../../src/config/env-file.js';
import { readResultLine } from '../../../src/task/format.js';
import { DEFAULT_MODEL_ALIASES } from '../../../src/task/models.js';
import { useEmulator } from '../../helpers/emulator.js';
import { emulatorEnv, scratch, startWorker, waitFor } from '../../helpers/fleet.js';

const emu = useEmulator({ workers: 3, rateLimits: false });

/** Answers by prompt: `slow…` runs until cancelled; `fail…` fails; anything else succeeds at `costUsd`. */
class ByPrompt implements AgentRunner {
  readonly name = 'by-prompt';
  readonly started: string[] = [];
  constructor(readonly costUsd = 0.01) {}
  async check(): Promise<void> {}
  async run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    this.started.push(request.prompt);
    const base = {
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 5,
      model: request.model,
      usage: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 },
      costUsd: this.costUsd,
      notes: [],
    };
    if (request.prompt.startsWith('slow')) {
      await new Promise<void>((resolve) => {
        if (signal?.aborted) resolve();
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
      return { ...base, ok: false, text: '', error: 'killed', exitCode: null, signal: 'SIGTERM', costUsd: 0 };
    }
    if (request.prompt.startsWith('fail'))
      return { ...base, ok: false, text: '', error: 'it broke', exitCode: 1 };
    return { ...base, ok: true, text: `answer to ${request.prompt}` };
  }
}

async function configFile(): Promise<string> {
  const dir = await scratch();
  const file = join(dir, 'discord-config.env');
  writeEnvFile(file, {
    ...emulatorEnv(emu.world),
    RUNTIME_DIR: join(dir, '.runtime'),
    MACHINE_NAME: 'laptop',
  });
  return file;
}

async function exitCode(run: Promise<unknown>): Promise<number> {
  return run.then(
    () => 0,
    (error: unknown) => {
      if (error instanceof ExitError) return error.exitCode;
      throw error;
    },
  );
}

const resultsIn = async () =>
  (await emu.admin.messages(emu.world.channels.results)).map((m) => readResultLine(m.content)!);

describe('fan-out and gather', () => {
  const stops: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    await emu.admin.seed({ workers: 3 });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  const workers = async (runner: AgentRunner, n = 3) => {
    for (let i = 0; i < n; i++) {
      const w = await startWorker(emu.world, { dir: await scratch(), index: i, runner });
      stops.push(() => w.stop());
    }
  };

  it('submit --wait --json with 10 tasks on mixed models: every result once, any order, exit 0; one failure → exit 1', async () => {
    const file = await configFile();
    await workers(new ByPrompt(0.002));
    const models = ['cheap', 'primary', 'coder', 'research', 'openrouter/acme/model-x'];
    const tasks = Array.from({ length: 10 }, (_, i) => `task ${i} [model:${models[i % models.length]}]`);
    const out: string[] = [];
    const started = Date.now();
    const code = await exitCode(
      submit({
        config: file,
        task: tasks,
        wait: true,
        json: true,
        timeout: 60,
        pollMs: 150,
        print: (l) => out.push(l),
      }),
    );
    const wallMs = Date.now() - started;
    expect(code).toBe(0);
    const lines = out.map((l) => JSON.parse(l) as TaskResult);
    expect(lines).toHaveLength(10);
    expect(new Set(lines.map((r) => r.taskId)).size).toBe(10);
    for (const [i, task] of tasks.entries()) {
      const r = lines.find((l) => l.text === `answer to task ${i}`);
      const alias = models[i % models.length]!;
      expect(r, task).toMatchObject({
        ok: true,
        outcome: 'SUCCESS',
        model: DEFAULT_MODEL_ALIASES[alias] ?? alias,
        costUsd: 0.002,
        tokens: { input: 100, cached: 0, output: 20 },
        attachments: [],
      });
      expect(r!.durationMs).toBeGreaterThan(0);
      expect(r!.worker).toMatch(/^worker-[123]$/);
    }
    // Exactly one result message per task in #results.
    const posted = (await resultsIn()).map((r) => r.taskId).sort();
    expect(posted).toEqual(lines.map((r) => r.taskId).sort());
    console.info(`batch of 10 on 3 in-process workers: ${wallMs} ms wall`);

    // A batch with a failing task: all results still printed (at the end, one object), exit 1.
    const end: string[] = [];
    const failed = await exitCode(
      submit({
        config: file,
        task: ['fine one', 'fail this one [model:coder]', 'fine two'],
        wait: true,
        json: true,
        atEnd: true,
        timeout: 60,
        pollMs: 150,
        print: (l) => end.push(l),
      }),
    );
    expect(failed).toBe(1);
    expect(end).toHaveLength(1);
    const report = JSON.parse(end[0]!) as { ok: boolean; results: TaskResult[]; totalCostUsd: number };
    expect(report.ok).toBe(false);
    expect(report.results.map((r) => r.outcome)).toEqual(['SUCCESS', 'FAILED', 'SUCCESS']);
    expect(report.results[1]!.error).toContain('it broke');
  });

  it('a bad task in a batch posts nothing (exit 2, naming the task)', async () => {
    const file = await configFile();
    const err: unknown = await submit({
      config: file,
      task: ['fine', 'bad [model:nosuchalias]', 'forged [parent:discord-1]'],
      wait: true,
      json: true,
      print: () => undefined,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).exitCode).toBe(2);
    expect((err as ExitError).message).toMatch(/task 2: .*nosuchalias/);
    expect((err as ExitError).message).toMatch(/task 3: .*\[parent:\].*fleet only/);
    expect(await emu.admin.messages(emu.world.channels.taskQueue)).toHaveLength(0);
  });

  it('--max-cost: once the finished tasks reach it, the remaining ones are cancelled and reported CANCELLED (exit 1)', async () => {
    const file = await configFile();
    const runner = new ByPrompt(0.3);
    await workers(runner);
    const out: string[] = [];
    const ids: string[] = [];
    const code = await exitCode(
      submit({
        config: file,
        task: ['slow one', 'quick one', 'slow two', 'quick two'],
        wait: true,
        json: true,
        maxCost: 0.5,
        timeout: 60,
        pollMs: 150,
        print: (l) => {
          out.push(l);
          ids.push((JSON.parse(l) as TaskResult).taskId);
        },
      }),
    );
    expect(code).toBe(1);
    const results = out.map((l) => JSON.parse(l) as TaskResult);
    expect(results).toHaveLength(4);
    const byText = (p: string) => results.find((r) => r.message?.includes(p))!;
    expect(byText('quick one')).toMatchObject({ outcome: 'SUCCESS', costUsd: 0.3 });
    expect(byText('quick two')).toMatchObject({ outcome: 'SUCCESS', costUsd: 0.3 });
    expect(byText('slow one')).toMatchObject({ outcome: 'CANCELLED', ok: false });
    expect(byText('slow two')).toMatchObject({ outcome: 'CANCELLED', ok: false });
    // Each task has exactly one result on Discord; the cancelled ones never ran to the end.
    const posted = await resultsIn();
    expect(posted.map((r) => r.taskId).sort()).toEqual([...ids].sort());
    expect(posted.filter((r) => r.outcome === 'CANCELLED')).toHaveLength(2);
  });

  it('the API: an aborted signal posts nothing; an abort while waiting cancels the batch’s tasks', async () => {
    const file = await configFile();
    const fleet = await connect({ config: file, env: {} });
    try {
      const already = AbortSignal.abort(new Error('caller gave up'));
      await expect(fleet.gather([{ prompt: 'never posted' }], { signal: already })).rejects.toBeInstanceOf(
        AbortedError,
      );
      expect(await emu.admin.messages(emu.world.channels.taskQueue)).toHaveLength(0);

      const runner = new ByPrompt();
      await workers(runner, 2);
      const controller = new AbortController();
      const gathering = fleet.gather([{ prompt: 'slow a' }, { prompt: 'slow b' }], {
        signal: controller.signal,
        pollMs: 100,
      });
      await waitFor(async () => runner.started.length === 2, 15_000, 'both tasks running');
      controller.abort(new Error('caller gave up'));
      const error = (await gathering.catch((e: unknown) => e)) as AbortedError;
      expect(error).toBeInstanceOf(AbortedError);
      expect(error.cancelled).toHaveLength(2);
      // The cancels stop both runs: each gets its one CANCELLED result.
      await waitFor(async () => (await resultsIn()).length === 2, 15_000, 'two CANCELLED results');
      const posted = await resultsIn();
      expect(posted.map((r) => r.outcome)).toEqual(['CANCELLED', 'CANCELLED']);
      expect(posted.map((r) => r.taskId).sort()).toEqual([...error.cancelled].sort());

      // dorch wait on them now: results are in, both CANCELLED → exit 1.
      const lines: string[] = [];
      expect(
        await exitCode(
          waitCommand({ config: file, ids: error.cancelled, json: true, print: (l) => lines.push(l) }),
        ),
      ).toBe(1);
      expect(lines.map((l) => (JSON.parse(l) as TaskResult).outcome)).toEqual(['CANCELLED', 'CANCELLED']);
    } finally {
      await fleet.close();
    }
  });
});
