/** A stand-in agent for the claim benchmark: answers after a short pause and counts how often each task ran. */
import type { AgentRequest, AgentResult, AgentRunner } from '../src/agent/runner.js';
import { sleep } from '../src/lib/sleep.js';

/** Runs nothing; answers `done <task id>` after `delayMs`. Shared by every worker of a scenario. */
export class CountingRunner implements AgentRunner {
  readonly name = 'bench';
  /** Task id → number of runs. More than 1 is a duplicate. */
  readonly runs = new Map<string, number>();
  readonly #delayMs: number;

  /** @param delayMs - How long each run takes. */
  constructor(delayMs = 20) {
    this.#delayMs = delayMs;
  }

  async check(): Promise<void> {}

  async run(request: AgentRequest): Promise<AgentResult> {
    this.runs.set(request.taskId, (this.runs.get(request.taskId) ?? 0) + 1);
    const started = performance.now();
    await sleep(this.#delayMs);
    return {
      ok: true,
      text: `done ${request.taskId}`,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: Math.round(performance.now() - started),
      model: request.model,
      usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0,
      notes: [],
    };
  }
}
