import { describe, expect, it } from 'vitest';
import type { AbandonedClaim } from '../../../src/bus/bus.js';
import { LeaseLostError } from '../../../src/lib/errors.js';
import { makeTask } from '../../helpers/fake-bus.js';
import { HANG } from '../../helpers/fake-runner.js';
import { rig } from './helpers.js';

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
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('restart');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.completes).toHaveLength(0);
    expect(r.bus.releases).toHaveLength(0);
    expect(warnings.some((m) => m.includes('requeued by another worker'))).toBe(true);
  });

  it('when idle, hands back abandoned claims of others (requeue, or FAILED when out of attempts)', async () => {
    const r = await rig();
    const young = {
      claim: { task: makeTask({ retry: 0 }), workerId: 'gone-1', handle: 'h1', claimedAt: 0 },
      silentForMs: 200_000,
    };
    const old = {
      claim: {
        task: makeTask({ id: 'discord-2000000000000000000', messageId: '2000000000000000000', retry: 2 }),
        workerId: 'gone-2',
        handle: 'h2',
        claimedAt: 0,
      },
      silentForMs: 300_000,
    };
    let asked: { leaseMs: number } | undefined;
    Object.assign(r.bus, {
      findAbandoned: async (options: { leaseMs: number; now: number }): Promise<AbandonedClaim[]> => {
        asked = options;
        return [young, old];
      },
    });
    let t = 0;
    // A clock that moves a second per reading: the first sweep (one interval after start) is due at once.
    const w = r.worker({
      once: true,
      leaseMs: 120_000,
      maxAttempts: 3,
      sweepIntervalMs: 1000,
      now: () => (t += 1000),
    });
    const swept: string[] = [];
    w.on('swept', (s) => swept.push(`${s.taskId}:${s.action}`));
    expect(await w.run()).toBe('once');
    expect(asked?.leaseMs).toBe(120_000);
    expect(r.bus.releases.map((x) => x.claim.task.id)).toEqual([young.claim.task.id]);
    expect(r.bus.releases[0]!.reason).toMatch(/no heartbeat from gone-1 for 200 s/);
    expect(r.bus.completes.map((x) => x.report.outcome)).toEqual(['FAILED']);
    expect(swept).toEqual([`${young.claim.task.id}:requeued`, `${old.claim.task.id}:failed`]);
  });
});
