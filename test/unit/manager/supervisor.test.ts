import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Claim } from '../../../src/bus/bus.js';
import {
  Supervisor,
  type SupervisorOptions,
  type WorkerMessage,
  type WorkerSlot,
} from '../../../src/manager/supervisor.js';
import { makeTask } from '../../helpers/fake-bus.js';

/** A stand-in for a worker process: an EventEmitter with `kill`, `exitCode`, `signalCode`, 'message' and 'exit'. */
class FakeChild extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];
  /** How the fake reacts to a signal: exit like a real worker (default), or ignore it. */
  onSignal: 'exit' | 'ignore' = 'exit';

  constructor(readonly workerId: string) {
    super();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    if (this.onSignal === 'ignore' && signal !== 'SIGKILL') return true;
    // A real worker stops gracefully on SIGTERM (reports why, exits 0); SIGKILL just ends it.
    queueMicrotask(() => {
      if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
      else {
        this.message({ type: 'exit', reason: 'stopped' });
        this.exit(0);
      }
    });
    return true;
  }

  message(m: WorkerMessage | unknown): void {
    this.emit('message', m);
  }

  /** Exit, optionally after telling the manager why (as `dorch worker` does over IPC). */
  exit(code: number | null, signal: NodeJS.Signals | null = null, reason?: string): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    if (reason) this.message({ type: 'exit', reason });
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

function claimFor(workerId: string): Claim {
  return { task: makeTask(), workerId, handle: 'thread-1', claimedAt: 0 };
}

function setup(options: Partial<SupervisorOptions> = {}) {
  const children: FakeChild[] = [];
  const spawnWorker = vi.fn((slot: WorkerSlot) => {
    const child = new FakeChild(slot.workerId);
    children.push(child);
    return child as unknown as ChildProcess;
  });
  const recoverTask = vi.fn(
    async (
      _slot: WorkerSlot,
      _claim: Claim,
      _reason: string,
    ): Promise<{ action: string; detail?: string }> => ({
      action: 'requeued',
    }),
  );
  const sup = new Supervisor({ workers: 1, spawnWorker, recoverTask, now: () => Date.now(), ...options });
  const exits: {
    slot: number;
    info: { code: number | null; signal: string | null; reason: string; restartInMs: number | null };
  }[] = [];
  sup.on('worker-exit', (slot, info) => exits.push({ slot: slot.index, info }));
  const recovered: { taskId: string; action: string; error?: string }[] = [];
  sup.on('task-recovered', (_slot, info) => recovered.push(info));
  /** The newest process of slot i (1-based). */
  const latest = (index = 1) => children.filter((c) => c.workerId === sup.slots[index - 1]!.workerId).at(-1)!;
  return { sup, children, spawnWorker, recoverTask, exits, recovered, latest };
}

// Let the async exit handler (recoverTask) and zero-delay timers run.
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor: starting', () => {
  it('starts one process per slot with worker-<i> ids', () => {
    const { sup, spawnWorker } = setup({ workers: 3 });
    const started: string[] = [];
    sup.on('worker-start', (slot) => started.push(slot.workerId));
    sup.start();
    expect(spawnWorker).toHaveBeenCalledTimes(3);
    expect(started).toEqual(['worker-1', 'worker-2', 'worker-3']);
    expect(sup.slots.map((s) => [s.index, s.status])).toEqual([
      [1, 'STARTING'],
      [2, 'STARTING'],
      [3, 'STARTING'],
    ]);
    expect(() => sup.start()).toThrow(/only be called once/);
  });

  it('honours workerIdFor and validates workers', () => {
    const { sup } = setup({ workers: 2, workerIdFor: (i) => `box-a-${i}` });
    expect(sup.slots.map((s) => s.workerId)).toEqual(['box-a-1', 'box-a-2']);
    expect(() => setup({ workers: 0 })).toThrow(TypeError);
    expect(() => setup({ workers: 1.5 })).toThrow(TypeError);
  });

  it('tracks status from worker messages and forwards every message', () => {
    const { sup, latest } = setup();
    const messages: WorkerMessage[] = [];
    sup.on('worker-message', (_slot, m) => messages.push(m));
    sup.start();
    latest().message({ type: 'status', status: 'READY', detail: 'Online and waiting' });
    latest().message('not an object');
    latest().message({ no: 'type' });
    expect(sup.slots[0]).toMatchObject({ status: 'READY', detail: 'Online and waiting' });
    expect(messages).toEqual([{ type: 'status', status: 'READY', detail: 'Online and waiting' }]);
  });
});

