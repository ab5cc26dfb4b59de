/**
 * Many machines from one copied config: two `dorch manager` processes with the same `discord-config.env` (the same
 * worker bot tokens) and different host names (injected as MACHINE_NAME) claim and report without collision, and
 * statuses and results name each machine. And a manager whose worker meets a rejected token says which key and what
 * to do, and stops restarting it.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { status } from '../../src/cli/commands/status/index.js';
import { writeEnvFile } from '../../src/config/env-file.js';
import { readResultLine } from '../../src/task/format.js';
import { useEmulator } from '../helpers/emulator.js';
import {
  agentRuns,
  collect,
  emulatorEnv,
  fixtureAgent,
  results,
  scratch,
  spawnCli,
  submitterBus,
  threadOf,
  waitFor,
} from '../helpers/fleet.js';

const TASKS = 16;

describe('many machines', () => {
  const emu = useEmulator({ workers: 2, rateLimits: false });

  it('two managers from one copied config (two host names) run every task once and name their machine', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    const alpha = join(dir, 'alpha');
    const beta = join(dir, 'beta');
    await mkdir(alpha);
    await mkdir(beta);
    writeEnvFile(join(alpha, 'discord-config.env'), {
      ...emulatorEnv(emu.world),
      AGENT_RUNNER: 'command',
      AGENT_COMMAND: fixtureAgent('ok'),
      AGENT_ENV_PASS: 'AGENT_LOG,OK_DELAY_MS',
      POLL_INTERVAL: '0.3',
    });
    await copyFile(join(alpha, 'discord-config.env'), join(beta, 'discord-config.env'));
    // Only the host name differs (and the agent's knobs, which are not config).
    const machine = (cwd: string, name: string) => {
      const child = spawnCli(['manager', '--workers', '2'], {
        cwd,
        env: { MACHINE_NAME: name, AGENT_LOG: agentLog, OK_DELAY_MS: '300' },
      });
      return { child, ...collect(child) };
    };
    const managers = [machine(alpha, 'alpha'), machine(beta, 'beta')];
    const ids = ['alpha-1', 'alpha-2', 'beta-1', 'beta-2'];
    const pool = async () => (await emu.admin.messages(emu.world.channels.workerPool)).map((m) => m.content);
    const submitter = submitterBus(emu.world);
    try {
      await waitFor(
        async () => {
          const lines = await pool();
          return ids.every((id) => lines.some((l) => l.startsWith(`[${id}] [READY]`)));
        },
        60_000,
        'four workers READY',
      );
      const submitted = await Promise.all(
        Array.from({ length: TASKS }, (_, i) => submitter.submit(`Task ${i} on some machine`)),
      );
      const taskIds = submitted.map((s) => s.taskId).sort();
      await waitFor(async () => (await results(emu.running)).length >= TASKS, 150_000, `${TASKS} results`);

      // Exactly once: one result per task, one agent run per task, whichever machine took it.
      const posted = (await emu.admin.messages(emu.world.channels.results)).map((m) =>
        readResultLine(m.content)!,
      );
      expect(posted.map((r) => r.taskId).sort()).toEqual(taskIds);
      expect((await agentRuns(agentLog)).sort()).toEqual(taskIds);
      // Results say which machine ran each task, and worker ids never collide across machines.
      for (const r of posted) {
        expect(ids).toContain(r.by);
        expect(r.machine).toBe(r.by.split('-')[0]);
      }
      expect(new Set(posted.map((r) => r.machine))).toEqual(new Set(['alpha', 'beta']));
      // Each claim thread names the worker that reported the task.
      for (const r of posted) {
        const thread = await threadOf(emu.admin, r.taskId.slice('discord-'.length));
        expect(thread.name).toMatch(new RegExp(`^🏁 ${r.by} · SUCCESS in `));
      }
      // Status lines name the machine too (one message per worker, edited in place: READY again once it is idle).
      const ready = ids.map((id) => `[${id}] [READY] Online and waiting (on ${id.split('-')[0]})`);
      await waitFor(
        async () => {
          const lines = await pool();
          return ready.every((line) => lines.includes(line));
        },
        30_000,
        'every worker READY again, naming its machine',
      );

      // And `dorch status` from a third place (it runs no worker) shows both machines' workers.
      const laptop = join(dir, 'laptop');
      await mkdir(laptop);
      writeEnvFile(join(laptop, 'discord-config.env'), {
        ...emulatorEnv(emu.world),
        RUNTIME_DIR: join(laptop, '.rt'),
      });
      const report = await status({ config: join(laptop, 'discord-config.env'), print: () => undefined });
      expect(report.workers.map((w) => [w.workerId, w.machine])).toEqual(
        ids.map((id) => [id, id.split('-')[0]]),
      );
      expect(report.today.results).toBe(TASKS);
      expect(new Set(report.results.map((r) => r.machine))).toEqual(new Set(['alpha', 'beta']));
    } finally {
      for (const m of managers) m.child.kill('SIGTERM');
      await submitter.close();
    }
    for (const m of managers) expect(await m.exited, m.output()).toBe(0);
  }, 240_000);

  it('a worker whose token Discord rejects: the manager shows which key and what to do, and stops restarting it', async () => {
    const dir = await scratch();
    const agentLog = join(dir, 'agent.log');
    writeEnvFile(join(dir, 'discord-config.env'), {
      ...emulatorEnv(emu.world),
      AGENT_RUNNER: 'command',
      AGENT_COMMAND: fixtureAgent('ok'),
      AGENT_ENV_PASS: 'AGENT_LOG',
      POLL_INTERVAL: '0.3',
    });
    // Polling only: an idle worker in push mode makes a request only at its safety poll (every ~30 s), so it would
    // learn of the reset that much later; this test is about what the manager says then.
    const child = spawnCli(['manager', '--workers', '2', '--no-push'], {
      cwd: dir,
      env: { MACHINE_NAME: 'box', AGENT_LOG: agentLog },
    });
    const run = collect(child);
    const submitter = submitterBus(emu.world);
    try {
      await waitFor(
        async () => (run.output().match(/\[READY\]|READY {5}/g) ?? []).length >= 2,
        60_000,
        'two workers READY',
      );
      // Discord resets worker-2's token (as it does after too many logins): its next request gets 401.
      await emu.admin.gateway.resetToken(emu.world.users.workers[1]!);
      await waitFor(async () => run.output().includes('STOPPED'), 30_000, 'the STOPPED line');
      const out = run.output();
      expect(out).toMatch(
        /box-2 +STOPPED +WORKER2_TOKEN: Discord rejected WORKER2_TOKEN \(401 Unauthorized\).*Fix: .*WORKER2_TOKEN in discord-config\.env.*Not restarting it: a restart cannot fix this/,
      );
      expect(out).not.toMatch(/box-2 +EXITED/);
      // The other worker carries on; the stopped one is not started again.
      const { taskId } = await submitter.submit('still served by box-1');
      await waitFor(
        async () => (await results(emu.running)).some((r) => r.header?.taskId === taskId),
        60_000,
        'the result',
      );
      expect((await results(emu.running)).find((r) => r.header?.taskId === taskId)?.header?.workerId).toBe(
        'box-1',
      );
      expect(run.output().match(/box-2 +READY/g)).toHaveLength(1);
      // No token in what the manager printed, the old one included.
      for (const token of [emu.world.tokens.submitter, ...emu.world.tokens.workers])
        expect(run.output()).not.toContain(token);
    } finally {
      child.kill('SIGTERM');
      await submitter.close();
    }
    expect(await run.exited).toBe(0);
  }, 120_000);
});
