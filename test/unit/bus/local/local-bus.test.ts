import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, Claim, SubmitOptions } from '../../../../src/bus/bus.js';
import type { TaskReport } from '../../../../src/task/report.js';
import { DRAIN_TIMEOUT_MS, LocalBus, type LocalBusOptions } from '../../../../src/bus/local/local-bus.js';
import { BusUnavailableError, LeaseLostError, TaskInvalidError } from '../../../../src/lib/errors.js';
import { MemoryBus, MemoryQueue } from '../../../contract/bus.contract.js';

const START = Date.UTC(2026, 0, 2, 3, 4, 5);
const LEASE = 90_000;

let runtimeDir: string;
let now: number;
const buses: LocalBus[] = [];

function open(options: LocalBusOptions = {}): LocalBus {
  const bus = new LocalBus({ runtimeDir, clock: () => now, sweepIntervalMs: 0, leaseMs: LEASE, ...options });
  buses.push(bus);
  return bus;
}

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

async function submitAndClaim(bus: LocalBus, text = 'do the thing', workerId = 'worker-1'): Promise<Claim> {
  const { taskId } = await bus.submit(text);
  const task = (await bus.poll()).find((t) => t.id === taskId);
  const claim = task && (await bus.claim(task, workerId));
  if (!claim) throw new Error('claim failed');
  return claim;
}

function report(content: string, files: TaskReport['files'] = []): TaskReport {
  return { outcome: 'SUCCESS', content, summary: `short ${content}`, files };
}

beforeEach(async () => {
  runtimeDir = await mkdtemp(join(tmpdir(), 'local-bus-'));
  now = START;
});
afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
  await rm(runtimeDir, { recursive: true, force: true });
});

