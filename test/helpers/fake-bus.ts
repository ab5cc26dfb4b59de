/**
 * An in-memory {@link Bus} for unit tests: records every call, serves a queue of tasks you push, can be told to
 * throw `BusUnavailableError` (N times or until reset), and can simulate losing a claim to another worker.
 */
import type {
  Bus,
  Claim,
  ClaimHold,
  CompleteOptions,
  Completion,
  HandBack,
  SubmitOptions,
  Submitted,
  SweptTask,
} from '../../src/bus/bus.js';
import type { TaskReport, WorkerStatus } from '../../src/task/report.js';
import { BusUnavailableError } from '../../src/lib/errors.js';
import type { Task } from '../../src/task/task.js';

/** Bus methods a {@link FakeBus} can be told to fail. */
export type BusMethod =
  | 'submit'
  | 'poll'
  | 'claim'
  | 'heartbeat'
  | 'complete'
  | 'handBack'
  | 'sweep'
  | 'status'
  | 'findResult'
  | 'close';

/** One recorded call. `failed` is true when the fake threw instead of answering. */
export interface BusCall {
  method: BusMethod;
  args: unknown[];
  failed: boolean;
}

/** A status line as posted. */
export interface StatusCall {
  workerId: string;
  status: WorkerStatus;
  detail: string;
}

let nextMessageId = 1_000_000_000_000_000_000n;

/** A task with sensible defaults (id `discord-<message id>`, empty attachments, first attempt). */
export function makeTask(overrides: Partial<Task> = {}): Task {
  const messageId = overrides.messageId ?? String(nextMessageId++);
  const prompt = overrides.prompt ?? 'say hello';
  return {
    id: `discord-${messageId}`,
    messageId,
    prompt,
    rawText: prompt,
    retry: 0,
    authorId: '42',
    submittedAt: '2026-01-01T00:00:00.000Z',
    attachments: [],
    ...overrides,
  };
}

/** In-memory bus. Successful calls are recorded in the typed arrays; every call (failed too) in {@link calls}. */
export class FakeBus implements Bus {
  readonly name = 'fake';
  /** Every call in order, failed ones included. */
  readonly calls: BusCall[] = [];
  readonly statuses: StatusCall[] = [];
  /** Successful claims (the claims handed out). */
  readonly claims: Claim[] = [];
  /** Claim attempts, won or lost: task ids in order. */
  readonly claimAttempts: string[] = [];
  readonly completes: { claim: Claim; report: TaskReport; options?: CompleteOptions }[] = [];
  readonly releases: { claim: Claim; reason: string }[] = [];
  /** What the next `complete` calls answer (default: reported under the claim's id). */
  completion: (claim: Claim) => Completion = (claim) => ({ outcome: 'reported', taskId: claim.task.id });
  /** What `handBack` answers (default: requeued while attempts remain of 3, else failed). */
  handBackResult: (claim: Claim) => HandBack = (claim) =>
    claim.task.retry + 1 < 3
      ? { action: 'requeued', taskId: `${claim.task.id}-retry` }
      : { action: 'failed', taskId: `${claim.task.id}-retry` };
  /** What `sweep` answers. */
  swept: () => SweptTask[] = () => [];
  /** Number of sweep() calls. */
  sweeps = 0;
  /** What `claimHold` answers. */
  hold: ClaimHold | null = null;
  readonly heartbeats: { claim: Claim; progress: string }[] = [];
  readonly submitted: { text: string; options?: SubmitOptions }[] = [];
  /** Number of poll() calls, failed ones included. */
  polls = 0;
  /** `Date.now()` at each poll() call (fake timers make these exact). */
  readonly pollTimes: number[] = [];
  closed = false;

  readonly #queue: Task[] = [];
  readonly #takenByOthers = new Set<string>();
  readonly #claimed = new Set<string>();
  #failRemaining = 0;
  #failForever = false;
  #failMethods: ReadonlySet<BusMethod> | 'all' = 'all';
  #failMessage = 'fake bus: backend unreachable';

  /** Queue tasks (served oldest first by poll()). */
  push(...tasks: Task[]): this {
    this.#queue.push(...tasks);
    return this;
  }

  /** Tasks still queued and not claimed. */
  get queued(): Task[] {
    return this.#queue.filter((t) => !this.#claimed.has(t.id) && !this.#takenByOthers.has(t.id));
  }

