/**
 * The seam between a worker and whatever actually does the work: the OpenClaw CLI, an OpenAI-compatible API, any
 * command, or the offline demo. One {@link AgentResult} shape describes success and failure alike.
 */
import type { ThinkingLevel } from '../task/task.js';
import type { AgentUsage } from '../task/usage.js';

/** What a runner is asked to do. */
export interface AgentRequest {
  taskId: string;
  /** The prompt, tags stripped. Also written to `TASK.txt` in the workspace by the worker. */
  prompt: string;
  /** A resolved model id (`provider/model`), never an alias. */
  model: string;
  thinking: ThinkingLevel;
  /** Absolute path of the task's workspace folder; it exists and holds TASK.txt and AGENTS.md. */
  workspace: string;
  /** Kill the agent after this long. */
  timeoutMs: number;
  /** A session id unique to this worker and task (fresh context per task). */
  sessionId: string;
  /** Worker id, for runners that keep per-worker state (OpenClaw's state dir). */
  workerId: string;
  /**
   * How deep the task is (0: submitted by a person or a program) and where it may delegate from: the agent gets
   * `DORCH_TASK_DEPTH`, `DORCH_MAX_DEPTH` and (when delegation is on and depth allows) `DORCH_DELEGATE_URL`.
   */
  delegation?: { depth: number; maxDepth: number; url?: string };
}

/** The outcome of one run, success or failure. Never thrown: a failed run is data. */
export interface AgentResult {
  /** True when the agent finished normally and produced an answer. */
  ok: boolean;
  /** The answer text (on failure: whatever the agent printed, may be empty). */
  text: string;
  /** Why it failed, in one human sentence; undefined when ok. */
  error?: string;
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  /** The model that actually ran, as the runner reports it (falls back to the requested one). */
  model: string;
  usage: AgentUsage;
  /** The runner's own cost figure in USD, when it reports one (OpenClaw does). */
  costUsd?: number;
  /** Notes for the result message (e.g. "thinking downgraded to off: model cannot reason"). */
  notes: string[];
}

/** Something that runs one agent turn in a fresh context. */
export interface AgentRunner {
  /** Short name shown in logs and status lines (`openclaw`, `openai`, `command`, `demo`). */
  readonly name: string;
  /**
   * Verify at start-up that the runner can work (binary present and recent enough, key configured).
   * Throws `AgentStartError` with a message that says what is missing and how to fix it.
   */
  check(): Promise<void>;
  /** Run one task. Resolves with a result for every outcome; rejects only on a bug. Abort = kill the agent. */
  run(request: AgentRequest, signal?: AbortSignal): Promise<AgentResult>;
  /**
   * Optional: get ready to run tasks, after `check()` (the OpenClaw runner's gateway mode starts its Gateway here).
   * Throws `AgentStartError`. A runner that has one starts on the first `run()` when this is not called.
   */
  start?(): Promise<void>;
  /** Optional: release what the runner keeps between tasks (the OpenClaw Gateway). Idempotent. */
  close?(): Promise<void>;
}