describe('LocalBus files', () => {
  it('submit writes one readable JSON file per task in pending/', async () => {
    const bus = open();
    const submitted = await bus.submit('Summarise [model:cheap] the notes [thinking:HIGH]');
    expect(submitted).toMatchObject({ via: 'local', taskId: `local-${submitted.messageId}` });
    expect(await readdir(bus.store.pendingDir)).toEqual([`${submitted.taskId}.json`]);
    const record = await json(bus.store.pendingPath(submitted.taskId));
    expect(record).toEqual({
      version: 1,
      task: {
        id: submitted.taskId,
        messageId: submitted.messageId,
        prompt: 'Summarise the notes',
        rawText: 'Summarise [model:cheap] the notes [thinking:HIGH]',
        model: 'cheap',
        thinking: 'high',
        retry: 0,
        authorId: 'local',
        submittedAt: new Date(START).toISOString(),
        attachments: [],
      },
    });
  });

  it('keeps retry and origin tags of submitted text', async () => {
    const bus = open();
    await bus.submit('again [retry:2] [origin:discord-123]');
    const [task] = await bus.poll();
    expect(task).toMatchObject({ prompt: 'again', retry: 2, origin: 'discord-123' });
  });

  it('stores attachments beside the queue and exposes them as file:// URLs', async () => {
    const bus = open();
    const data = Buffer.from('a,b\n1,2\n');
    await bus.submit('read it', { files: [{ name: '../../data.csv', data }] });
    const [task] = await bus.poll();
    expect(task?.attachments).toHaveLength(1);
    const attachment = task!.attachments[0]!;
    expect(attachment).toMatchObject({ filename: 'data.csv', size: data.length });
    const path = fileURLToPath(attachment.url);
    expect(path).toBe(join(bus.store.attachmentsOf(task!.id), 'data.csv'));
    expect(await readFile(path)).toEqual(data);
  });

  it('claim moves the task to claimed/ and writes a lease', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    expect(await readdir(bus.store.pendingDir)).toEqual([]);
    expect((await readdir(bus.store.claimedDir)).sort()).toEqual([
      `${claim.task.id}.json`,
      `${claim.task.id}.lease.json`,
    ]);
    expect(await json(bus.store.leasePath(claim.task.id))).toMatchObject({
      taskId: claim.task.id,
      workerId: 'worker-1',
      token: claim.handle,
      claimedAt: START,
      heartbeatAt: START,
    });
    expect(claim.claimedAt).toBe(START);
  });

  it('heartbeat renews the lease and records progress', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    now += 30_000;
    await bus.heartbeat(claim, 'running 30s');
    expect(await json(bus.store.leasePath(claim.task.id))).toMatchObject({
      heartbeatAt: START + 30_000,
      progress: 'running 30s',
      claimedAt: START,
    });
  });

  it('complete stores the report in done/, appends results.log and empties claimed/', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    const file = { name: 'RESULT.txt', data: Buffer.from('the whole result') };
    await bus.complete(claim, report('[SUCCESS] result one\nline two\n', [file]));
    await bus.complete(await submitAndClaim(bus, 'second'), report('[SUCCESS] result two'));

    expect(await readdir(bus.store.claimedDir)).toEqual([]);
    expect(await json(bus.store.donePath(claim.task.id))).toMatchObject({
      state: 'completed',
      workerId: 'worker-1',
      task: { id: claim.task.id },
      report: { outcome: 'SUCCESS', content: '[SUCCESS] result one\nline two\n', files: ['RESULT.txt'] },
    });
    expect(await readFile(join(bus.store.doneFilesDir(claim.task.id), 'RESULT.txt'), 'utf8')).toBe(
      'the whole result',
    );
    expect(await readFile(bus.store.resultsLog, 'utf8')).toBe(
      '[SUCCESS] result one\nline two\n[SUCCESS] result two\n',
    );
    expect(await bus.findResult(claim.task.id)).toBe('[SUCCESS] result one\nline two\n');
  });

  it('handBack writes a retry with retry+1, the origin and rebuilt tags, and records why', async () => {
    const bus = open();
    const requeued: unknown[] = [];
    bus.on('requeued', (info) => requeued.push(info));
    const claim = await submitAndClaim(bus, 'fix it [model:coder]');
    const handed = await bus.handBack(claim, 'shutting down');

    const [retry] = await bus.poll();
    expect(handed).toEqual({ action: 'requeued', taskId: retry!.id });
    expect(retry).toMatchObject({
      prompt: 'fix it',
      rawText: `fix it [model:coder] [retry:1] [origin:${claim.task.id}]`,
      model: 'coder',
      retry: 1,
      origin: claim.task.id,
    });
    expect(BigInt(retry!.messageId) > BigInt(claim.task.messageId)).toBe(true);
    expect(await json(bus.store.donePath(claim.task.id))).toMatchObject({
      state: 'released',
      reason: 'shutting down',
      requeuedAs: retry!.id,
      workerId: 'worker-1',
    });
    expect(requeued).toEqual([{ from: claim.task.id, to: retry!.id, reason: 'shutting down' }]);
    expect(await readdir(bus.store.claimedDir)).toEqual([]);
    // Retries keep the first attempt's origin and attachments.
    const second = await bus.claim(retry!, 'worker-2');
    await bus.handBack(second!, 'again');
    const [third] = await bus.poll();
    expect(third).toMatchObject({ retry: 2, origin: claim.task.id });
  });

  it('handBack on the last attempt reports FAILED with the reason instead of requeueing', async () => {
    const bus = open({ maxAttempts: 2 });
    const claim = await submitAndClaim(bus, 'doomed [retry:1] [origin:local-1]');
    expect(await bus.handBack(claim, 'agent hung')).toEqual({ action: 'failed', taskId: claim.task.id });
    expect(await bus.poll()).toEqual([]);
    const result = await bus.findResult(claim.task.id);
    expect(result).toContain(`[FAILED] ${claim.task.id} by worker-1`);
    expect(result).toContain('gave up after 2 attempts; last: agent hung');
  });

  it('status appends the seed line to worker-pool.log, one line each', async () => {
    const bus = open();
    await bus.status('worker-1', 'READY', 'Online and waiting');
    await bus.status('worker-1', 'ERROR', 'first line\nsecond line');
    expect(await readFile(bus.store.workerPoolLog, 'utf8')).toBe(
      `${new Date(START).toISOString()} [worker-1] [READY] Online and waiting\n` +
        `${new Date(START).toISOString()} [worker-1] [ERROR] first line second line\n`,
    );
  });
});