  /**
   * Pretend another worker won this task: poll() may still return it (as a real poll can, racing), but claim()
   * answers null.
   */
  takeByOther(taskId: string): this {
    this.#takenByOthers.add(taskId);
    return this;
  }

  /** Make the next `n` calls (of `methods`, default all) throw `BusUnavailableError`. */
  failNext(n: number, methods: BusMethod[] | 'all' = 'all'): this {
    this.#failRemaining = n;
    this.#failForever = false;
    this.#failMethods = methods === 'all' ? 'all' : new Set(methods);
    return this;
  }

  /** Make every call (of `methods`, default all) throw `BusUnavailableError` until {@link reset}. */
  failUntilReset(methods: BusMethod[] | 'all' = 'all'): this {
    this.#failForever = true;
    this.#failMethods = methods === 'all' ? 'all' : new Set(methods);
    return this;
  }

  /** Stop failing. */
  reset(): this {
    this.#failForever = false;
    this.#failRemaining = 0;
    return this;
  }

  /** Successful calls of one method. */
  count(method: BusMethod): number {
    return this.calls.filter((c) => c.method === method && !c.failed).length;
  }

  /** The statuses posted, in order (just the status names). */
  get statusNames(): WorkerStatus[] {
    return this.statuses.map((s) => s.status);
  }

  async submit(text: string, options?: SubmitOptions): Promise<Submitted> {
    this.#enter('submit', [text, options]);
    const task = makeTask({ prompt: text, rawText: text });
    this.#queue.push(task);
    this.submitted.push(options === undefined ? { text } : { text, options });
    return { taskId: task.id, messageId: task.messageId, via: this.name };
  }

  async poll(): Promise<Task[]> {
    this.polls++;
    this.pollTimes.push(Date.now());
    this.#enter('poll', []);
    return this.#queue.filter((t) => !this.#claimed.has(t.id));
  }

  async claim(task: Task, workerId: string): Promise<Claim | null> {
    this.#enter('claim', [task, workerId]);
    this.claimAttempts.push(task.id);
    if (this.#takenByOthers.has(task.id) || this.#claimed.has(task.id)) return null;
    this.#claimed.add(task.id);
    const claim: Claim = { task, workerId, handle: `thread-${task.messageId}`, claimedAt: Date.now() };
    this.claims.push(claim);
    return claim;
  }

  async heartbeat(claim: Claim, progress: string): Promise<void> {
    this.#enter('heartbeat', [claim, progress]);
    this.heartbeats.push({ claim, progress });
  }

  async complete(claim: Claim, report: TaskReport, options?: CompleteOptions): Promise<Completion> {
    this.#enter('complete', [claim, report, options]);
    const done = this.completion(claim);
    if (done.outcome === 'reported') this.completes.push({ claim, report, ...(options ? { options } : {}) });
    return done;
  }

  async handBack(claim: Claim, reason: string): Promise<HandBack> {
    this.#enter('handBack', [claim, reason]);
    this.releases.push({ claim, reason });
    return this.handBackResult(claim);
  }

  async sweep(): Promise<SweptTask[]> {
    this.sweeps++;
    this.#enter('sweep', []);
    return this.swept();
  }

  claimHold(): ClaimHold | null {
    return this.hold;
  }

  async status(workerId: string, status: WorkerStatus, detail: string): Promise<void> {
    this.#enter('status', [workerId, status, detail]);
    this.statuses.push({ workerId, status, detail });
  }

  async findResult(taskId: string): Promise<string | null> {
    this.#enter('findResult', [taskId]);
    return this.completes.find((c) => c.claim.task.id === taskId)?.report.content ?? null;
  }

  async close(): Promise<void> {
    this.#enter('close', []);
    this.closed = true;
  }

  // Record the call and throw when a failure is scheduled for it.
  #enter(method: BusMethod, args: unknown[]): void {
    const targeted = this.#failMethods === 'all' || this.#failMethods.has(method);
    const fail = targeted && (this.#failForever || this.#failRemaining > 0);
    this.calls.push({ method, args, failed: fail });
    if (!fail) return;
    if (!this.#failForever) this.#failRemaining--;
    throw new BusUnavailableError(`${this.#failMessage} (${method})`);
  }
}
