import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../../src/bus/bus.js';
import type { TaskReport } from '../../../src/task/report.js';
import { FallbackBus, type FallbackBusOptions } from '../../../src/bus/fallback-bus.js';
import { LocalBus } from '../../../src/bus/local/local-bus.js';
import { AppError, BusUnavailableError, TaskInvalidError } from '../../../src/lib/errors.js';
import { MemoryBus, MemoryQueue } from '../../contract/bus.contract.js';

const START = Date.UTC(2026, 0, 2, 3, 4, 5);
const PROBE = 30_000;

let runtimeDir: string;
let now: number;
let primary: MemoryQueue;
const closers: Array<{ close(): Promise<void> }> = [];

function setup(options: FallbackBusOptions = {}) {
  const local = new LocalBus({ runtimeDir, clock: () => now, sweepIntervalMs: 0 });
  const bus = new FallbackBus(new MemoryBus(primary), local, { clock: () => now, ...options });
  const events: string[] = [];
  bus.on('primary-down', () => events.push('down'));
  bus.on('primary-up', () => events.push('up'));
  closers.push(bus);
  return { bus, local, events };
}

function report(content: string): TaskReport {
  return { outcome: 'SUCCESS', content, summary: content, files: [] };
}

// Calls that reached the primary, counted by method.
const primaryCalls = (method: string) => primary.calls.filter((c) => c === method).length;

beforeEach(async () => {
  runtimeDir = await mkdtemp(join(tmpdir(), 'fallback-bus-'));
  now = START;
  primary = new MemoryQueue();
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c.close();
  await rm(runtimeDir, { recursive: true, force: true });
});

