/**
 * End to end over real sockets: the emulator, `dorch manager` with 3 worker processes (distinct bot tokens), and
 * 30 tasks submitted at once. Every task must be claimed and run exactly once and reported exactly once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import {
  agentRuns,
  collect,
  fixtureEnv,
  results,
  scratch,
  spawnCli,
  waitFor,
  submitterBus,
} from '../helpers/fleet.js';

const TASKS = 30;

describe('fleet: manager + 3 workers + 30 tasks', () => {
  // Rate limits off here: 30 posts to one channel at Discord's 5 per 5 s would only make this test slow. The
  // contention test and the conformance suite run with them on.
  const emu = useEmulator({ workers: 3, rateLimits: false });

  it('runs and reports every task exactly once, in the seed format, with statuses (push mode, keep-alive)', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const manager = spawnCli(['manager', '--workers', '3'], {
      cwd: dir,
      env: fixtureEnv(emu.world, { agent: 'ok', agentLog, env: { MACHINE_NAME: 'box' } }),
    });
    const run = collect(manager);

    const submitter = submitterBus(emu.world);
    const submitted = await Promise.all(
      Array.from({ length: TASKS }, (_, i) =>
        submitter.submit(
          `Task number ${i} [model:${i % 2 ? 'coder' : 'cheap'}] [thinking:${i % 3 ? 'low' : 'high'}]`,
        ),
      ),
    );
    const ids = submitted.map((s) => s.taskId).sort();

    try {
      await waitFor(async () => (await results(emu.running)).length >= TASKS, 150_000, `${TASKS} results`);
    } finally {
      // Counted once the manager (and so every worker) has exited: nothing is left that could post a duplicate.
      manager.kill('SIGTERM');
    }
    expect(await run.exited).toBe(0);

    const posted = await results(emu.running);
    expect(posted).toHaveLength(TASKS);
    const reported = posted.map((r) => r.header?.taskId).sort();
    expect(reported).toEqual(ids);
    for (const r of posted) {
      expect(r.header?.outcome).toBe('SUCCESS');
      expect(r.content).toMatch(
        /^Model: openrouter\/\S+ \| Thinking: (low|high) \| Tokens: \d+ in \(5 cached\) \/ \d+ out \| Cost: \$0\.000123$/m,
      );
      expect(r.content).toMatch(/📁 Workspace: `workers\/box-[123]\/tasks\/discord-\d+` on `box`/);
      expect(r.header?.workerId).toMatch(/^box-[123]$/);
    }

    // Each agent ran exactly once per task.
    const runs = (await agentRuns(agentLog)).sort();
    expect(runs).toEqual(ids);

    // #worker-pool: one status message per worker, in the seed's form, edited in place; the last word is STOPPING.
    const pool = (await emu.admin.messages(emu.world.channels.workerPool)).map((m) => m.content);
    expect(pool.sort()).toEqual(['box-1', 'box-2', 'box-3'].map((w) => `[${w}] [STOPPING] Stopped (on box)`));
    // Each said it was working at some point (the manager prints every status it hears).
    for (const w of ['box-1', 'box-2', 'box-3'])
      expect(run.output()).toMatch(new RegExp(`${w} +CLAIMED +Working on discord-`));

    // Every task message carries its claim thread and the done mark; the thread is archived and named for the outcome.
    const queue = await emu.admin.messages(emu.world.channels.taskQueue);
    for (const id of ids) {
      const message = queue.find((m) => `discord-${m.id}` === id)!;
      const marks = (message.reactions ?? []).map((r) => r.emoji.name);
      expect(marks).toContain('🏁');
      const thread = await emu.admin.channel(message.id);
      expect((thread.thread_metadata as { archived: boolean }).archived).toBe(true);
      expect(thread.name).toMatch(/^🏁 box-[123] · SUCCESS in /);
    }
    // No token in anything the fleet printed or logged.
    const logs = await Promise.all(
      (await readdir(join(dir, '.runtime', 'logs'))).map((f) =>
        readFile(join(dir, '.runtime', 'logs', f), 'utf8'),
      ),
    );
    const secrets = [emu.world.tokens.submitter, ...emu.world.tokens.workers];
    for (const text of [run.output(), ...logs])
      for (const secret of secrets) expect(text).not.toContain(secret);
    await submitter.close();
  }, 200_000);
});
