/**
 * The Bus contract: what "a task queue" means, checked the same way on every backend (hono's
 * `common.case.test.ts` pattern). Each backend's test file is a short call to {@link runBusContract}.
 *
 * Tests only look at tasks they submitted themselves, so a backend may share channels or folders between tests.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Bus,
  Claim,
  ReportFile,
  Submitted,
  SubmitOptions,
  TaskReport,
  WorkerStatus,
} from '../../src/bus/bus.js';
import { BusUnavailableError, LeaseLostError } from '../../src/lib/errors.js';
import { buildTaskText, parseTaskText } from '../../src/task/tags.js';
import { discordTaskId, isSafeTaskId, type Task } from '../../src/task/task.js';

/** What a backend provides for one test. */
export interface BusContractContext {
  /** The bus used to submit, poll and (unless `workerBus` is given) claim. */
  bus: Bus;
  /** Another client of the same queue acting as `workerId` (another bot, another process' LocalBus). */
  workerBus?: (workerId: string) => Promise<Bus>;
  /** Remove what the test created. Runs after every bus from this context was closed. */
  cleanup: () => Promise<void>;
}

const STATUSES: WorkerStatus[] = ['READY', 'CLAIMED', 'RESTARTING', 'IDLE', 'STOPPING', 'ERROR', 'BUDGET'];

/** A report in the seed's result format, so backends that search results by `[OUTCOME] <id> by <worker>` find it. */
export function contractReport(claim: Claim, outcome: TaskReport['outcome'] = 'SUCCESS'): TaskReport {
  const content = [
    '═══════════════════════════════════════',
    `[${outcome}] ${claim.task.id} by ${claim.workerId}`,
    'Model: test/model | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000',
    '',
    'Result:',
    '```',
    `contract result for ${claim.task.prompt}`,
    '```',
  ].join('\n');
  return { outcome, content, files: [], summary: `${outcome}: ${claim.task.id}` };
}

/**
 * Run the Bus contract against one backend. Every backend runs every case: there is no skip list, so a backend
 * that cannot meet a case fails it rather than hiding it.
 */