describe('FallbackBus while the primary is up', () => {
  it('uses only the primary', async () => {
    const { bus, local, events } = setup();
    const submitted = await bus.submit('hello [model:cheap]');
    expect(submitted.via).toBe('memory');
    const [task] = await bus.poll();
    expect(task).toMatchObject({ id: submitted.taskId, model: 'cheap' });
    const claim = await bus.claim(task!, 'worker-1');
    await bus.complete(claim!, report('done'));
    expect(await bus.findResult(submitted.taskId)).toBe('done');
    expect(await local.poll()).toEqual([]);
    expect(events).toEqual([]);
    expect(bus.primaryDown).toBe(false);
  });

  it('passes other errors through without falling back', async () => {
    const { local } = setup();
    const failing = {
      name: 'failing',
      submit: async () => {
        throw new TaskInvalidError('no such model');
      },
      close: async () => {},
    } as Partial<Bus> as Bus;
    const composite = new FallbackBus(failing, local, { clock: () => now });
    const events: string[] = [];
    composite.on('primary-down', () => events.push('down'));
    closers.push(composite);
    await expect(composite.submit('x')).rejects.toBeInstanceOf(TaskInvalidError);
    expect(composite.primaryDown).toBe(false);
    expect(await local.poll()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('decides by error class or code, never by message', async () => {
    const { local } = setup();
    let thrown: Error = new Error('bus unavailable: BUS_UNAVAILABLE');
    const flaky = {
      name: 'flaky',
      submit: async () => {
        throw thrown;
      },
      close: async () => {},
    } as Partial<Bus> as Bus;
    const composite = new FallbackBus(flaky, local, { clock: () => now });
    closers.push(composite);
    await expect(composite.submit('x')).rejects.toBe(thrown);
    thrown = new AppError('BUS_UNAVAILABLE', 'anything at all');
    expect((await composite.submit('x')).via).toBe('local');
  });
});

describe('FallbackBus during an outage', () => {
  it('submit goes to the local queue and says so', async () => {
    const { bus, local, events } = setup();
    primary.down = true;
    const submitted = await bus.submit('offline work [thinking:low]');
    expect(submitted.via).toBe('local');
    expect(submitted.taskId).toMatch(/^local-\d+$/);
    expect((await local.poll()).map((t) => t.id)).toEqual([submitted.taskId]);
    expect(events).toEqual(['down']);
    expect(bus.primaryDown).toBe(true);
  });

  it('workers poll, claim and finish local tasks; results land in the local logs', async () => {
    const { bus, local } = setup();
    primary.down = true;
    const { taskId } = await bus.submit('offline work');
    const [task] = await bus.poll();
    expect(task?.id).toBe(taskId);
    const claim = await bus.claim(task!, 'worker-1');
    expect(claim).not.toBeNull();
    await bus.heartbeat(claim!, 'running');
    await bus.status('worker-1', 'CLAIMED', taskId);
    await bus.complete(claim!, report(`[SUCCESS] ${taskId} by worker-1`));
    expect(await bus.findResult(taskId)).toBe(`[SUCCESS] ${taskId} by worker-1`);
    expect(await readFile(local.store.resultsLog, 'utf8')).toContain(`[SUCCESS] ${taskId} by worker-1`);
    expect(await readFile(local.store.workerPoolLog, 'utf8')).toContain(`[worker-1] [CLAIMED] ${taskId}`);
  });

  it('probes the primary at most once per probe interval', async () => {
    const { bus } = setup({ probeIntervalMs: PROBE });
    primary.down = true;
    await bus.submit('a');
    const before = primary.calls.length;
    for (let i = 0; i < 5; i++) await bus.poll();
    await bus.submit('b');
    expect(primary.calls.length).toBe(before);
    now += PROBE;
    await bus.poll();
    await bus.poll();
    expect(primary.calls.length).toBe(before + 1);
  });

  it('claiming a primary task while the primary is down returns null', async () => {
    const { bus, events } = setup();
    await bus.submit('from discord');
    const [task] = await bus.poll();
    primary.down = true;
    expect(await bus.claim(task!, 'worker-1')).toBeNull();
    expect(events).toEqual(['down']);
  });
});

describe('FallbackBus recovery', () => {
  it('drains local tasks into the primary exactly once, then serves them from there', async () => {
    const { bus, local, events } = setup();
    primary.down = true;
    const a = await bus.submit('queued offline 1 [model:coder]');
    const b = await bus.submit('queued offline 2', { files: [{ name: 'x.txt', data: Buffer.from('x') }] });
    primary.down = false;
    now += PROBE;

    const drained: string[][] = [];
    bus.on('drained', (r) => drained.push(r.moved.map((m) => m.from)));
    const tasks = await bus.poll();
    expect(events).toEqual(['down', 'up']);
    expect(drained).toEqual([[a.taskId, b.taskId]]);
    expect(tasks.map((t) => [t.prompt, t.model])).toEqual([
      ['queued offline 1', 'coder'],
      ['queued offline 2', undefined],
    ]);
    expect(tasks.every((t) => t.id.startsWith('discord-'))).toBe(true);
    expect(tasks[1]?.attachments.map((f) => f.filename)).toEqual(['x.txt']);
    expect(await local.poll()).toEqual([]);

    const submitsSoFar = primaryCalls('submit');
    await bus.poll();
    expect(primaryCalls('submit')).toBe(submitsSoFar);
    expect(primary.entries.size).toBe(2);
  });

  it('two processes recovering at once drain each task exactly once', async () => {
    const first = setup();
    const second = setup();
    primary.down = true;
    for (let i = 0; i < 10; i++) await first.bus.submit(`offline ${i}`);
    primary.down = false;
    const [x, y] = await Promise.all([first.bus.poll(), second.bus.poll()]);
    expect(x.length).toBe(10);
    expect(y.length).toBe(10);
    const texts = [...primary.entries.values()].map((e) => e.task.rawText).sort();
    expect(texts).toEqual(Array.from({ length: 10 }, (_, i) => `offline ${i}`).sort());
  });

  it('a local claim taken during the outage still finishes locally after recovery', async () => {
    const { bus, local } = setup();
    primary.down = true;
    const { taskId } = await bus.submit('long local job');
    const [task] = await bus.poll();
    const claim = await bus.claim(task!, 'worker-1');
    primary.down = false;
    now += PROBE;
    expect(await bus.poll()).toEqual([]);
    await bus.heartbeat(claim!, 'still running');
    await bus.complete(claim!, report('local result'));
    expect(await local.findResult(taskId)).toBe('local result');
    expect(primaryCalls('complete')).toBe(0);
    expect(primary.entries.size).toBe(0);
  });

  it('findResult follows a drained task to the primary', async () => {
    const { bus } = setup();
    primary.down = true;
    const { taskId } = await bus.submit('drain then finish');
    primary.down = false;
    now += PROBE;
    const [task] = await bus.poll();
    expect(await bus.findResult(taskId)).toBeNull();
    const claim = await bus.claim(task!, 'worker-1');
    await bus.complete(claim!, report('finished upstream'));
    expect(await bus.findResult(taskId)).toBe('finished upstream');
  });

  it('keeps a task the primary refuses local, serves it with the primary tasks, and offers it once', async () => {
    const { local } = setup();
    const memory = new MemoryBus(primary);
    const picky = {
      name: 'picky',
      submit: async (text: string) => {
        if (text.includes('refuse')) throw new TaskInvalidError('too long for Discord');
        return memory.submit(text);
      },
      poll: () => memory.poll(),
      close: async () => {},
    } as Partial<Bus> as Bus;
    const bus = new FallbackBus(picky, local, { clock: () => now });
    closers.push(bus);
    const refused = await local.submit('please refuse me');
    await local.submit('take me');
    const debug: string[] = [];
    bus.on('debug', (m) => debug.push(m));

    const tasks = await bus.poll();
    expect(tasks.map((t) => t.prompt)).toEqual(['take me', 'please refuse me']);
    expect(tasks[1]?.id).toBe(refused.taskId);
    expect(debug.some((m) => m.includes(refused.taskId))).toBe(true);
    await bus.poll();
    expect(primary.entries.size).toBe(1);
    const claim = await bus.claim(tasks[1]!, 'worker-1');
    await bus.complete(claim!, report('ran locally'));
    expect(await bus.findResult(refused.taskId)).toBe('ran locally');
  });
});

describe('FallbackBus reports for primary claims', () => {
  it('complete of a primary claim during an outage throws at once and never writes locally; it can be delivered later', async () => {
    const { bus, local, events } = setup();
    await bus.submit('discord task');
    const [task] = await bus.poll();
    const claim = await bus.claim(task!, 'worker-1');
    primary.down = true;
    await expect(bus.complete(claim!, report('lost?'))).rejects.toBeInstanceOf(BusUnavailableError);
    expect(primaryCalls('complete')).toBe(1);
    expect(events).toEqual(['down']);
    expect(await readFile(local.store.resultsLog, 'utf8').catch(() => '')).toBe('');
    // The claim is still held upstream, so the outbox's later delivery (a replay) is taken.
    primary.down = false;
    await bus.complete(claim!, report('delivered'), { replay: true });
    expect(await bus.findResult(task!.id)).toBe('delivered');
    expect(bus.primaryDown).toBe(false);
  });

  it('handBack of a primary claim during an outage throws at once, and later requeues on the primary', async () => {
    const { bus, local } = setup();
    await bus.submit('discord task');
    const [task] = await bus.poll();
    const claim = await bus.claim(task!, 'worker-1');
    primary.down = true;
    await expect(bus.handBack(claim!, 'shutdown')).rejects.toBeInstanceOf(BusUnavailableError);
    expect(primaryCalls('handBack')).toBe(1);
    expect(await local.poll()).toEqual([]);
    primary.down = false;
    await bus.handBack(claim!, 'shutdown');
    const [retry] = await bus.poll();
    expect(retry).toMatchObject({ retry: 1, origin: task!.id });
  });

  it('heartbeat of a primary claim during an outage rethrows', async () => {
    const { bus, events } = setup();
    await bus.submit('discord task');
    const [task] = await bus.poll();
    const claim = await bus.claim(task!, 'worker-1');
    primary.down = true;
    await expect(bus.heartbeat(claim!, 'x')).rejects.toBeInstanceOf(BusUnavailableError);
    expect(events).toEqual(['down']);
  });
});

describe('FallbackBus: what the protocol work added', () => {
  it('a local result the primary refuses to publish (a 4xx) never stops poll; it stays in the local log', async () => {
    const { bus, local } = setup();
    primary.down = true;
    const { taskId } = await bus.submit('finish me offline');
    const [task] = await bus.poll();
    const claim = await bus.claim(task!, 'worker-1');
    await bus.complete(claim!, report(`[SUCCESS] ${taskId} by worker-1`));
    primary.down = false;
    now += PROBE;
    const memory = bus.primary as MemoryBus;
    Object.assign(memory, {
      publish: async () => {
        throw new TaskInvalidError('Discord refused the result (400)');
      },
    });
    const debug: string[] = [];
    bus.on('debug', (m) => debug.push(m));
    await bus.submit('a discord task');
    for (let i = 0; i < 6; i++) expect((await bus.poll()).map((t) => t.prompt)).toEqual(['a discord task']);
    expect(debug.filter((m) => m.includes(`refused the local result of ${taskId}`))).toHaveLength(1);
    expect(await readFile(local.store.resultsLog, 'utf8')).toContain(taskId);
  });

  it('submit gives the primary and the local queue the same nonce, so a drain cannot double a lost post', async () => {
    const { bus, local } = setup();
    const nonces: (string | undefined)[] = [];
    const memory = bus.primary as MemoryBus;
    const real = memory.submit.bind(memory);
    memory.submit = async (text, options) => {
      nonces.push(options?.nonce);
      if (nonces.length === 1) throw new BusUnavailableError('answer lost');
      return real(text, options);
    };
    const submitted = await bus.submit('exactly once please');
    expect(submitted.via).toBe('local');
    now += PROBE;
    await bus.poll(); // drains the local copy into the primary
    expect(nonces).toHaveLength(2);
    expect(nonces[0]).toMatch(/^\w{1,25}$/);
    expect(nonces[1]).toBe(nonces[0]);
    expect(await local.poll()).toEqual([]);
  });

  it('sweep hands back abandoned claims on both queues', async () => {
    const { bus } = setup();
    primary.leaseMs = 1000;
    primary.now = () => now;
    await bus.submit('primary task');
    const [task] = await bus.poll();
    await bus.claim(task!, 'worker-1');
    now += 2000;
    const swept = await bus.sweep();
    expect(swept.map((s) => [s.taskId, s.result.action])).toEqual([[task!.id, 'requeued']]);
  });
});

describe('FallbackBus lifecycle', () => {
  it('close closes both buses once, even when one fails, and is idempotent', async () => {
    const { local } = setup();
    let primaryCloses = 0;
    const failing = {
      name: 'failing',
      close: async () => {
        primaryCloses += 1;
        throw new Error('socket already gone');
      },
    } as Partial<Bus> as Bus;
    const bus = new FallbackBus(failing, local);
    const debug: string[] = [];
    bus.on('debug', (m) => debug.push(m));
    await bus.close();
    await bus.close();
    expect(primaryCloses).toBe(1);
    expect(debug.some((m) => m.includes('socket already gone'))).toBe(true);
    await expect(local.poll()).rejects.toThrow('closed');
  });

  it('validates options with TypeErrors', () => {
    const { local } = setup();
    const memory = new MemoryBus(primary);
    expect(() => new FallbackBus(memory, local, { probeIntervalMs: -1 })).toThrow(TypeError);
    expect(() => new FallbackBus(memory, local, { probeIntervalMs: Number.NaN })).toThrow(TypeError);
  });
});
