import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Claim, SweptTask } from '../../../src/bus/bus.js';
import { LeaseLostError } from '../../../src/lib/errors.js';
import { LeaseManager } from '../../../src/worker/lease-manager.js';
import { SweepSchedule } from '../../../src/worker/sweep-schedule.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { HANG } from '../../helpers/fake-runner.js';
import { rig, tempDir, until } from './helpers.js';

const claimOf = (): Claim => ({ task: makeTask(), workerId: 'w1', handle: 'h', claimedAt: 0 });

describe('LeaseManager', () => {
  it('never lets two heartbeats overlap: a tick while one is in flight joins it', async () => {
    let calls = 0;
    let finish!: () => void;
    const bus = {
      heartbeat: () => {
        calls++;
        return new Promise<void>((r) => (finish = r));
      },
    };
    const lease = new LeaseManager({
      bus,
      claim: claimOf(),
      intervalMs: 10,
      leaseMs: 30,
      progress: () => 'x',
      wonAt: 0,
    });
    const a = lease.renew();
    const b = lease.renew();
    expect(a).toBe(b);
    expect(calls).toBe(1);
    finish();
    await a;
    const c = lease.renew();
    expect(c).not.toBe(a);
    expect(calls).toBe(2);
    finish();
    await c;
  });

  it('fresh() holds for a third of the lease after the claim or the last successful heartbeat', async () => {
    let t = 1000;
    const bus = { heartbeat: async () => undefined };
    const lease = new LeaseManager({
      bus,
      claim: claimOf(),
      intervalMs: 10,
      leaseMs: 90,
      progress: () => 'x',
      wonAt: 1000,
      monotonic: () => t,
    });
    t = 1029;
    expect(lease.fresh()).toBe(true);
    t = 1030;
    expect(lease.fresh()).toBe(false);
    // The renewal counts from when it was sent (the conservative end), not when it was answered.
    t = 1050;
    const sent = lease.renew();
    t = 1060;
    await sent;
    t = 1079;
    expect(lease.fresh()).toBe(true);
    t = 1080;
    expect(lease.fresh()).toBe(false);
  });

  it('a failed heartbeat does not renew; a lost lease aborts the signal once and ends freshness', async () => {
    const t = 0;
    let fail: Error = new Error('socket hang up');
    const bus = {
      heartbeat: async () => {
        throw fail;
      },
    };
    const lease = new LeaseManager({
      bus,
      claim: claimOf(),
      intervalMs: 10,
      leaseMs: 90,
      progress: () => 'x',
      wonAt: 0,
      monotonic: () => t,
    });
    const failed = vi.fn();
    const lost = vi.fn();
    lease.on('failed', failed);
    lease.on('lost', lost);
    await lease.renew();
    expect(failed).toHaveBeenCalledOnce();
    expect(lease.lost).toBe(false);
    fail = new LeaseLostError('handed back');
    await lease.renew();
    await lease.renew();
    expect(lost).toHaveBeenCalledOnce();
    expect(lease.signal.aborted).toBe(true);
    expect(lease.fresh()).toBe(false);
  });

  it('ticks on its timer and stops cleanly (stop waits for a heartbeat in flight)', async () => {
    let beats = 0;
    const bus = { heartbeat: async () => void beats++ };
    const lease = new LeaseManager({
      bus,
      claim: claimOf(),
      intervalMs: 5,
      leaseMs: 30,
      progress: () => 'x',
      wonAt: 0,
    });
    const ticks = vi.fn();
    lease.on('tick', ticks);
    lease.start();
    await until(() => beats >= 2);
    await lease.stop();
    const after = beats;
    await lease.stop();
    expect(ticks.mock.calls.length).toBeGreaterThanOrEqual(2);
    // No timer left: a renew after stop is the caller's, the timer adds none.
    await new Promise((r) => setImmediate(r));
    expect(beats).toBe(after);
  });
});

