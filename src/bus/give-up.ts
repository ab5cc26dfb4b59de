/**
 * The FAILED report for a task that ran out of attempts. Built where the hand-back decides (the bus), with the
 * model and thinking level the task would have run with, so it reads like any other result.
 */
import type { TaskReport } from '../task/report.js';
import type { Task } from '../task/task.js';
import { formatReport } from '../task/format.js';

/** Model settings the report names (the same ones the worker resolves). */
export interface GiveUpModels {
  defaultModel: string;
  defaultThinking: string;
  /** Alias → model id, so the report names the id rather than the alias. @defaultValue {} */
  aliases?: Record<string, string>;
}

/** Builds the FAILED report of a task that will not run again. */
export type GiveUpReport = (task: Task, workerId: string, attempts: number, reason: string) => TaskReport;

/** A {@link GiveUpReport} over these model settings. */
export function giveUpReporter(models: GiveUpModels): GiveUpReport {
  return (task, workerId, attempts, reason) => {
    const requested = task.model ?? models.defaultModel;
    return formatReport({
      outcome: 'FAILED',
      taskId: task.id,
      workerId,
      model: models.aliases?.[requested.toLowerCase()] ?? requested,
      thinking: task.thinking ?? models.defaultThinking,
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
export const DEFAULT_GIVE_UP_REPORT: GiveUpReport = giveUpReporter({
  defaultModel: 'default',
  defaultThinking: 'default',
});
