import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Claim, TaskReport } from '../../../src/bus/bus.js';
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
    expect(await box.flush(bus)).toBe(3);
    expect(bus.completes.map((c) => c.report.content)).toEqual(['result 1', 'result 2', 'result 3']);
    expect(await box.pending()).toEqual([]);
  });

  it('send keeps the report when delivery fails, and forgets it once delivered', async () => {
    const dir = await tempDir();
    const box = new Outbox(dir, 'w1');
    const a = entry(4);
    const bus = new FakeBus().failNext(1, ['complete']);
    await expect(box.send(bus, a.claim, a.report)).rejects.toThrow();
    expect(await readdir(box.dir)).toEqual([`${a.claim.task.id}.json`]);
    await box.send(bus, a.claim, a.report);
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