export function runBusContract(name: string, create: () => Promise<BusContractContext>): void {
  const test = (title: string, fn: () => Promise<void>) => it(title, fn);

  describe(`Bus contract: ${name}`, () => {
    let ctx: BusContractContext;
    let opened: Bus[];
    let seq = 0;

    beforeEach(async () => {
      ctx = await create();
      opened = [ctx.bus];
    });

    afterEach(async () => {
      for (const bus of opened) await bus.close();
      await ctx.cleanup();
    });

    const worker = async (workerId: string): Promise<Bus> => {
      if (!ctx.workerBus) return ctx.bus;
      const bus = await ctx.workerBus(workerId);
      opened.push(bus);
      return bus;
    };

    // A prompt unique to this run, so tests never confuse their task with another's.
    const uniquePrompt = (label: string) => `contract ${label} ${process.pid}-${Date.now()}-${++seq}`;

    const submitAndFind = async (text: string): Promise<Task> => {
      const submitted = await ctx.bus.submit(text);
      const task = (await ctx.bus.poll()).find((t) => t.id === submitted.taskId);
      if (!task) throw new Error(`Submitted ${submitted.taskId} but poll did not return it`);
      return task;
    };

    const pollIds = async (bus: Bus = ctx.bus) => new Set((await bus.poll()).map((t) => t.id));

    test('submit returns a safe task id and the backend name', async () => {
      const submitted = await ctx.bus.submit(uniquePrompt('ids'));
      expect(isSafeTaskId(submitted.taskId)).toBe(true);
      expect(submitted.taskId.endsWith(`-${submitted.messageId}`)).toBe(true);
      expect(submitted.via).not.toBe('');
    });

    test('submit then poll sees the task with its tags parsed', async () => {
      const prompt = uniquePrompt('tags');
      const raw = `[model:cheap] ${prompt} [thinking:low]`;
      const submitted = await ctx.bus.submit(raw);
      const task = (await ctx.bus.poll()).find((t) => t.id === submitted.taskId);
      expect(task).toMatchObject({
        id: submitted.taskId,
        messageId: submitted.messageId,
        prompt,
        rawText: raw,
        model: 'cheap',
        thinking: 'low',
        retry: 0,
        attachments: [],
      });
      expect(task?.origin).toBeUndefined();
      expect(Number.isNaN(Date.parse(task?.submittedAt ?? ''))).toBe(false);
    });

    test('submit with files exposes them as attachments', async () => {
      const data = Buffer.from('hello attachment\n');
      const submitted = await ctx.bus.submit(uniquePrompt('files'), { files: [{ name: 'notes.txt', data }] });
      const task = (await ctx.bus.poll()).find((t) => t.id === submitted.taskId);
      expect(task?.attachments).toHaveLength(1);
      expect(task?.attachments[0]).toMatchObject({ filename: 'notes.txt', size: data.length });
      expect(task?.attachments[0]?.url).toMatch(/^(file|https?):\/\//);
    });

    test('poll returns tasks oldest first', async () => {
      const ids: string[] = [];
      for (const label of ['first', 'second', 'third'])
        ids.push((await ctx.bus.submit(uniquePrompt(label))).taskId);
      const order = (await ctx.bus.poll()).map((t) => t.id).filter((id) => ids.includes(id));
      expect(order).toEqual(ids);
    });

    test('a worker claims a polled task and holds it', async () => {
      const task = await submitAndFind(uniquePrompt('claim'));
      const bus = await worker('worker-1');
      const claim = await bus.claim(task, 'worker-1');
      expect(claim).not.toBeNull();
      expect(claim?.task.id).toBe(task.id);
      expect(claim?.task.prompt).toBe(task.prompt);
      expect(claim?.workerId).toBe('worker-1');
      expect(typeof claim?.handle).toBe('string');
      expect(Number.isFinite(claim?.claimedAt)).toBe(true);
    });

    test('a claimed task is not returned by poll', async () => {
      const task = await submitAndFind(uniquePrompt('hidden'));
      const claim = await (await worker('worker-1')).claim(task, 'worker-1');
      expect(claim).not.toBeNull();
      expect((await pollIds()).has(task.id)).toBe(false);
    });

    test('a second claim of a claimed task returns null', async () => {
      const task = await submitAndFind(uniquePrompt('twice'));
      expect(await (await worker('worker-1')).claim(task, 'worker-1')).not.toBeNull();
      expect(await (await worker('worker-2')).claim(task, 'worker-2')).toBeNull();
    });

    for (const racers of [2, 10]) {
      test(`${racers} concurrent claims of one task: exactly one Claim, the rest null`, async () => {
        const task = await submitAndFind(uniquePrompt(`race-${racers}`));
        const ids = Array.from({ length: racers }, (_, i) => `worker-${i + 1}`);
        const buses = await Promise.all(ids.map((id) => worker(id)));
        const results = await Promise.all(buses.map((bus, i) => bus.claim(task, ids[i]!)));
        const winners = results.filter((c): c is Claim => c !== null);
        expect(winners).toHaveLength(1);
        expect(ids).toContain(winners[0]?.workerId);
      });
    }

    test('heartbeat on a held claim resolves', async () => {
      const task = await submitAndFind(uniquePrompt('heartbeat'));
      const claim = await (await worker('worker-1')).claim(task, 'worker-1');
      if (!claim) throw new Error('claim failed');
      await expect(ctx.bus.heartbeat(claim, 'running 1s')).resolves.toBeUndefined();
      await expect(ctx.bus.heartbeat(claim, 'running 2s')).resolves.toBeUndefined();
    });

    test('complete makes findResult return the content, and the task never comes back', async () => {
      const task = await submitAndFind(uniquePrompt('complete'));
      const bus = await worker('worker-1');
      const claim = await bus.claim(task, 'worker-1');
      if (!claim) throw new Error('claim failed');
      expect(await ctx.bus.findResult(task.id)).toBeNull();
      const report = contractReport(claim);
      await bus.complete(claim, report);
      expect(await ctx.bus.findResult(task.id)).toBe(report.content);
      expect((await pollIds()).has(task.id)).toBe(false);
      expect(await (await worker('worker-2')).claim(task, 'worker-2')).toBeNull();
    });

    test('findResult is null for an unfinished task', async () => {
      const submitted = await ctx.bus.submit(uniquePrompt('unfinished'));
      expect(await ctx.bus.findResult(submitted.taskId)).toBeNull();
    });

    test('release requeues with retry+1 and the origin; the old task never comes back', async () => {
      const task = await submitAndFind(`${uniquePrompt('release')} [model:coder] [thinking:high]`);
      const bus = await worker('worker-1');
      const first = await bus.claim(task, 'worker-1');
      if (!first) throw new Error('claim failed');
      await bus.release(first, 'contract test release');

      const afterFirst = await ctx.bus.poll();
      expect(afterFirst.some((t) => t.id === task.id)).toBe(false);
      const retries = afterFirst.filter((t) => t.origin === task.id);
      expect(retries).toHaveLength(1);
      const retry = retries[0]!;
      expect(retry).toMatchObject({
        prompt: task.prompt,
        model: 'coder',
        thinking: 'high',
        retry: 1,
        origin: task.id,
      });
      expect(retry.id).not.toBe(task.id);
      expect(await (await worker('worker-2')).claim(task, 'worker-2')).toBeNull();

      const second = await bus.claim(retry, 'worker-1');
      if (!second) throw new Error('claim of the retry failed');
      await bus.release(second, 'contract test release again');
      const again = (await ctx.bus.poll()).filter((t) => t.origin === task.id);
      expect(again.map((t) => t.retry)).toEqual([2]);
      expect(again[0]?.id).not.toBe(retry.id);
    });

    test('status accepts every worker status', async () => {
      const bus = await worker('worker-1');
      for (const status of STATUSES) {
        await expect(
          bus.status('worker-1', status, `contract ${status.toLowerCase()}`),
        ).resolves.toBeUndefined();
      }
    });

    test('close is idempotent', async () => {
      await ctx.bus.close();
      await expect(ctx.bus.close()).resolves.toBeUndefined();
    });
  });
}

/** State shared by every {@link MemoryBus} client of one in-memory queue. */
export class MemoryQueue {
  /** While true every call throws `BusUnavailableError` (an outage). */
  down = false;
  /** Method names called, in order (outages included), for tests that count calls. */
  readonly calls: string[] = [];
  readonly entries = new Map<
    string,
    {
      task: Task;
      state: 'pending' | 'claimed' | 'done';
      handle?: string;
      result?: string;
      files: ReportFile[];
    }
  >();
  readonly statuses: string[] = [];
  #next = 1_000_000_000_000_000_000n;

  /** A fresh snowflake-like id, increasing. */
  nextDigits(): string {
    this.#next += 1n;
    return this.#next.toString();
  }
}

/**
 * A reference Bus in memory (ids `discord-<digits>`), used as the fake primary in FallbackBus tests and run through
 * the contract itself so the fake is known to be a faithful queue. Set `queue.down` to simulate an outage.
 */
export class MemoryBus implements Bus {
  readonly name = 'memory';
  readonly queue: MemoryQueue;
  #closed = false;

  constructor(queue: MemoryQueue = new MemoryQueue()) {
    this.queue = queue;
  }

  async submit(text: string, options: SubmitOptions = {}): Promise<Submitted> {
    this.#enter('submit');
    const digits = this.queue.nextDigits();
    const parsed = parseTaskText(text);
    const files = options.files ?? [];
    const task: Task = {
      id: discordTaskId(digits),
      messageId: digits,
      prompt: parsed.prompt,
      rawText: text,
      retry: parsed.retry,
      authorId: 'memory',
      submittedAt: new Date().toISOString(),
      attachments: files.map((f) => ({
        filename: f.name,
        url: `https://memory.invalid/${digits}/${f.name}`,
        size: f.data.length,
      })),
    };
    if (parsed.model !== undefined) task.model = parsed.model;
    if (parsed.thinking !== undefined) task.thinking = parsed.thinking;
    if (parsed.origin !== undefined) task.origin = parsed.origin;
    this.queue.entries.set(task.id, { task, state: 'pending', files });
    return { taskId: task.id, messageId: digits, via: this.name };
  }

  async poll(): Promise<Task[]> {
    this.#enter('poll');
    return [...this.queue.entries.values()].filter((e) => e.state === 'pending').map((e) => e.task);
  }

  async claim(task: Task, workerId: string): Promise<Claim | null> {
    this.#enter('claim');
    const entry = this.queue.entries.get(task.id);
    if (entry?.state !== 'pending') return null;
    entry.state = 'claimed';
    entry.handle = `${workerId}:${task.id}`;
    return { task: entry.task, workerId, handle: entry.handle, claimedAt: Date.now() };
  }

  async heartbeat(claim: Claim): Promise<void> {
    this.#enter('heartbeat');
    this.#held(claim);
  }

  async complete(claim: Claim, report: TaskReport): Promise<void> {
    this.#enter('complete');
    const entry = this.#held(claim);
    entry.state = 'done';
    entry.result = report.content;
  }

  async release(claim: Claim): Promise<void> {
    this.#enter('release');
    const entry = this.#held(claim);
    entry.state = 'done';
    const { task } = entry;
    const text = buildTaskText({
      prompt: task.prompt,
      model: task.model,
      thinking: task.thinking,
      retry: task.retry + 1,
      origin: task.origin ?? task.id,
    });
    await this.submit(text, { files: entry.files });
  }

  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    this.#enter('status');
    this.queue.statuses.push(`[${workerId}] [${status}] ${detail}`);
  }

  async findResult(taskId: string): Promise<string | null> {
    this.#enter('findResult');
    return this.queue.entries.get(taskId)?.result ?? null;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #enter(method: string): void {
    if (this.#closed) throw new Error('MemoryBus is closed');
    this.queue.calls.push(method);
    if (this.queue.down) throw new BusUnavailableError(`memory bus is down (${method})`);
  }

  #held(claim: Claim) {
    const entry = this.queue.entries.get(claim.task.id);
    if (entry?.state !== 'claimed' || entry.handle !== claim.handle) {
      throw new LeaseLostError(`${claim.workerId} no longer holds ${claim.task.id}`);
    }
    return entry;
  }
}