describe('Supervisor: restarts', () => {
  it("relaunches at once after a clean 'restart' exit", async () => {
    const { sup, spawnWorker, exits, latest } = setup();
    sup.start();
    vi.advanceTimersByTime(20_000);
    latest().exit(0, null, 'restart');
    await settle();
    expect(spawnWorker).toHaveBeenCalledTimes(2);
    expect(exits[0]!.info).toEqual({ code: 0, signal: null, reason: 'restart', restartInMs: 0 });
    expect(sup.slots[0]!.restarts).toBe(1);
    expect(sup.slots[0]!.process).toBe(latest());
  });

  it('relaunches an idle exit after idleRestartMs', async () => {
    const { sup, spawnWorker, latest } = setup({ idleRestartMs: 1000 });
    sup.start();
    latest().exit(0, null, 'idle');
    await vi.advanceTimersByTimeAsync(999);
    expect(spawnWorker).toHaveBeenCalledTimes(1);
    expect(sup.slots[0]!.status).toBe('EXITED');
    await vi.advanceTimersByTimeAsync(1);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
  });

  it('backs off exponentially after crashes and resets after a clean run', async () => {
    const { sup, spawnWorker, exits, latest } = setup({
      backoffBaseMs: 1000,
      backoffMaxMs: 5000,
      crashWindowMs: 10_000,
    });
    sup.start();
    const crashAndWait = async (expectedDelay: number) => {
      const before = spawnWorker.mock.calls.length;
      latest().exit(1);
      await settle();
      expect(exits.at(-1)!.info.restartInMs).toBe(expectedDelay);
      if (expectedDelay > 0) {
        await vi.advanceTimersByTimeAsync(expectedDelay - 1);
        expect(spawnWorker).toHaveBeenCalledTimes(before);
      }
      await vi.advanceTimersByTimeAsync(1);
      expect(spawnWorker).toHaveBeenCalledTimes(before + 1);
    };
    await crashAndWait(1000);
    await crashAndWait(2000);
    await crashAndWait(4000);
    await crashAndWait(5000); // capped
    expect(exits.at(-1)!.info.reason).toBe('exit code 1');

    // A clean exit resets the count: the next crash waits the base delay again.
    latest().exit(0, null, 'restart');
    await settle();
    expect(sup.slots[0]!.crashes).toBe(0);
    await crashAndWait(1000);
    await crashAndWait(2000);

    // A crash after a long healthy run is a first crash, not the next in a series.
    vi.advanceTimersByTime(10_000);
    await crashAndWait(1000);
  });

  it("treats a code-0 exit without a clean reason (e.g. 'stopped' from outside) as a crash", async () => {
    const { sup, exits, latest } = setup({ backoffBaseMs: 1000 });
    sup.start();
    latest().exit(0, null, 'stopped');
    await settle();
    expect(exits[0]!.info).toMatchObject({ reason: 'stopped', restartInMs: 1000 });
  });

  it('a process killed by a signal is reported with that signal', async () => {
    const { sup, exits, latest } = setup();
    sup.start();
    latest().exit(null, 'SIGSEGV');
    await settle();
    expect(exits[0]!.info).toMatchObject({ code: null, signal: 'SIGSEGV', reason: 'killed by SIGSEGV' });
  });
});