describe('SweepSchedule (per machine, survives restarts)', () => {
  it('is due at first, then once per interval, shared by every worker of the runtime folder', async () => {
    const dir = await tempDir();
    let t = 10_000;
    const make = () =>
      new SweepSchedule({ runtimeDir: dir, intervalMs: 1000, now: () => t, random: () => 0.5 });
    const a = make();
    expect(await a.take()).toBe(true);
    expect(await a.take()).toBe(false);
    // A restarted worker (a new object, same folder) does not start the schedule over.
    expect(await make().take()).toBe(false);
    t += 999;
    expect(await make().take()).toBe(false);
    t += 1;
    expect(await make().take()).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'sweep-schedule.json'), 'utf8'))).toEqual({ next: 12_000 });
  });
});

describe('Worker: leases', () => {
  it('stops the agent and reports nothing when its claim was handed back by another worker', async () => {
    const r = await rig();
    r.runner.script(HANG);
    r.bus.heartbeat = async () => {
      throw new LeaseLostError('the claim was released by another worker');
    };
    r.bus.push(makeTask());
    const w = r.worker({ heartbeatMs: 20 });
    const warnings: string[] = [];
    const released = vi.fn();
    w.on('warning', (m) => warnings.push(m));
    w.on('released', released);
    expect(await w.run()).toBe('restart');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.completes).toHaveLength(0);
    expect(r.bus.releases).toHaveLength(0);
    // The bus's own words say why (handed back, or cancelled by whom).
    expect(warnings).toContain("the claim was released by another worker; this run's result is dropped");
    // The manager learns the claim is no longer held (it must not recover it).
    expect(released).toHaveBeenCalledOnce();
    expect(released.mock.calls[0]![0]).toMatchObject({ reason: 'the claim was released by another worker' });
  });

  it('passes fresh to complete for a short task, and not after a long silence', async () => {
    const r = await rig();
    let t = 0;
    r.bus.push(makeTask(), makeTask());
    r.runner.script(async () => {
      t += 10;
      return {};
    });
    await r.worker({ keepAlive: true, once: true, leaseMs: 90, heartbeatMs: 30, monotonic: () => t }).run();
    expect(r.bus.completes.map((c) => c.options?.fresh)).toEqual([true, true]);

    const slow = await rig();
    slow.bus.push(makeTask());
    slow.runner.script(async () => {
      t += 40_000; // longer than a third of the lease, and no heartbeat went through meanwhile
      return {};
    });
    await slow.worker({ leaseMs: 90_000, heartbeatMs: 45_000, monotonic: () => t }).run();
    expect(slow.bus.completes[0]!.options?.fresh).toBe(false);
  });

  it('when idle, sweeps about every sweep interval and says what it did', async () => {
    const r = await rig();
    const swept: SweptTask = {
      taskId: 'discord-1',
      from: 'gone-1',
      reason: 'no heartbeat from gone-1 for 200 s (presumed gone)',
      result: { action: 'requeued', taskId: 'discord-2' },
    };
    r.bus.swept = () => [swept];
    const w = r.worker({ maxIdleMs: 200, sweepIntervalMs: 50 });
    const seen: SweptTask[] = [];
    w.on('swept', (s) => seen.push(s));
    expect(await w.run()).toBe('idle');
    expect(r.bus.sweeps).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toEqual(swept);
  });

  it('when busy, sweeps from the heartbeat timer too: a long task does not stop this machine sweeping', async () => {
    const r = await rig();
    r.bus.push(makeTask());
    r.runner.script(async () => {
      await until(() => r.bus.sweeps >= 2);
      return {};
    });
    expect(await r.worker({ heartbeatMs: 5, sweepIntervalMs: 5 }).run()).toBe('restart');
    expect(r.bus.sweeps).toBeGreaterThanOrEqual(2);
    expect(r.bus.completes).toHaveLength(1);
  });
});
