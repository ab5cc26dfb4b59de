/**
 * The FAILED report for a task that ran out of attempts. Built where the hand-back decides (the bus), with the
 * model and thinking level the task would have run with, so it reads like any other result.
 */
import type { TaskReport } from '../task/report.js';
import type { Task } from '../task/task.js';
import { formatReport } from '../task/format.js';
import { resolveModel, type ModelSettings } from '../task/models.js';

/** Builds the FAILED report of a task that will not run again. */
export type GiveUpReport = (task: Task, workerId: string, attempts: number, reason: string) => TaskReport;

/**
 * A {@link GiveUpReport} naming the model and thinking level the worker would have resolved from `models` (the
 * id rather than the alias). Without `models`: the task's own tags, else `default`.
 */
export function giveUpReporter(models?: ModelSettings): GiveUpReport {
  return (task, workerId, attempts, reason) => {
    const resolved = models ? resolveModel(task.model, models) : undefined;
    return formatReport({
      outcome: 'FAILED',
      taskId: task.id,
      workerId,
      model: resolved?.ok ? resolved.model : (task.model ?? models?.defaultModel ?? 'default'),
      thinking: task.thinking ?? models?.defaultThinking ?? 'default',
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0,
      prompt: task.prompt,
      text: '',
      error: `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}; last: ${reason}`,
      notes: [],
      durationMs: 0,
      workspace: '(not created)',
    });
  };
}

/** The default: the task's own model tag, else `default`. */
export const DEFAULT_GIVE_UP_REPORT: GiveUpReport = giveUpReporter();