describe('LocalBus poll', () => {
  it('returns pending tasks oldest first by id, at most pollLimit', async () => {
    const bus = open({ pollLimit: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await bus.submit(`task ${i}`)).taskId);
      now += 1;
    }
    expect((await bus.poll()).map((t) => t.id)).toEqual(ids.slice(0, 3));
  });

  it('skips temp files and unreadable task files, and says so in a debug event', async () => {
    const bus = open();
    const debug: string[] = [];
    bus.on('debug', (message) => debug.push(message));
    await bus.submit('good');
    await writeFile(join(bus.store.pendingDir, 'local-1.json'), '{"version":1,"task":{"id":"nope"}}');
    await writeFile(join(bus.store.pendingDir, 'local-2.json'), 'garbage');
    await writeFile(join(bus.store.pendingDir, '.local-3.json.abc.tmp'), 'partial');
    expect((await bus.poll()).map((t) => t.prompt)).toEqual(['good']);
    expect(debug.filter((m) => m.includes('unreadable'))).toHaveLength(2);
  });

  it('runs a sweep by itself when one is due', async () => {
    const bus = open({ sweepIntervalMs: 10_000 });
    const claim = await submitAndClaim(bus);
    now += LEASE + 1;
    const polled = await bus.poll();
    expect(polled.map((t) => t.origin)).toEqual([claim.task.id]);
  });
});

describe('LocalBus claims and leases', () => {
  it('a second claim of the same task returns null', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    expect(await open().claim(claim.task, 'worker-2')).toBeNull();
  });

  it('claim of a foreign id throws TypeError; findResult of one is null', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    await expect(bus.claim({ ...claim.task, id: 'discord-1' }, 'w')).rejects.toThrow(TypeError);
    await expect(bus.claim({ ...claim.task, id: 'local-1/../../x' }, 'w')).rejects.toThrow(TypeError);
    expect(await bus.findResult('discord-1')).toBeNull();
    expect(await bus.findResult('local-../../etc')).toBeNull();
  });

  it('a claim with a wrong handle cannot heartbeat, complete or hand back', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    const forged = { ...claim, handle: 'not-the-token' };
    await expect(bus.heartbeat(forged, 'x')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await bus.complete(forged, report('x'))).toMatchObject({ outcome: 'superseded' });
    expect(await bus.handBack(forged, 'x')).toMatchObject({ action: 'lost' });
    expect(await bus.complete(claim, report('real'))).toEqual({ outcome: 'reported', taskId: claim.task.id });
  });

  it('a finished claim cannot be finished again; repeating the same complete is a no-op', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    await bus.complete(claim, report('once'));
    expect(await bus.complete(claim, report('once'))).toEqual({ outcome: 'reported', taskId: claim.task.id });
    expect(await bus.complete(claim, report('twice'))).toMatchObject({ outcome: 'superseded' });
    expect(await bus.handBack(claim, 'late')).toMatchObject({ action: 'lost' });
    expect(await bus.poll()).toEqual([]);
    expect(await bus.findResult(claim.task.id)).toBe('once');
  });

  it('a task file edited into garbage while pending is parked instead of claimed', async () => {
    const bus = open();
    const { taskId } = await bus.submit('fine');
    const [task] = await bus.poll();
    await writeFile(bus.store.pendingPath(taskId), 'garbage');
    expect(await bus.claim(task!, 'worker-1')).toBeNull();
    expect(await readdir(bus.store.doneDir)).toEqual([`${taskId}.unreadable.json`]);
  });
});