describe('Supervisor: a worker dying mid-task', () => {
  it('hands the held claim to recoverTask once and emits task-recovered', async () => {
    const { sup, recoverTask, recovered, latest, spawnWorker } = setup();
    sup.start();
    const claim = claimFor('worker-1');
    latest().message({ type: 'claimed', claim });
    expect(sup.slots[0]!.claim).toEqual(claim);
    latest().exit(null, 'SIGKILL');
    await settle();
    expect(recoverTask).toHaveBeenCalledOnce();
    const [slot, held, reason] = recoverTask.mock.calls[0]!;
    expect(slot.index).toBe(1);
    expect(held).toEqual(claim);
    expect(reason).toBe('worker-1 exited (SIGKILL) while running it');
    expect(recovered).toEqual([{ taskId: claim.task.id, action: 'requeued' }]);
    expect(sup.slots[0]!.claim).toBeNull();

    // The relaunched process starts with no claim; its clean exit recovers nothing.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
    latest().exit(0, null, 'idle');
    await settle();
    expect(recoverTask).toHaveBeenCalledOnce();
  });

  it.each(['finished', 'released'] as const)(
    'does not recover a claim the worker already settled (%s)',
    async (type) => {
      const { sup, recoverTask, recovered, latest } = setup();
      sup.start();
      const claim = claimFor('worker-1');
      latest().message({ type: 'claimed', claim });
      latest().message(
        type === 'finished'
          ? { type, taskId: claim.task.id, outcome: 'SUCCESS', costUsd: 0, durationMs: 1 }
          : { type, taskId: claim.task.id, reason: 'stopping' },
      );
      latest().exit(1);
      await settle();
      expect(recoverTask).not.toHaveBeenCalled();
      expect(recovered).toEqual([]);
    },
  );

  it('reports a failed recovery as action error and still relaunches', async () => {
    const { sup, recoverTask, recovered, latest, spawnWorker } = setup({ backoffBaseMs: 10 });
    recoverTask.mockRejectedValueOnce(new Error('Discord unreachable'));
    sup.start();
    const claim = claimFor('worker-1');
    latest().message({ type: 'claimed', claim });
    latest().exit(1);
    await settle();
    expect(recovered).toEqual([{ taskId: claim.task.id, action: 'error', error: 'Discord unreachable' }]);
    await vi.advanceTimersByTimeAsync(10);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
  });
});

