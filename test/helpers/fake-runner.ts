/**
 * A scripted {@link AgentRunner} for unit tests: each call takes the next scripted step (a partial result, a
 * function of the request, or {@link HANG}), records the request, and honours the AbortSignal.
 */
import type { AgentRequest, AgentResult, AgentRunner } from '../../src/agent/runner.js';

/** A step that never finishes on its own: it resolves (as a killed agent) only when the signal aborts. */
export const HANG = Symbol('hang');

/** One scripted call. A function may write files into `request.workspace`, inspect it, or await anything. */
export type RunnerStep =
  | Partial<AgentResult>
  | typeof HANG
  | ((
      request: AgentRequest,
      signal: AbortSignal | undefined,
    ) => Partial<AgentResult> | Promise<Partial<AgentResult>>);

/** The result a step's partial is merged over: a success that echoes the prompt with the requested model. */
export function okResult(request: AgentRequest, overrides: Partial<AgentResult> = {}): AgentResult {
  return {
    ok: true,
    text: `done: ${request.prompt}`,
    exitCode: 0,
    signal: null,
    timedOut: false,
    durationMs: 1234,
    model: request.model,
    usage: { input: 100, output: 20, cacheRead: 0, cacheWrite: 0 },
    notes: [],
    ...overrides,
  };
}

/** The scripted runner. Steps are consumed in order; when none are left, every call succeeds. */
export class FakeRunner implements AgentRunner {
  readonly name = 'fake';
  /** Every request, in order. */
  readonly requests: AgentRequest[] = [];
  /** Requests whose signal aborted while they ran. */
  readonly aborted: AgentRequest[] = [];
  checks = 0;
  readonly #steps: RunnerStep[];
  readonly #waiters: { n: number; resolve: () => void }[] = [];

  constructor(...steps: RunnerStep[]) {
    this.#steps = steps;
  }

  /** Append steps. */
  script(...steps: RunnerStep[]): this {
    this.#steps.push(...steps);
    return this;
  }

  /** Resolves once `n` runs have started. */
  started(n = 1): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  async check(): Promise<void> {
    this.checks++;
  }

  async run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    this.requests.push(request);
    for (const w of this.#waiters.filter((x) => this.requests.length >= x.n)) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve();
    }
    const step = this.#steps.shift() ?? {};
    if (step === HANG) return this.#hang(request, signal);
    const partial = typeof step === 'function' ? await step(request, signal) : step;
    if (signal?.aborted) this.aborted.push(request);
    return okResult(request, partial);
  }

  #hang(request: AgentRequest, signal: AbortSignal | undefined): Promise<AgentResult> {
    return new Promise((resolve) => {
      const done = () => {
        this.aborted.push(request);
        resolve(
          okResult(request, {
            ok: false,
            text: '',
            error: 'agent killed: aborted',
            exitCode: null,
            signal: 'SIGTERM',
            usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
          }),
        );
      };
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }
}
