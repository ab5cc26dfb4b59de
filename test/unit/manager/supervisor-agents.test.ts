// The manager ends what a dead worker's agents left running, before it hands the task back.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { Claim } from '../../../src/bus/bus.js';
import { Supervisor, type AgentReaper, type WorkerSlot } from '../../../src/manager/supervisor.js';
import { makeTask } from '../../helpers/fake-bus.js';

class FakeWorker extends EventEmitter {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  constructor(readonly pid: number) {
    super();
  }
  kill(): boolean {
    return true;
  }
}

function setup() {
  const order: string[] = [];
  const workers: FakeWorker[] = [];
  const reaper: AgentReaper = {
    ownerOf: vi.fn((pid: number) => `${pid}.777`),
    kill: vi.fn((owner: string) => {
      order.push(`kill ${owner}`);
      return 2;
    }),
  };
  const recoverTask = vi.fn(async (_slot: WorkerSlot, claim: Claim) => {
    order.push(`recover ${claim.task.id}`);
    return 'requeued' as const;
  });
  const sup = new Supervisor({
    workers: 1,
    spawnWorker: () => {
      const w = new FakeWorker(4000 + workers.length);
      workers.push(w);
      return w as unknown as ChildProcess;
    },
    recoverTask,
    agentReaper: reaper,
    backoffBaseMs: 60_000,
  });
  const ended: number[] = [];
  sup.on('agents-ended', (_slot, info) => ended.push(info.count));
  return { sup, workers, reaper, recoverTask, order, ended };
}

describe('Supervisor: agents of a dead worker', () => {
  it("kills the dead worker's agents (by its owner tag, read at spawn) before recovering its task", async () => {
    const { sup, workers, reaper, order, ended } = setup();
    sup.start();
    expect(reaper.ownerOf).toHaveBeenCalledWith(4000);
    const task = makeTask();
    workers[0]!.emit('message', {
      type: 'claimed',
      claim: { task, workerId: 'worker-1', handle: 't', claimedAt: 0 },
    });
    workers[0]!.emit('exit', null, 'SIGKILL');
    await vi.waitFor(() => expect(order).toHaveLength(2));
    expect(order).toEqual(['kill 4000.777', `recover ${task.id}`]);
    expect(ended).toEqual([2]);
    await sup.stop();
  });

  it('asks the reaper on a clean exit too, and stays quiet when nothing was left', async () => {
    const { sup, workers, reaper, ended, recoverTask } = setup();
    vi.mocked(reaper.kill).mockReturnValue(0);
    sup.start();
    workers[0]!.emit('exit', 0, null);
    await vi.waitFor(() => expect(reaper.kill).toHaveBeenCalledWith('4000.777'));
    expect(ended).toEqual([]);
    expect(recoverTask).not.toHaveBeenCalled();
    await sup.stop();
  });
});
