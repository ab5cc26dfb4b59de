/**
 * The `demo` runner: answers offline, for the demo only. No network, no model, no process.
 */
import { sleep as defaultSleep } from '../../lib/sleep.js';
import { failureResult, formatDuration, successResult } from '../result.js';
import type { AgentUsage } from '../../task/usage.js';
import type { AgentRequest, AgentResult, AgentRunner } from '../runner.js';
import { demoAnswer, stableHash } from './demo-answers.js';
import { demoCostUsd } from './demo-prices.js';

/** Options of {@link DemoRunner}. */
export interface DemoRunnerOptions {
  /** Shortest simulated thinking time. @defaultValue `300` */
  minDelayMs?: number;
  /** Longest simulated thinking time; each prompt gets a fixed delay in between. @defaultValue `800` */
  maxDelayMs?: number;
  /** Waits; rejects when the signal aborts. @defaultValue `sleep` from `src/lib/sleep.ts` */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock in ms, for `durationMs`. @defaultValue `performance.now` */
  now?: () => number;
}

/** Defaults of {@link DemoRunnerOptions}. */
export const DEFAULT_DEMO_RUNNER_OPTIONS = {
  minDelayMs: 300,
  maxDelayMs: 800,
  sleep: defaultSleep,
  now: () => performance.now(),
} as const satisfies Required<DemoRunnerOptions>;

/** The note every demo result carries. */
export const DEMO_NOTE =
  'demo runner: offline canned answer, no AI model was called; cost uses made-up demo prices';

/** Rough token count of a text, as the demo reports it (≈ 4 characters per token). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Answers deterministically from the prompt after a short, prompt-dependent delay: `What is 2+2?` gives `4`, a
 * haiku request a haiku, anything else a short echo saying no model read it. Every answer ends with a line saying
 * it comes from the demo runner. Usage is estimated from text length, cost from the made-up `DEMO_PRICES_PER_MILLION`, and
 * the model reported is the requested one. Honours the timeout and the abort signal like a real runner.
 */
export class DemoRunner implements AgentRunner {
  readonly name = 'demo';
  readonly #options: Required<DemoRunnerOptions>;

  constructor(options: DemoRunnerOptions = {}) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
    this.#options = { ...DEFAULT_DEMO_RUNNER_OPTIONS, ...defined };
    const { minDelayMs, maxDelayMs } = this.#options;
    for (const [key, value] of [
      ['minDelayMs', minDelayMs],
      ['maxDelayMs', maxDelayMs],
    ] as const) {
      if (!Number.isFinite(value) || value < 0) {
        throw new TypeError(
          `Expected \`${key}\` to be a finite number >= 0, got \`${value}\` (${typeof value})`,
        );
      }
    }
    if (maxDelayMs < minDelayMs) {
      throw new TypeError(`Expected \`maxDelayMs\` >= \`minDelayMs\` (${minDelayMs}), got \`${maxDelayMs}\``);
    }
  }

  /** Nothing to check: the demo runner needs nothing. */
  async check(): Promise<void> {}

  /** The simulated delay for a prompt: fixed per prompt, between the two bounds. */
  delayFor(prompt: string): number {
    const { minDelayMs, maxDelayMs } = this.#options;
    return minDelayMs + (stableHash(prompt) % (maxDelayMs - minDelayMs + 1));
  }

  /** Answer one task. */
  async run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult> {
    const started = this.#options.now();
    const delay = this.delayFor(request.prompt);
    const limited = request.timeoutMs > 0 && delay >= request.timeoutMs;
    const base = { model: request.model, notes: [DEMO_NOTE] };
    try {
      await this.#options.sleep(limited ? request.timeoutMs : delay, signal);
    } catch {
      return failureResult('agent was cancelled (killed)', {
        ...base,
        durationMs: this.#options.now() - started,
      });
    }
    const durationMs = this.#options.now() - started;
    if (limited) {
      return failureResult(`agent timed out after ${formatDuration(request.timeoutMs)} (killed)`, {
        ...base,
        durationMs,
        timedOut: true,
      });
    }
    const text = demoAnswer(request.prompt);
    const usage: AgentUsage = {
      input: estimateTokens(request.prompt),
      output: estimateTokens(text),
      cacheRead: 0,
      cacheWrite: 0,
    };
    return successResult({
      ...base,
      text,
      usage,
      costUsd: demoCostUsd(request.model, usage.input, usage.output),
      exitCode: 0,
      durationMs,
    });
  }
}
