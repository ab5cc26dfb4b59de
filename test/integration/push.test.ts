/**
 * Push mode end to end in one process: a keep-alive worker (built as `dorch worker` builds it) reading a real
 * gateway session's task feed, against the emulator. A task is claimed the moment it is posted, without a poll; a
 * dropped connection is resumed and the tasks posted meanwhile arrive; during a gateway outage the worker polls at
 * POLL_INTERVAL and claims by polling, and once the gateway is back it is pushed to again.
 *
 * The feed is wrapped to record which tasks it handed out: a task the feed never handed out was found by a poll.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PushSource } from '../../src/bus/bus.js';
import { createRest } from '../../src/bus/discord/rest.js';
import { TaskGateway } from '../../src/bus/discord/gateway.js';
import { TaskFeed } from '../../src/bus/discord/task-feed.js';
import { useEmulator } from '../helpers/emulator.js';
import { NO_IDENTIFY_SPACING } from '../helpers/gateway.js';
import {
  PromptRunner,
  results,
  scratch,
  startWorker,
  submitterBus,
  threadOf,
  waitFor,
  type InProcessWorker,
} from '../helpers/fleet.js';

const emu = useEmulator({
  workers: 2,
  gateway: { heartbeatIntervalMs: 300, heartbeatTimeoutFactor: 20, identifyWindowMs: 0 },
});

interface Pushed {
  worker: InProcessWorker;
  gateway: TaskGateway;
  feed: TaskFeed;
  /** Task ids the feed handed to the worker. */
  handed: string[];
  /** Resolves once the worker has polled and waits (so a task posted now can only reach it by a push). */
  idle: () => Promise<void>;
  /** Resolves once the worker went round its loop after the gateway's last `up` (its catch-up poll is done). */
  caughtUp: () => Promise<void>;
  events: string[];
}

let running: Pushed[] = [];
beforeEach(async () => {
  await emu.admin.seed({ workers: 2 });
});
afterEach(async () => {
  for (const p of running) {
    await p.worker.stop();
    p.feed.close();
    await p.gateway.close();
  }
  running = [];
  await emu.admin.gateway.clearFaults();
});

/** A keep-alive worker with a gateway of its own, polling every `pollSec` while the gateway is down. */
async function pushedWorker(pollSec: number): Promise<Pushed> {
  const token = emu.world.tokens.workers[0]!;
  const gateway = new TaskGateway({
    token,
    tokenKey: 'WORKER1_TOKEN',
    rest: createRest({ apiUrl: emu.world.apiUrl, token }),
    identifyThrottler: NO_IDENTIFY_SPACING,
  });
  const events: string[] = [];
  let waits = 0;
  let waitsAtUp = 0;
  // Registered before the feed's listener: it runs before the worker hears of the change.
  gateway.on('up', ({ resumed }) => {
    waitsAtUp = waits;
    events.push(resumed ? 'resumed' : 'ready');
  });
  gateway.on('down', ({ code }) => events.push(`down ${code}`));
  const feed = new TaskFeed(gateway, { taskQueueChannel: emu.world.channels.taskQueue });
  const handed: string[] = [];
  const recorded: PushSource = {
    get live() {
      return feed.live;
    },
    get epoch() {
      return feed.epoch;
    },
    take: () => {
      const pushed = feed.take();
      if (pushed) handed.push(pushed.taskId);
      return pushed;
    },
    onChange: (listener) => feed.onChange(listener),
    waiting: () => void waits++,
  };
  await gateway.start();
  await waitFor(async () => gateway.live || undefined, 10_000, 'the gateway');
  const worker = await startWorker(emu.world, {
    dir: await scratch(),
    runner: new PromptRunner(),
    env: { POLL_INTERVAL: String(pollSec) },
    overrides: { push: recorded },
  });
  const idle = async () => {
    const from = waits;
    await waitFor(async () => waits > from || undefined, 10_000, 'the worker to wait');
  };
  const caughtUp = () =>
    waitFor(async () => waits > waitsAtUp || undefined, 10_000, 'the catch-up poll').then(() => {});
  const made = { worker, gateway, feed, handed, events, idle, caughtUp };
  running.push(made);
  await idle();
  return made;
}

/** Milliseconds from a task's post to its claim thread's creation, by Discord's timestamps. */
async function pickupMs(messageId: string): Promise<number> {
  const thread = await threadOf(emu.admin, messageId);
  const posted = Number((BigInt(messageId) >> 22n) + 1420070400000n);
  return (
    Date.parse((thread.thread_metadata as unknown as { create_timestamp: string }).create_timestamp) - posted
  );
}

const resultOf = (taskId: string) =>
  waitFor(
    async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
    20_000,
    `the result of ${taskId}`,
  );

describe('push mode', () => {
  it('claims a task the moment it is posted: no poll could have (POLL_INTERVAL is 60 s)', async () => {
    const p = await pushedWorker(60);
    const bus = submitterBus(emu.world);
    const { taskId, messageId } = await bus.submit('pushed, not polled');
    await resultOf(taskId);
    expect(p.handed).toEqual([taskId]);
    // Polls come 36 s or more apart here, and the worker's first one was before this task was posted.
    expect(await pickupMs(messageId)).toBeLessThan(5_000);
    await bus.close();
  }, 60_000);

  it('resumes after a dropped connection: a task posted while it was down arrives by the replay', async () => {
    const p = await pushedWorker(60);
    const bot = emu.world.users.workers[0]!;
    await emu.admin.gateway.partition({ userId: bot });
    const bus = submitterBus(emu.world);
    const { taskId } = await bus.submit('posted during the drop');
    await emu.admin.gateway.disconnect({ userId: bot });
    await resultOf(taskId);
    expect(p.handed).toEqual([taskId]);
    expect(p.events).toEqual(['ready', 'down 1006', 'resumed']);
    expect((await emu.admin.gateway.stats()).byBot['worker-1']).toMatchObject({ identifies: 1, resumes: 1 });
    await bus.close();
  }, 60_000);

  it('polls at POLL_INTERVAL during a gateway outage, and is pushed to again once it is back', async () => {
    const p = await pushedWorker(0.3);
    const bot = emu.world.users.workers[0]!;
    await emu.admin.gateway.setFaults({ outage: true });
    await emu.admin.gateway.disconnect({ userId: bot });
    await waitFor(async () => p.events.includes('down 1006') || undefined, 10_000, 'the gateway to go down');
    const bus = submitterBus(emu.world);
    await p.idle();
    const during = await bus.submit('posted during the outage');
    await resultOf(during.taskId);
    // Found by a poll: the feed never saw it (the gateway was down).
    expect(p.handed).not.toContain(during.taskId);
    await emu.admin.gateway.clearFaults();
    await waitFor(
      async () => p.events.filter((e) => e === 'ready').length === 2 || undefined,
      15_000,
      'a new session',
    );
    // The worker catches up with one poll when the gateway is back; then it waits for pushes.
    await p.caughtUp();
    const after = await bus.submit('posted once the gateway is back');
    await resultOf(after.taskId);
    expect(p.handed).toContain(after.taskId);
    await bus.close();
  }, 60_000);
});