describe('LocalBus purge', () => {
  it('takes every pending task, beyond pollLimit too, keeps each record as done/<id>.purged.json and drops its files', async () => {
    const bus = open({ pollLimit: 1 });
    const held = await submitAndClaim(bus, 'claimed');
    const a = await bus.submit('first', { files: [{ name: 'a.txt', data: Buffer.from('a') }] });
    const b = await bus.submit('second');
    expect((await bus.purge()).sort()).toEqual([a.taskId, b.taskId].sort());
    expect(await bus.poll()).toEqual([]);
    expect(await readdir(bus.store.pendingDir)).toEqual([]);
    expect(await json(join(bus.store.doneDir, `${a.taskId}.purged.json`))).toMatchObject({
      task: { id: a.taskId, prompt: 'first' },
    });
    expect(await readdir(bus.store.attachmentsOf(a.taskId)).catch(() => 'gone')).toBe('gone');
    // The claim is its holder's.
    await bus.heartbeat(held, 'still running');
    expect(await bus.complete(held, report('done'))).toEqual({ outcome: 'reported', taskId: held.task.id });
  });

  it('with `all` takes claimed tasks too: the holder loses its lease and its report is dropped', async () => {
    const bus = open();
    const held = await submitAndClaim(bus, 'claimed');
    expect(await bus.purge({ all: true })).toEqual([held.task.id]);
    await expect(bus.heartbeat(held, 'still running')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await bus.complete(held, report('late'))).toMatchObject({ outcome: 'superseded' });
    expect(await bus.findResult(held.task.id)).toBeNull();
    expect(await readdir(bus.store.claimedDir)).toEqual([]);
  });
});

