/**
 * `dorch requeue <task-id>`: the operator's second chance for a task that was refused (🚫: its author was not
 * allowed when a worker saw it) or failed (❌). Checked against the allowlist as configured now; the task gets a
 * fresh copy with fresh attempts, and workers run it once.
 */
import { createDiscordBus } from '../../../bus/create-bus.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { TaskInvalidError } from '../../../lib/errors.js';
import { ExitError } from '../../errors.js';
import { loadRuntime } from '../../runtime.js';

/** Options of `dorch requeue`. */
export interface RequeueCommandOptions {
  config?: string;
  taskId: string;
  /** Print a line (default console.log). */
  print?: (line: string) => void;
}

/** Requeue one refused or failed task; returns the id of the copy that carries it now. */
export async function requeue(options: RequeueCommandOptions): Promise<string> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config, warnings } = await loadRuntime({ config: options.config, name: 'requeue' });
  for (const w of [...warnings, ...requireDiscordKeys(config, 'submit', { file: options.config })])
    console.error(`warning: ${w}`);
  const d = config.discord;
  const token = d.submitterToken ?? d.botToken ?? d.workerTokens[0];
  if (!token) throw new ExitError(2, 'error: requeue needs SUBMITTER_TOKEN, BOT_TOKEN or WORKER1_TOKEN');
  const bus = await createDiscordBus(config, { token, actor: 'operator' });
  try {
    const { copyId } = await bus.requeue(options.taskId);
    print(`Requeued ${options.taskId} as ${copyId}.`);
    return copyId;
  } catch (error) {
    if (error instanceof TaskInvalidError)
      throw new ExitError(1, `error: ${error.message}`, { cause: error });
    throw error;
  } finally {
    await bus.close();
  }
}
