/**
 * Giving a claimed task back: requeue it as a retry while attempts remain, otherwise report it FAILED with the
 * reason. Used by a stopping worker and by the manager when a worker died mid-task.
 */
import type { Bus, Claim } from '../bus/bus.js';
import { EMPTY_USAGE } from '../agent/runner.js';
import { formatReport } from '../task/format.js';
import type { ThinkingLevel } from '../task/task.js';

/** Options for {@link abandonTask}. */
export interface AbandonOptions {
  maxAttempts: number;
  defaultModel: string;
  /** Aliases, so the FAILED report names the model id rather than the alias. @defaultValue {} */
  aliases?: Record<string, string>;
  defaultThinking: ThinkingLevel;
  workspace?: string;
}

/** Requeue or fail a claim. Returns what was done. */
export async function abandonTask(
  bus: Bus,
  claim: Claim,
  reason: string,
  options: AbandonOptions,
): Promise<'requeued' | 'failed'> {
  const attempts = claim.task.retry + 1;
  if (attempts < options.maxAttempts) {
    await bus.release(claim, reason);
    return 'requeued';
  }
  const report = formatReport({
    outcome: 'FAILED',
    taskId: claim.task.id,
    workerId: claim.workerId,
    model: modelName(claim.task.model ?? options.defaultModel, options.aliases ?? {}),
    thinking: options.defaultThinking,
    usage: { ...EMPTY_USAGE },
    costUsd: 0,
    prompt: claim.task.prompt,
    text: '',
    error: `gave up after ${attempts} attempts; last: ${reason}`,
    notes: [],
    durationMs: 0,
    workspace: options.workspace ?? '(not created)',
  });
  await bus.complete(claim, report);
  return 'failed';
}

function modelName(requested: string, aliases: Record<string, string>): string {
  return aliases[requested.toLowerCase()] ?? requested;
}