describe('LocalBus sweep', () => {
  it('requeues a claim whose heartbeat is older than the lease, and keeps fresh ones', async () => {
    const bus = open();
    const stale = await submitAndClaim(bus, 'stale');
    now += 60_000;
    const fresh = await submitAndClaim(bus, 'fresh');
    now += 40_000;
    await bus.heartbeat(fresh, 'still here');

    const result = await bus.sweepQueue();
    expect(result.requeued).toHaveLength(1);
    expect(result.requeued[0]?.from).toBe(stale.task.id);
    expect(result.swept).toEqual([
      {
        taskId: stale.task.id,
        from: 'worker-1',
        reason: 'no heartbeat from worker-1 for 100 s (presumed gone)',
        result: { action: 'requeued', taskId: result.requeued[0]!.to },
      },
    ]);
    const pending = await bus.poll();
    expect(pending.map((t) => [t.prompt, t.retry, t.origin])).toEqual([['stale', 1, stale.task.id]]);
    expect(await json(bus.store.donePath(stale.task.id))).toMatchObject({ state: 'released' });

    // The holder of the swept claim learns it lost it; a late report wins the waiting retry and counts as it.
    await expect(bus.heartbeat(stale, 'late')).rejects.toBeInstanceOf(LeaseLostError);
    expect(await bus.handBack(stale, 'late')).toMatchObject({ action: 'lost' });
    const late = await bus.complete(stale, report(`[SUCCESS] ${stale.task.id} by worker-1\nlate`));
    expect(late).toEqual({ outcome: 'reported', taskId: result.requeued[0]!.to, late: true });
    expect(await bus.findResult(result.requeued[0]!.to)).toContain(`first run as ${stale.task.id}`);
    expect(await bus.poll()).toEqual([]);
    expect(await bus.complete(fresh, report('fresh done'))).toMatchObject({ outcome: 'reported' });
    expect((await bus.sweepQueue()).requeued).toEqual([]);
  });

  it('honours leaseMs and now given to sweep', async () => {
    const bus = open();
    const claim = await submitAndClaim(bus);
    expect((await bus.sweepQueue({ leaseMs: 10, now: START + 10 })).requeued).toEqual([]);
    expect((await bus.sweepQueue({ leaseMs: 10, now: START + 11 })).requeued.map((r) => r.from)).toEqual([
      claim.task.id,
    ]);
  });

  it('requeues a claim that never got a lease (its process died right after the rename)', async () => {
    const bus = open();
    const { taskId } = await bus.submit('orphan');
    await rename(bus.store.pendingPath(taskId), bus.store.claimedPath(taskId));
    expect((await bus.sweepQueue()).requeued).toEqual([]);
    now += LEASE;
    expect((await bus.sweepQueue()).requeued).toEqual([]);
    now += 1;
    expect((await bus.sweepQueue()).requeued.map((r) => r.from)).toEqual([taskId]);
    expect((await bus.poll()).map((t) => t.origin)).toEqual([taskId]);
  });

  it('two sweepers requeue a stale claim exactly once', async () => {
    const a = open();
    const b = open();
    const claim = await submitAndClaim(a);
    now += LEASE + 1;
    const [ra, rb] = await Promise.all([a.sweepQueue(), b.sweepQueue()]);
    expect(ra.requeued.length + rb.requeued.length).toBe(1);
    expect((await a.poll()).map((t) => t.origin)).toEqual([claim.task.id]);
  });

  describe('finishes changes a dead process left half-done', () => {
    it('an interrupted complete without a stored report becomes a retry', async () => {
      const bus = open();
      const claim = await submitAndClaim(bus);
      await rename(
        bus.store.claimedPath(claim.task.id),
        bus.store.transitionPath(claim.task.id, 'complete', now),
      );
      now += LEASE;
      expect((await bus.sweepQueue()).recovered).toBe(0);
      now += 1;
      const result = await bus.sweepQueue();
      expect(result.recovered).toBe(1);
      expect((await bus.poll()).map((t) => t.origin)).toEqual([claim.task.id]);
      expect(await readdir(bus.store.claimedDir)).toEqual([]);
    });

    it('an interrupted complete whose report was stored is only cleaned up', async () => {
      const bus = open();
      const claim = await submitAndClaim(bus);
      const transition = bus.store.transitionPath(claim.task.id, 'complete', now);
      await rename(bus.store.claimedPath(claim.task.id), transition);
      await bus.store.writeJson(bus.store.donePath(claim.task.id), {
        version: 1,
        task: claim.task,
        state: 'completed',
        finishedAt: new Date(now).toISOString(),
        report: { outcome: 'SUCCESS', content: 'stored', summary: 's', files: [] },
      });
      now += LEASE + 1;
      expect((await bus.sweepQueue()).recovered).toBe(1);
      expect(await bus.poll()).toEqual([]);
      expect(await readdir(bus.store.claimedDir)).toEqual([]);
      expect(await bus.findResult(claim.task.id)).toBe('stored');
    });

    it('an interrupted requeue keeps its retry id and never writes the retry twice', async () => {
      const bus = open();
      const claim = await submitAndClaim(bus, 'requeue me');
      // Died after writing the retry: the sweeper must not add a second one.
      const written = '1700000000000000001';
      await rename(
        bus.store.claimedPath(claim.task.id),
        bus.store.transitionPath(claim.task.id, `requeue-${written}`, now),
      );
      await bus.store.writeJson(bus.store.pendingPath(`local-${written}`), {
        version: 1,
        task: { ...claim.task, id: `local-${written}`, messageId: written, retry: 1, origin: claim.task.id },
      });
      // Died before writing the retry: the sweeper writes it under the recorded id.
      const other = await submitAndClaim(bus, 'requeue me too');
      const missing = '1700000000000000002';
      await rename(
        bus.store.claimedPath(other.task.id),
        bus.store.transitionPath(other.task.id, `requeue-${missing}`, now),
      );
      now += LEASE + 1;
      const result = await bus.sweepQueue();
      expect(result.recovered).toBe(2);
      expect((await bus.poll()).map((t) => t.id).sort()).toEqual([`local-${written}`, `local-${missing}`]);
      expect(await json(bus.store.donePath(other.task.id))).toMatchObject({ requeuedAs: `local-${missing}` });
    });

    it('an interrupted drain goes back to pending', async () => {
      const bus = open();
      const { taskId } = await bus.submit('drain me');
      await rename(bus.store.pendingPath(taskId), bus.store.transitionPath(taskId, 'drain', now));
      expect(await bus.poll()).toEqual([]);
      now += DRAIN_TIMEOUT_MS;
      expect((await bus.sweepQueue()).recovered).toBe(0);
      now += 1;
      expect((await bus.sweepQueue()).recovered).toBe(1);
      expect((await bus.poll()).map((t) => t.id)).toEqual([taskId]);
    });
  });
});

