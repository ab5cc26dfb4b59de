/**
 * The Bus contract: what "a task queue" means, checked the same way on every backend (hono's
 * `common.case.test.ts` pattern). Each backend's test file is a short call to {@link runBusContract}.
 *
 * Tests only look at tasks they submitted themselves, so a backend may share channels or folders between tests.
 * Cases assert effects, not just that a call resolved: a backend whose heartbeat, status or close did nothing
 * fails them. Time is the context's clock: `setNow` fixes the time every bus of the context reads (Discord's own
 * timestamps stay real, so cases set the clock relative to real times they measured).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  Bus,
  Claim,
  CompleteOptions,
  Completion,
  HandBack,
  PurgeOptions,
  Submitted,
  SubmitOptions,
  SweptTask,
} from '../../src/bus/bus.js';
import type { ReportFile, TaskReport, WorkerStatus } from '../../src/task/report.js';
import { DEFAULT_GIVE_UP_REPORT } from '../../src/bus/give-up.js';
import { lateNote, retargetReport } from '../../src/bus/retarget.js';
import { BusUnavailableError, LeaseLostError } from '../../src/lib/errors.js';
import { formatStatus } from '../../src/task/format.js';
import { buildTaskText, parseTaskText } from '../../src/task/tags.js';
import { discordTaskId, isSafeTaskId, type Task } from '../../src/task/task.js';

/** The lease every contract bus is built with. Never waited for: cases move the clock. */
export const CONTRACT_LEASE_MS = 60_000;
/** Runs per task every contract bus is built with. */
export const CONTRACT_MAX_ATTEMPTS = 3;

/** A clock every bus of one context reads; real time unless fixed. */
export class ContractClock {
  #fixed: number | null = null;
  #ahead = 0;
  /** The time now. */
  readonly now = (): number => this.#fixed ?? Date.now();
  /**
   * A monotonic clock that never goes back: once the wall clock was set ahead, it stays that far ahead (a holder
   * whose claim a sweep "in the future" handed back has not held it for less than that).
   */
  readonly monotonic = (): number => performance.now() + this.#ahead;
  /** Fix the time at `ms`. */
  set(ms: number): void {
    this.#fixed = ms;
    this.#ahead = Math.max(this.#ahead, ms - Date.now());
  }
  /** Back to real time. */
  reset(): void {
    this.#fixed = null;
  }
}

/** What a backend provides for one test. */
export interface BusContractContext {
  /** The bus used to submit, poll and (unless `workerBus` is given) claim. */
  bus: Bus;
  /** Another client of the same queue acting as `workerId` (another bot, another process' LocalBus). */
  workerBus?: (workerId: string) => Promise<Bus>;
  /** Remove what the test created. Runs after every bus from this context was closed. */
  cleanup: () => Promise<void>;
  /** The clock every bus of this context reads (built with `leaseMs` {@link CONTRACT_LEASE_MS}). */
  clock: ContractClock;
  /** The status lines the backend shows people, oldest first (`#worker-pool`, `worker-pool.log`). */
  statusLines: () => Promise<string[]>;
}

const STATUSES: WorkerStatus[] = [
  'READY',
  'CLAIMED',
  'RESTARTING',
  'IDLE',
  'STOPPING',
  'ERROR',
  'BUDGET',
  'THROTTLED',
];

