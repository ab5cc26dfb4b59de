/**
 * Push mode through the built command line: `dorch manager` holds the machine's one gateway session and hands new
 * tasks to its idle worker processes over IPC. Workers that restart after every task never identify; a gateway
 * that Discord closes for good (a reset token, a disallowed intent) stops the manager with the config key and the fix.
 * POLL_INTERVAL is 60 s throughout: a task claimed within seconds was pushed, not polled.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';
import {
  collect,
  fixtureEnv,
  results,
  scratch,
  spawnCli,
  submitterBus,
  threadOf,
  waitFor,
} from '../helpers/fleet.js';
import type { ChildProcess } from 'node:child_process';

// The emulator's identify window stays at Discord's 5 s: the manager identifies once, whatever happens.
const emu = useEmulator({ workers: 2, rateLimits: false });

let managers: ChildProcess[] = [];
beforeEach(async () => {
  await emu.admin.seed({ workers: 2 });
});
afterEach(async () => {
  for (const m of managers) if (m.exitCode === null) m.kill('SIGKILL');
  managers = [];
});

async function startManager(args: string[] = []) {
  const dir = await scratch();
  const child = spawnCli(['manager', '--workers', '2', ...args], {
    cwd: dir,
    env: fixtureEnv(emu.world, {
      agent: 'ok',
      agentLog: join(dir, 'agent.log'),
      env: { POLL_INTERVAL: '60' },
    }),
  });
  managers.push(child);
  const run = collect(child);
  return { child, run, dir };
}

const resultOf = (taskId: string) =>
  waitFor(
    async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
    60_000,
    `the result of ${taskId}`,
  );

async function pickupMs(messageId: string): Promise<number> {
  const thread = await threadOf(emu.admin, messageId);
  const posted = Number((BigInt(messageId) >> 22n) + 1420070400000n);
  return (
    Date.parse((thread.thread_metadata as unknown as { create_timestamp: string }).create_timestamp) - posted
  );
}

describe('dorch manager in push mode', () => {
  it('hands a new task to an idle worker at once (keep-alive workers, one gateway session)', async () => {
    const { child, run } = await startManager();
    await waitFor(async () => run.output().includes('push mode on'), 60_000, 'push mode');
    const bus = submitterBus(emu.world);
    // The first task may meet a worker's start-up poll; once it is done, both workers only wait for pushes.
    await resultOf((await bus.submit('first')).taskId);
    for (const text of ['second', 'third']) {
      const { taskId, messageId } = await bus.submit(text);
      await resultOf(taskId);
      expect(await pickupMs(messageId)).toBeLessThan(5_000);
    }
    const stats = await emu.admin.gateway.stats();
    expect(Object.values(stats.byBot).reduce((n, b) => n + b.identifies, 0)).toBe(1);
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await bus.close();
  }, 180_000);

  it('--restart-per-task: a fresh worker process per task, and still only the manager ever identifies', async () => {
    const { child, run } = await startManager(['--restart-per-task']);
    await waitFor(async () => run.output().includes('push mode on'), 60_000, 'push mode');
    const bus = submitterBus(emu.world);
    for (const text of ['one', 'two', 'three']) await resultOf((await bus.submit(text)).taskId);
    // Three worker processes exited after their task (and were replaced).
    await waitFor(
      async () => (run.output().match(/ RESTARTING /g) ?? []).length >= 3,
      30_000,
      'three restarts',
    );
    const stats = await emu.admin.gateway.stats();
    const bots = Object.values(stats.byBot);
    expect(bots.reduce((n, b) => n + b.identifies, 0)).toBe(1);
    expect(bots.reduce((n, b) => n + b.connections, 0)).toBe(1);
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await bus.close();
  }, 180_000);

  it("stops with the key and the fix when the gateway says the bot's token was reset (4004)", async () => {
    const { run } = await startManager();
    await waitFor(async () => run.output().includes('push mode on'), 60_000, 'push mode');
    await emu.admin.gateway.resetToken(emu.world.users.workers[0]!);
    // The resume after this close carries the old token: 4004.
    await emu.admin.gateway.disconnect({ userId: emu.world.users.workers[0]!, code: 4000 });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/WORKER1_TOKEN: the Discord gateway closed with 4004/);
    expect(run.output()).toMatch(/Reset Token\) into WORKER1_TOKEN/);
  }, 120_000);

  it('stops with the Developer Portal switch to turn on when the Message Content intent is off (4014)', async () => {
    await emu.admin.setMessageContentIntent(emu.world.users.workers[0]!, false);
    const { run } = await startManager();
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/4014 \(disallowed intents: the Message Content intent is off/);
    expect(run.output()).toMatch(/Privileged Gateway Intents → Message Content Intent/);
    // Tokens never show.
    for (const token of emu.world.tokens.workers) expect(run.output()).not.toContain(token);
  }, 120_000);
});