describe('LocalBus drainTo', () => {
  it('moves pending tasks oldest first, with tags and attachments, and remembers where they went', async () => {
    const bus = open();
    const target = new MemoryBus();
    const first = await bus.submit('first [model:cheap]', {
      files: [{ name: 'a.txt', data: Buffer.from('A') }],
    });
    now += 1;
    const claimed = await submitAndClaim(bus, 'claimed stays');
    now += 1;
    const second = await bus.submit('second');

    const result = await bus.drainTo(target);
    expect(result.failed).toEqual([]);
    expect(result.moved.map((m) => m.from)).toEqual([first.taskId, second.taskId]);
    const moved = [...target.queue.entries.values()];
    expect(moved.map((e) => e.task.rawText)).toEqual(['first [model:cheap]', 'second']);
    expect(moved[0]?.task.model).toBe('cheap');
    expect(moved[0]?.files.map((f) => [f.name, f.data.toString()])).toEqual([['a.txt', 'A']]);
    expect(await bus.poll()).toEqual([]);
    expect(await bus.movedTo(first.taskId)).toEqual({ bus: 'memory', taskId: result.moved[0]!.to.taskId });
    expect(await bus.movedTo(claimed.task.id)).toBeNull();
    // The claimed task was not drained and finishes locally.
    await bus.complete(claimed, report('local result'));
    expect(await bus.findResult(claimed.task.id)).toBe('local result');
    expect((await bus.drainTo(target)).moved).toEqual([]);
  });

  it('two concurrent drains move each task exactly once', async () => {
    const a = open();
    const b = open();
    const queue = new MemoryQueue();
    for (let i = 0; i < 20; i++) await a.submit(`task ${i}`);
    const [ra, rb] = await Promise.all([a.drainTo(new MemoryBus(queue)), b.drainTo(new MemoryBus(queue))]);
    expect(ra.moved.length + rb.moved.length).toBe(20);
    const texts = [...queue.entries.values()].map((e) => e.task.rawText).sort();
    expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `task ${i}`).sort());
  });

  it('puts the task back and rethrows when the target is unavailable', async () => {
    const bus = open();
    const queue = new MemoryQueue();
    queue.down = true;
    const { taskId } = await bus.submit('wait for it');
    await expect(bus.drainTo(new MemoryBus(queue))).rejects.toBeInstanceOf(BusUnavailableError);
    expect((await bus.poll()).map((t) => t.id)).toEqual([taskId]);
    expect(await readdir(bus.store.claimedDir)).toEqual([]);
  });

  it('keeps a task the target refuses for another reason, lists it, and moves the rest', async () => {
    const bus = open();
    const target = new MemoryBus();
    // drainTo only submits, so the fake target only needs a name and submit.
    const refuse = {
      name: 'picky',
      submit: async (text: string, options?: SubmitOptions) => {
        if (text.includes('too big')) throw new TaskInvalidError('too big for the target');
        return target.submit(text, options);
      },
    } as Partial<Bus> as Bus;
    const big = await bus.submit('too big');
    const ok = await bus.submit('fine');
    const result = await bus.drainTo(refuse);
    expect(result.failed.map((f) => f.taskId)).toEqual([big.taskId]);
    expect(result.failed[0]?.error).toBeInstanceOf(TaskInvalidError);
    expect(result.moved.map((m) => m.from)).toEqual([ok.taskId]);
    expect((await bus.poll()).map((t) => t.id)).toEqual([big.taskId]);
    expect((await bus.drainTo(refuse, { exclude: new Set([big.taskId]) })).failed).toEqual([]);
  });
});

describe('LocalBus lifecycle and options', () => {
  it('close is idempotent and later calls reject', async () => {
    const bus = open();
    await bus.close();
    await bus.close();
    await expect(bus.submit('x')).rejects.toThrow('closed');
    await expect(bus.poll()).rejects.toThrow('closed');
  });

  it('validates options with TypeErrors', () => {
    expect(() => new LocalBus({ runtimeDir, leaseMs: 0 })).toThrow(TypeError);
    expect(() => new LocalBus({ runtimeDir, sweepIntervalMs: -1 })).toThrow(TypeError);
    expect(() => new LocalBus({ runtimeDir, pollLimit: 0 })).toThrow(TypeError);
    expect(() => new LocalBus({ runtimeDir, leaseMs: Number.NaN })).toThrow('finite number');
  });

  it('uses .runtime/queue under the working directory by default', () => {
    const bus = new LocalBus();
    expect(bus.store.root).toBe(join(process.cwd(), '.runtime', 'queue'));
  });
});