/** A report in the seed's result format, so backends that search results by `[OUTCOME] <id> by <worker>` find it. */
export function contractReport(claim: Claim, outcome: TaskReport['outcome'] = 'SUCCESS'): TaskReport {
  const content = [
    '═══════════════════════════════════════',
    `[${outcome}] ${claim.task.id} by ${claim.workerId}`,
    'Model: test/model | Thinking: off | Tokens: 1 in / 1 out | Cost: $0.000000',
    '',
    'Task Prompt:',
    '```',
    claim.task.prompt,
    '```',
    '',
    'Result:',
    '```',
    `contract result for ${claim.task.prompt}`,
    '```',
  ].join('\n');
  return { outcome, content, files: [], summary: `${outcome}: ${claim.task.id}` };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `check` holds (a status may be written in the background), failing after 5 s. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
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

    // Claim a fresh task as worker-1 and note the real time right after (the claim is older than that).
    const claimFresh = async (label: string, text = uniquePrompt(label)) => {
      const task = await submitAndFind(text);
      const holder = await worker('worker-1');
      const claim = await holder.claim(task, 'worker-1');
      if (!claim) throw new Error('claim failed');
      const claimedBy = Date.now();
      return { task, holder, claim, claimedBy };
    };

    // A sweep by another worker while the clock says `at` (real time again after it): what it did to `taskId`.
    const sweepAt = async (at: number, taskId: string, by = 'worker-3'): Promise<SweptTask[]> => {
      const sweeper = await worker(by);
      ctx.clock.set(at);
      try {
        return (await sweeper.sweep()).filter((s) => s.taskId === taskId);
      } finally {
        ctx.clock.reset();
      }
    };

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

    test('a heartbeat renews the lease: the sweep leaves the claim alone, until the holder falls silent', async () => {
      const { task, holder, claim, claimedBy } = await claimFresh('heartbeat');
      // A real gap, so the heartbeat's own timestamp (Discord's clock) is later than the claim's.
      await pause(30);
      const beatAt = Date.now();
      await holder.heartbeat(claim, 'running 1s');
      expect(beatAt).toBeGreaterThan(claimedBy);
      // A whole lease after the claim, but not after the heartbeat: the claim is alive.
      expect(await sweepAt(beatAt + CONTRACT_LEASE_MS, task.id)).toEqual([]);
      await holder.heartbeat(claim, 'running 2s');
      const silentSince = Date.now();
      // A lease after the last heartbeat: abandoned, handed back.
      const swept = await sweepAt(silentSince + CONTRACT_LEASE_MS + 5_000, task.id);
      expect(swept).toHaveLength(1);
      expect(swept[0]!.from).toBe('worker-1');
      expect(swept[0]!.result).toMatchObject({ action: 'requeued' });
    });

    test('complete makes findResult return the content, and the task never comes back', async () => {
      const task = await submitAndFind(uniquePrompt('complete'));
      const bus = await worker('worker-1');
      const claim = await bus.claim(task, 'worker-1');
      if (!claim) throw new Error('claim failed');
      expect(await ctx.bus.findResult(task.id)).toBeNull();
      const report = contractReport(claim);
      expect(await bus.complete(claim, report, { fresh: true })).toEqual({
        outcome: 'reported',
        taskId: task.id,
      });
      expect(await ctx.bus.findResult(task.id)).toBe(report.content);
      expect((await pollIds()).has(task.id)).toBe(false);
      expect(await (await worker('worker-2')).claim(task, 'worker-2')).toBeNull();
      // A replay of the same report (an outbox retry) is fine and changes nothing.
      expect(await bus.complete(claim, report, { replay: true })).toEqual({
        outcome: 'reported',
        taskId: task.id,
      });
      expect(await ctx.bus.findResult(task.id)).toBe(report.content);
    });

    test('findResult is null for an unfinished task', async () => {
      const submitted = await ctx.bus.submit(uniquePrompt('unfinished'));
      expect(await ctx.bus.findResult(submitted.taskId)).toBeNull();
    });

    test('handBack requeues with retry+1 and the origin; the old task never comes back', async () => {
      const task = await submitAndFind(`${uniquePrompt('release')} [model:coder] [thinking:high]`);
      const bus = await worker('worker-1');
      const first = await bus.claim(task, 'worker-1');
      if (!first) throw new Error('claim failed');
      const handed = await bus.handBack(first, 'contract test hand-back');

      const afterFirst = await ctx.bus.poll();
      expect(afterFirst.some((t) => t.id === task.id)).toBe(false);
      const retries = afterFirst.filter((t) => t.origin === task.id);
      expect(retries).toHaveLength(1);
      const retry = retries[0]!;
      expect(handed).toEqual({ action: 'requeued', taskId: retry.id });
      expect(retry).toMatchObject({
        prompt: task.prompt,
        model: 'coder',
        thinking: 'high',
        retry: 1,
        origin: task.id,
      });
      expect(retry.id).not.toBe(task.id);
      expect(await (await worker('worker-2')).claim(task, 'worker-2')).toBeNull();
      // The holder no longer holds it.
      await expect(bus.heartbeat(first, 'still?')).rejects.toBeInstanceOf(LeaseLostError);

      const second = await bus.claim(retry, 'worker-1');
      if (!second) throw new Error('claim of the retry failed');
      await bus.handBack(second, 'contract test hand-back again');
      const again = (await ctx.bus.poll()).filter((t) => t.origin === task.id);
      expect(again.map((t) => t.retry)).toEqual([2]);
      expect(again[0]?.id).not.toBe(retry.id);
    });

    test('handBack on the last attempt reports FAILED with the reason instead of requeueing', async () => {
      const prompt = uniquePrompt('last-attempt');
      const { claim, holder } = await claimFresh(
        'last',
        buildTaskText({ prompt, retry: CONTRACT_MAX_ATTEMPTS - 1, origin: 'discord-1' }),
      );
      const handed = await holder.handBack(claim, 'the agent hung');
      expect(handed.action).toBe('failed');
      const { taskId } = handed as Extract<HandBack, { action: 'failed' }>;
      const result = await ctx.bus.findResult(taskId);
      expect(result).toContain(`[FAILED] ${taskId} by `);
      expect(result).toContain(`gave up after ${CONTRACT_MAX_ATTEMPTS} attempts; last: the agent hung`);
      expect((await ctx.bus.poll()).some((t) => t.prompt === prompt)).toBe(false);
    });

    test('a lost lease: after a sweep the holder cannot heartbeat, and its late report wins the waiting retry', async () => {
      const { task, holder, claim } = await claimFresh('late-wins');
      const swept = await sweepAt(Date.now() + 2 * CONTRACT_LEASE_MS, task.id);
      expect(swept[0]?.result).toMatchObject({ action: 'requeued' });
      const retryId = (swept[0]!.result as Extract<HandBack, { action: 'requeued' }>).taskId;
      await expect(holder.heartbeat(claim, 'late')).rejects.toBeInstanceOf(LeaseLostError);

      const report = contractReport(claim);
      const done = await holder.complete(claim, report);
      expect(done).toEqual({ outcome: 'reported', taskId: retryId, late: true });
      const result = await ctx.bus.findResult(retryId);
      expect(result).toContain(`] ${retryId} by worker-1`);
      expect(result).toContain(`first run as ${task.id}`);
      expect(result).toContain(`contract result for ${task.prompt}`);
      // Exactly one result: the retry is taken, nobody runs it again, the original has none of its own.
      expect((await ctx.bus.poll()).some((t) => t.id === retryId)).toBe(false);
      expect(await ctx.bus.findResult(task.id)).toBeNull();
    });

    test('a superseded completion: the retry ran and reported first, the late report is dropped', async () => {
      const { task, holder, claim } = await claimFresh('superseded');
      const swept = await sweepAt(Date.now() + 2 * CONTRACT_LEASE_MS, task.id);
      const retryId = (swept[0]!.result as Extract<HandBack, { action: 'requeued' }>).taskId;
      const rescuer = await worker('worker-2');
      const retry = (await rescuer.poll()).find((t) => t.id === retryId);
      if (!retry) throw new Error(`the retry ${retryId} was not offered`);
      const retryClaim = await rescuer.claim(retry, 'worker-2');
      if (!retryClaim) throw new Error('claim of the retry failed');
      const retryReport = contractReport(retryClaim);
      expect(await rescuer.complete(retryClaim, retryReport, { fresh: true })).toEqual({
        outcome: 'reported',
        taskId: retryId,
      });

      const late = await holder.complete(claim, contractReport(claim));
      expect(late.outcome).toBe('superseded');
      expect(await ctx.bus.findResult(retryId)).toBe(retryReport.content);
      expect(await ctx.bus.findResult(task.id)).toBeNull();
    });

    test('two sweepers on an abandoned claim on its last attempt: one FAILED report', async () => {
      const prompt = uniquePrompt('two-sweepers');
      const { task } = await claimFresh(
        'two',
        buildTaskText({ prompt, retry: CONTRACT_MAX_ATTEMPTS - 1, origin: 'discord-1' }),
      );
      ctx.clock.set(Date.now() + 2 * CONTRACT_LEASE_MS);
      const [a, b] = [await worker('worker-3'), await worker('worker-4')];
      const swept = (await Promise.all([a.sweep(), b.sweep()])).flat().filter((s) => s.taskId === task.id);
      const failed = swept.filter((s) => s.result.action === 'failed');
      expect(failed).toHaveLength(1);
      const { taskId } = failed[0]!.result as Extract<HandBack, { action: 'failed' }>;
      const result = await ctx.bus.findResult(taskId);
      expect(result).toContain(`[FAILED] ${taskId} by `);
      expect(result).toMatch(
        new RegExp(`gave up after ${CONTRACT_MAX_ATTEMPTS} attempts; last: no heartbeat from worker-1`),
      );
      expect(swept.filter((s) => s.result.action === 'requeued')).toEqual([]);
      expect((await ctx.bus.poll()).some((t) => t.prompt === prompt)).toBe(false);
    });

    const purgeOf = (bus: Bus) => {
      if (!bus.purge) throw new Error(`${bus.name} has no purge`);
      return bus.purge.bind(bus);
    };

    test('purge removes the waiting tasks, by the rule poll offers them: claimed, finished and handed-back ones stay', async () => {
      const waiting = await ctx.bus.submit(uniquePrompt('purge-waiting'));
      const { task: claimed, holder, claim } = await claimFresh('purge-claimed');
      const finished = await claimFresh('purge-finished');
      expect(await finished.holder.complete(finished.claim, contractReport(finished.claim))).toMatchObject({
        outcome: 'reported',
      });
      const handed = await claimFresh('purge-handed-back');
      const back = await handed.holder.handBack(handed.claim, 'contract: handed back before the purge');
      if (back.action !== 'requeued') throw new Error(`expected a retry copy, got ${back.action}`);

      const purged = await purgeOf(ctx.bus)();
      // The retry copy waits like any task; the original it replaced is not a task any more.
      expect(new Set(purged)).toEqual(new Set([waiting.taskId, back.taskId]));
      const left = await pollIds();
      expect(left.has(waiting.taskId) || left.has(back.taskId)).toBe(false);
      expect(await purgeOf(ctx.bus)()).toEqual([]);
      // The claim in flight is untouched: its holder heartbeats and reports as usual.
      await holder.heartbeat(claim, 'still running');
      expect(await holder.complete(claim, contractReport(claim))).toMatchObject({
        outcome: 'reported',
        taskId: claimed.id,
      });
      expect(await ctx.bus.findResult(finished.task.id)).toBe(contractReport(finished.claim).content);
    });

    test('purge with `all` removes claimed tasks too', async () => {
      const waiting = await ctx.bus.submit(uniquePrompt('purge-all-waiting'));
      const { task: claimed } = await claimFresh('purge-all-claimed');
      const purged = await purgeOf(ctx.bus)({ all: true });
      expect(purged).toEqual(expect.arrayContaining([waiting.taskId, claimed.id]));
      expect(await pollIds()).toEqual(new Set());
    });

    test('status shows each worker status line to people (the newest, where a backend edits one message per worker)', async () => {
      const bus = await worker('worker-1');
      for (const status of STATUSES) {
        await bus.status('worker-1', status, `contract ${status.toLowerCase()}`);
        const line = formatStatus('worker-1', status, `contract ${status.toLowerCase()}`);
        await eventually(
          async () => (await ctx.statusLines()).some((l) => l.endsWith(line)),
          `${status} shown`,
        );
      }
    });

    test('close is idempotent, and a closed bus takes no more calls', async () => {
      await ctx.bus.close();
      await expect(ctx.bus.close()).resolves.toBeUndefined();
      await expect(ctx.bus.poll()).rejects.toThrow();
      await expect(ctx.bus.submit(uniquePrompt('after-close'))).rejects.toThrow();
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
      state: 'pending' | 'claimed' | 'done' | 'released';
      handle?: string;
      workerId?: string;
      heartbeatAt?: number;
      result?: string;
      requeuedAs?: string;
      files: ReportFile[];
    }
  >();
  readonly statuses: string[] = [];
  /** The clock the queue's leases run on. */
  now: () => number = Date.now;
  leaseMs = CONTRACT_LEASE_MS;
  maxAttempts = CONTRACT_MAX_ATTEMPTS;
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
  #claims = 0;

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
      submittedAt: new Date(this.queue.now()).toISOString(),
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
    entry.handle = `${workerId}:${task.id}:${++this.#claims}`;
    entry.workerId = workerId;
    entry.heartbeatAt = this.queue.now();
    return { task: entry.task, workerId, handle: entry.handle, claimedAt: entry.heartbeatAt };
  }

  async heartbeat(claim: Claim): Promise<void> {
    this.#enter('heartbeat');
    this.#held(claim).heartbeatAt = this.queue.now();
  }

  async complete(claim: Claim, report: TaskReport, _options?: CompleteOptions): Promise<Completion> {
    this.#enter('complete');
    const entry = this.queue.entries.get(claim.task.id);
    if (entry?.state === 'claimed' && entry.handle === claim.handle) {
      entry.state = 'done';
      entry.result = report.content;
      return { outcome: 'reported', taskId: claim.task.id };
    }
    if (entry?.state === 'done' && entry.result === report.content)
      return { outcome: 'reported', taskId: claim.task.id };
    const retry = entry?.requeuedAs ? this.queue.entries.get(entry.requeuedAs) : undefined;
    if (entry?.state !== 'released' || retry?.state !== 'pending')
      return { outcome: 'superseded', reason: `${claim.task.id} is carried on by another run` };
    retry.state = 'done';
    retry.result = retargetReport(report.content, claim.task.id, retry.task.id, lateNote(claim.task.id));
    return { outcome: 'reported', taskId: retry.task.id, late: true };
  }

  async handBack(claim: Claim, reason: string): Promise<HandBack> {
    this.#enter('handBack');
    const entry = this.queue.entries.get(claim.task.id);
    if (entry?.state !== 'claimed' || entry.handle !== claim.handle)
      return { action: 'lost', reason: `${claim.workerId} no longer holds ${claim.task.id}` };
    return this.#requeue(entry, reason, claim.workerId);
  }

  async sweep(): Promise<SweptTask[]> {
    this.#enter('sweep');
    const swept: SweptTask[] = [];
    const now = this.queue.now();
    for (const entry of this.queue.entries.values()) {
      if (entry.state !== 'claimed' || now - (entry.heartbeatAt ?? 0) <= this.queue.leaseMs) continue;
      const from = entry.workerId ?? 'unknown worker';
      const reason = `no heartbeat from ${from} for ${Math.round((now - entry.heartbeatAt!) / 1000)} s (presumed gone)`;
      swept.push({
        taskId: entry.task.id,
        from,
        reason,
        result: await this.#requeue(entry, reason, 'sweeper'),
      });
    }
    return swept;
  }

  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    this.#enter('status');
    this.queue.statuses.push(formatStatus(workerId, status, detail));
  }

  async purge(options: PurgeOptions = {}): Promise<string[]> {
    this.#enter('purge');
    const purged: string[] = [];
    for (const [id, entry] of this.queue.entries) {
      if (entry.state !== 'pending' && !(options.all && entry.state === 'claimed')) continue;
      this.queue.entries.delete(id);
      purged.push(id);
    }
    return purged;
  }

  async findResult(taskId: string): Promise<string | null> {
    this.#enter('findResult');
    return this.queue.entries.get(taskId)?.result ?? null;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  // Requeue as a retry copy, or on the last attempt report FAILED with the reason.
  async #requeue(
    entry: MemoryQueue['entries'] extends Map<string, infer E> ? E : never,
    reason: string,
    actor: string,
  ): Promise<HandBack> {
    const { task } = entry;
    if (task.retry + 1 >= this.queue.maxAttempts) {
      entry.state = 'done';
      entry.result = DEFAULT_GIVE_UP_REPORT(task, actor, task.retry + 1, reason).content;
      return { action: 'failed', taskId: task.id };
    }
    const text = buildTaskText({
      prompt: task.prompt,
      model: task.model,
      thinking: task.thinking,
      retry: task.retry + 1,
      origin: task.origin ?? task.id,
    });
    const { taskId } = await this.submit(text, { files: entry.files });
    entry.state = 'released';
    entry.requeuedAs = taskId;
    return { action: 'requeued', taskId };
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
