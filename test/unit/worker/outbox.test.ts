import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Claim } from '../../../src/bus/bus.js';
import type { TaskReport } from '../../../src/task/report.js';
import { DiscordApiError, LeaseLostError } from '../../../src/lib/errors.js';
import { Outbox } from '../../../src/worker/outbox.js';
import { FakeBus, makeTask } from '../../helpers/fake-bus.js';
import { tempDir } from './helpers.js';

function entry(n: number): { claim: Claim; report: TaskReport } {
  const task = makeTask({ messageId: String(1000 + n), id: `discord-${1000 + n}` });
  return {
    claim: { task, workerId: 'w1', handle: `thread-${n}`, claimedAt: n },
    report: {
      outcome: 'SUCCESS',
      content: `result ${n}`,
      summary: `summary ${n}`,
      files: [{ name: 'out.bin', data: Buffer.from([0, 255, n]) }],
    },
  };
}

describe('Outbox', () => {
  it('keeps reports on disk under <runtimeDir>/outbox/<worker> and reads them back with binary files intact', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    expect(box.dir).toBe(join(dir, 'outbox', 'w1'));
    expect(await box.pending()).toEqual([]);
    const a = entry(1);
    await box.put(a.claim, a.report);
    const [read] = await box.pending();
    expect(read!.claim).toEqual(a.claim);
    expect(read!.report).toEqual(a.report);
    expect(Buffer.isBuffer(read!.report.files[0]!.data)).toBe(true);
    await box.remove(a.claim.task.id);
    expect(await readdir(box.dir)).toEqual([]);
  });

  it('flush delivers in order and stops at the first failure, keeping the rest', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    for (const n of [1, 2, 3]) await box.put(entry(n).claim, entry(n).report);
    const bus = new FakeBus().failNext(1, ['complete']);
    await expect(box.flush(bus)).rejects.toThrow(/unreachable/);
    expect((await box.pending()).length).toBe(3);
    const flushed = await box.flush(bus);
    expect(flushed.delivered.map((d) => d.taskId)).toEqual(['discord-1001', 'discord-1002', 'discord-1003']);
    expect(flushed.setAside).toEqual([]);
    expect(bus.completes.map((c) => c.report.content)).toEqual(['result 1', 'result 2', 'result 3']);
    // Every flushed delivery is a replay: the first try may have posted before its answer was lost.
    expect(bus.completes.every((c) => c.options?.replay === true)).toBe(true);
    expect(await box.pending()).toEqual([]);
  });

  it('one undeliverable entry (403, lost lease) is set aside with its reason and no longer blocks the rest', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    for (const n of [1, 2, 3]) await box.put(entry(n).claim, entry(n).report);
    const bus = new FakeBus();
    const real = bus.complete.bind(bus);
    bus.complete = async (claim, report, options) => {
      if (claim.task.id === 'discord-1001')
        throw new DiscordApiError({
          status: 403,
          discordCode: 50013,
          method: 'POST',
          route: '/x',
          message: 'Missing Permissions',
        });
      if (claim.task.id === 'discord-1002') throw new LeaseLostError('not ours any more');
      return real(claim, report, options);
    };
    const flushed = await box.flush(bus);
    expect(flushed.setAside.map((s) => s.taskId)).toEqual(['discord-1001', 'discord-1002']);
    expect(flushed.delivered.map((d) => d.taskId)).toEqual(['discord-1003']);
    expect(await box.pending()).toEqual([]);
    const kept = JSON.parse(await readFile(join(box.setAsideDir, 'discord-1001.json'), 'utf8')) as {
      setAside: string;
    };
    expect(kept.setAside).toContain('Missing Permissions');
    // Set aside means not retried: the next flush has nothing to do.
    expect(await box.flush(bus)).toEqual({ delivered: [], setAside: [] });
  });

  it('a superseded report (another run carries the task) is forgotten, not retried', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    const a = entry(6);
    const bus = new FakeBus();
    bus.completion = () => ({ outcome: 'superseded', reason: 'handed back and run elsewhere' });
    expect(await box.send(bus, a.claim, a.report)).toEqual({
      status: 'delivered',
      completion: { outcome: 'superseded', reason: 'handed back and run elsewhere' },
    });
    expect(await box.get(a.claim.task.id)).toBeNull();
  });

  it('send keeps the report when delivery fails, and forgets it once delivered', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    const a = entry(4);
    const bus = new FakeBus().failNext(1, ['complete']);
    expect(await box.send(bus, a.claim, a.report)).toMatchObject({ status: 'kept' });
    expect(await readdir(box.dir)).toEqual([`${a.claim.task.id}.json`]);
    expect((await box.get(a.claim.task.id))?.report.content).toBe('result 4');
    expect(await box.send(bus, a.claim, a.report)).toMatchObject({ status: 'delivered' });
    expect(await readdir(box.dir)).toEqual([]);
    expect(bus.completes).toHaveLength(1);
  });

  it('skips a hand-edited file instead of failing the whole flush', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    await box.put(entry(5).claim, entry(5).report);
    await writeFile(join(box.dir, 'discord-1.json'), '{not json');
    const pending = await box.pending();
    expect(pending.map((p) => p.claim.task.id)).toEqual(['discord-1005']);
  });
});
