import { describe, expect, it } from 'vitest';
import type { Claim } from '../../../src/bus/bus.js';
import { parseReportHeader } from '../../../src/task/format.js';
import { abandonTask } from '../../../src/worker/abandon.js';
import { FakeBus, makeTask } from '../../helpers/fake-bus.js';

const OPTIONS = {
  maxAttempts: 3,
  defaultModel: 'openrouter/acme/primary-1',
  defaultThinking: 'low' as const,
};

function claimOf(retry: number, model?: string): Claim {
  return {
    task: makeTask({ retry, model, prompt: 'the task' }),
    workerId: 'worker-2',
    handle: 'h',
    claimedAt: 0,
  };
}

describe('abandonTask', () => {
  it.each([0, 1])('requeues while attempts remain (retry %i of 3 attempts)', async (retry) => {
    const bus = new FakeBus();
    const claim = claimOf(retry);
    expect(await abandonTask(bus, claim, 'worker-2 exited (SIGKILL)', OPTIONS)).toBe('requeued');
    expect(bus.releases).toEqual([{ claim, reason: 'worker-2 exited (SIGKILL)' }]);
    expect(bus.completes).toEqual([]);
  });

  it('reports FAILED with the reason once the attempts are used up', async () => {
    const bus = new FakeBus();
    const claim = claimOf(2, 'openrouter/acme/coder-1');
    expect(await abandonTask(bus, claim, 'agent hung', OPTIONS)).toBe('failed');
    expect(bus.releases).toEqual([]);
    const { report } = bus.completes[0]!;
    expect(report.outcome).toBe('FAILED');
    expect(parseReportHeader(report.content)).toMatchObject({
      outcome: 'FAILED',
      taskId: claim.task.id,
      workerId: 'worker-2',
      model: 'openrouter/acme/coder-1',
      thinking: 'low',
    });
    expect(report.content).toContain('Error: gave up after 3 attempts; last: agent hung');
    expect(report.content).toContain('the task');
  });

  it('with maxAttempts 1 never requeues, and shows the default model when the task named none', async () => {
    const bus = new FakeBus();
    expect(await abandonTask(bus, claimOf(0), 'x', { ...OPTIONS, maxAttempts: 1 })).toBe('failed');
    expect(parseReportHeader(bus.completes[0]!.report.content)?.model).toBe('openrouter/acme/primary-1');
  });

  it('lets a bus failure propagate (the caller decides what to do)', async () => {
    const bus = new FakeBus().failNext(1);
    await expect(abandonTask(bus, claimOf(0), 'x', OPTIONS)).rejects.toThrow(/unreachable/);
  });

  it('names the model id, not the alias, in the FAILED report', async () => {
    const bus = new FakeBus();
    await abandonTask(bus, claimOf(2, 'Coder'), 'agent hung', {
      ...OPTIONS,
      aliases: { coder: 'openrouter/qwen/qwen3-coder-next' },
    });
    expect(parseReportHeader(bus.completes[0]!.report.content)?.model).toBe(
      'openrouter/qwen/qwen3-coder-next',
    );
  });
});
