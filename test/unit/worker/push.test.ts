/**
 * The worker with a push source (the gateway, or the manager relaying it): pushed tasks are claimed without a poll,
 * polls slow down to safety polls while pushes flow and speed up to POLL_INTERVAL while they do not, a source that
 * comes back (or may have missed pushes) is caught up with one poll, and a backlog found by a poll is drained.
 * The worker's wall clock is a test clock: a poll happens or not by the time it shows, never by a real wait.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PushSource, PushedTask } from '../../../src/bus/bus.js';
import type { Task } from '../../../src/task/task.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { rig, until, type Rig } from './helpers.js';

/** A push source driven by the test; `waits` counts the times the worker said it was idle. */
class FakePush implements PushSource {
  live = true;
  epoch = 0;
  waits = 0;
  readonly #tasks: PushedTask[] = [];
  readonly #events = new EventEmitter();

  push(task: Task): void {
    this.#tasks.push({ taskId: task.id, payload: task });
    this.changed();
  }
  set(state: { live?: boolean; epoch?: number }): void {
    Object.assign(this, state);
    this.changed();
  }
  changed(): void {
    this.#events.emit('change');
  }
  take(): PushedTask | null {
    return this.#tasks.shift() ?? null;
  }
  onChange(listener: () => void): () => void {
    this.#events.on('change', listener);
    return () => this.#events.off('change', listener);
  }
  waiting(): void {
    this.waits++;
  }
}

/** A worker with a push source, a test clock, and `offer` on the fake bus (it offers what was pushed). */
async function pushRig(options: { pushPollIntervalMs?: number } = {}) {
  const r: Rig = await rig();
  const push = new FakePush();
  const clock = { now: 1_000_000 };
  const offered: string[] = [];
  const refuse = new Set<string>();
  Object.assign(r.bus, {
    offer: async (pushed: PushedTask) => {
      offered.push(pushed.taskId);
      return refuse.has(pushed.taskId) ? null : (pushed.payload as Task);
    },
  });
  const worker = r.worker({
    keepAlive: true,
    push,
    now: () => clock.now,
    pollIntervalMs: 1000,
    pushPollIntervalMs: options.pushPollIntervalMs ?? 60_000,
  });
  const run = worker.run();
  /** Let the worker go round its loop once more (a change wakes it; it says it waits again when done). */
  const nudge = async () => {
    const before = push.waits;
    push.changed();
    await until(() => push.waits > before);
  };
  await until(() => push.waits > 0);
  return { r, push, clock, offered, refuse, worker, run, nudge };
}

describe('Worker with a push source', () => {
  it('claims a pushed task at once, without polling for it', async () => {
    const { r, push, worker, run } = await pushRig();
    // The one poll at start (what was posted before the source came up), then the worker waits.
    expect(r.bus.polls).toBe(1);
    const task = makeTask({ prompt: 'pushed' });
    push.push(task);
    await until(() => r.bus.completes.length === 1);
    expect(r.bus.completes[0]!.claim.task.id).toBe(task.id);
    expect(r.bus.polls).toBe(1);
    worker.stop(0);
    expect(await run).toBe('stopped');
  });

  it('skips a pushed task the bus does not offer (refused, claimed elsewhere) and takes the next', async () => {
    const { r, push, refuse, offered, worker, run } = await pushRig();
    const [no, yes] = [makeTask({ prompt: 'no' }), makeTask({ prompt: 'yes' })];
    refuse.add(no.id);
    push.push(no);
    push.push(yes);
    await until(() => r.bus.completes.length === 1);
    expect(offered).toEqual([no.id, yes.id]);
    expect(r.bus.claimAttempts).toEqual([yes.id]);
    worker.stop(0);
    await run;
  });

  it('polls only every pushPollIntervalMs while pushes flow, every pollIntervalMs while they do not', async () => {
    const { r, push, clock, nudge, worker, run } = await pushRig({ pushPollIntervalMs: 60_000 });
    expect(r.bus.polls).toBe(1);
    // Live: 10 s (far more than POLL_INTERVAL) brings no poll; two intervals of the safety poll bring one.
    clock.now += 10_000;
    await nudge();
    expect(r.bus.polls).toBe(1);
    clock.now += 120_000;
    await nudge();
    expect(r.bus.polls).toBe(2);
    // Down: the source going down is itself no reason to poll, but 2 s is (POLL_INTERVAL 1 s here).
    push.set({ live: false });
    await nudge();
    expect(r.bus.polls).toBe(2);
    clock.now += 2_000;
    await nudge();
    expect(r.bus.polls).toBe(3);
    clock.now += 2_000;
    await nudge();
    expect(r.bus.polls).toBe(4);
    worker.stop(0);
    await run;
  });

  it('catches up with one poll when the source comes back, or says pushes may have been missed', async () => {
    const { r, push, clock, nudge, worker, run } = await pushRig();
    push.set({ live: false });
    clock.now += 2_000;
    await nudge();
    const polls = r.bus.polls;
    // Back up: one poll at once (what was posted while it was down), then quiet again.
    push.set({ live: true });
    await until(() => r.bus.polls === polls + 1);
    await nudge();
    expect(r.bus.polls).toBe(polls + 1);
    // A new session after a gap (epoch): one poll, then quiet.
    push.set({ epoch: push.epoch + 1 });
    await until(() => r.bus.polls === polls + 2);
    await nudge();
    expect(r.bus.polls).toBe(polls + 2);
    worker.stop(0);
    await run;
  });

  it('drains a backlog found by a poll, one poll per task, then goes quiet', async () => {
    const r: Rig = await rig();
    const push = new FakePush();
    const tasks = [makeTask({ prompt: 'a' }), makeTask({ prompt: 'b' }), makeTask({ prompt: 'c' })];
    r.bus.push(...tasks);
    const worker = r.worker({ keepAlive: true, push, now: () => 1_000_000, pushPollIntervalMs: 60_000 });
    const run = worker.run();
    await until(() => r.bus.completes.length === 3 && push.waits > 0);
    // Three polls for the three tasks (no pushes for them: they were there before). The third found only the task it
    // claimed, so no poll follows until the safety interval.
    expect(r.bus.polls).toBe(3);
    worker.stop(0);
    await run;
  });
});