describe('Supervisor: stop', () => {
  it('sends SIGTERM, waits for every exit, and relaunches nothing', async () => {
    const { sup, children, spawnWorker } = setup({ workers: 2 });
    sup.start();
    for (const c of children) c.onSignal = 'ignore';
    let stopped = false;
    const done = sup.stop().then(() => (stopped = true));
    expect(children.map((c) => c.signals)).toEqual([['SIGTERM'], ['SIGTERM']]);
    children[0]!.exit(0, null, 'stopped');
    await settle();
    expect(stopped).toBe(false);
    children[1]!.exit(0, null, 'stopped');
    await done;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
    expect(sup.slots.map((s) => s.status)).toEqual(['EXITED', 'EXITED']);
  });

  it('stop({ force: true }) sends SIGKILL', async () => {
    const { sup, children } = setup({ workers: 2 });
    sup.start();
    await sup.stop({ force: true });
    expect(children.map((c) => c.signals)).toEqual([['SIGKILL'], ['SIGKILL']]);
  });

  it('SIGKILLs a worker that outlives the grace period', async () => {
    const { sup, latest } = setup({ stopGraceMs: 30_000 });
    sup.start();
    latest().onSignal = 'ignore';
    const done = sup.stop();
    await vi.advanceTimersByTimeAsync(34_999);
    expect(latest().signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(1);
    expect(latest().signals).toEqual(['SIGTERM', 'SIGKILL']);
    await done;
  });

  it('is memoized: a second call returns the same promise and signals nobody twice', async () => {
    const { sup, latest } = setup();
    sup.start();
    const first = sup.stop();
    expect(sup.stop()).toBe(first);
    expect(sup.stop({ force: true })).toBe(first);
    await first;
    expect(latest().signals).toEqual(['SIGTERM']);
  });

  it('cancels a pending relaunch', async () => {
    const { sup, latest, spawnWorker } = setup({ backoffBaseMs: 1000 });
    sup.start();
    latest().exit(1);
    await settle();
    await sup.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(spawnWorker).toHaveBeenCalledTimes(1);
  });

  it('recovers the task of a worker that dies while stopping, and resolves only after that', async () => {
    const { sup, latest, recoverTask, recovered } = setup();
    let finishRecovery!: () => void;
    recoverTask.mockImplementationOnce(
      () => new Promise((resolve) => (finishRecovery = () => resolve({ action: 'requeued' }))),
    );
    sup.start();
    const claim = claimFor('worker-1');
    latest().message({ type: 'claimed', claim });
    let stopped = false;
    const done = sup.stop({ force: true }).then(() => (stopped = true));
    await settle();
    expect(recoverTask).toHaveBeenCalledOnce();
    // The manager closes its bus once stop() resolves: recovery must be finished by then.
    expect(stopped).toBe(false);
    finishRecovery();
    await done;
    expect(recovered).toEqual([{ taskId: claim.task.id, action: 'requeued' }]);
  });
});

describe('Supervisor: a worker that says why it failed', () => {
  it('a permanent failure (a rejected token) stops the slot: its reason shown, no restart', async () => {
    const { sup, spawnWorker, exits, latest } = setup({ workers: 2, backoffBaseMs: 10 });
    const allStopped: number[] = [];
    sup.on('all-stopped', (slots) => allStopped.push(slots.length));
    sup.start();
    const reason =
      'WORKER1_TOKEN: Discord rejected WORKER1_TOKEN (401 Unauthorized). Fix: copy the token again';
    latest(1).message({ type: 'fatal', reason, permanent: true });
    latest(1).exit(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
    expect(exits).toEqual([
      { slot: 1, info: { code: 1, signal: null, reason, restartInMs: null, permanent: true } },
    ]);
    expect(sup.slots[0]).toMatchObject({ status: 'STOPPED', detail: reason });
    expect(allStopped).toEqual([]);
    // The other slot fails the same way: every slot is stopped now.
    latest(2).message({ type: 'fatal', reason, permanent: true });
    latest(2).exit(1);
    await settle();
    expect(allStopped).toEqual([2]);
  });

  it('a failure a restart may fix is restarted as before, but with its reason instead of the exit code', async () => {
    const { sup, spawnWorker, exits, latest } = setup({ backoffBaseMs: 1000 });
    sup.start();
    latest().message({ type: 'fatal', reason: 'GET /channels/:id/messages failed: 500', permanent: false });
    latest().exit(1);
    await settle();
    expect(exits[0]!.info).toEqual({
      code: 1,
      signal: null,
      reason: 'GET /channels/:id/messages failed: 500',
      restartInMs: 1000,
    });
    expect(sup.slots[0]!.status).toBe('EXITED');
    await vi.advanceTimersByTimeAsync(1000);
    expect(spawnWorker).toHaveBeenCalledTimes(2);
  });

  it('counts tasks, failures, tokens and cost per slot, and when the current claim began', async () => {
    let clock = 1000;
    const { sup, latest } = setup({ now: () => clock });
    sup.start();
    const claim = claimFor('worker-1');
    clock = 5000;
    latest().message({ type: 'claimed', claim });
    expect(sup.slots[0]!.claimedAt).toBe(5000);
    latest().message({
      type: 'finished',
      taskId: claim.task.id,
      outcome: 'SUCCESS',
      costUsd: 0.5,
      durationMs: 10,
      tokens: { input: 100, output: 7 },
    });
    latest().message({
      type: 'finished',
      taskId: 'discord-2',
      outcome: 'FAILED',
      costUsd: 0.25,
      durationMs: 5,
    });
    expect(sup.slots[0]).toMatchObject({
      claim: null,
      claimedAt: null,
      totals: { tasks: 2, failed: 1, tokensIn: 100, tokensOut: 7, costUsd: 0.75 },
      last: { taskId: 'discord-2', outcome: 'FAILED', durationMs: 5, costUsd: 0.25 },
    });
  });
});
