/**
 * `dorch cancel <task-id>`: the operator cancels a task, waiting (it never runs) or running (its worker stops within
 * one heartbeat), acting as the submitter bot. A task that was handed back is cancelled as its live copy. The one
 * result of the task then says CANCELLED and by whom, unless the task finished first (then its own result counts).
 */
import { userInfo } from 'node:os';
import { createDiscordBus } from '../../../bus/create-bus.js';
import type { CancelOutcome } from '../../../bus/discord/task-life/cancel.js';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { machineName } from '../../../config/machine.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { ConfigError, TaskInvalidError } from '../../../lib/errors.js';
import { configProblem } from '../../discord-problem.js';
import { formatConfigProblem } from '../../../bus/discord/explain-error.js';
import { ExitError } from '../../errors.js';
import { loadRuntime } from '../../runtime.js';

/** Options of `dorch cancel`. */
export interface CancelCommandOptions {
  config?: string;
  taskId: string;
  /** Print one JSON object instead of a sentence. @defaultValue false */
  json?: boolean;
  /** Who cancels, as the result names it. @defaultValue the user name of this login */
  by?: string;
  /** Print a line (default console.log). */
  print?: (line: string) => void;
}

/** Cancel one task; exits 1 when there was nothing to cancel (finished first, refused, unknown). */
export async function cancel(options: CancelCommandOptions): Promise<CancelOutcome> {
  const print = options.print ?? ((line: string) => console.log(line));
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const { config, warnings } = await loadRuntime({ config: options.config, name: 'cancel' });
  for (const w of [...warnings, ...requireDiscordKeys(config, 'submit', { file })])
    if (!options.json) console.error(`warning: ${w}`);
  const d = config.discord;
  const token = d.submitterToken ?? d.botToken ?? d.workerTokens[0];
  if (!token) throw new ExitError(2, 'error: cancel needs SUBMITTER_TOKEN (or BOT_TOKEN, WORKER1_TOKEN)');
  const tokenKey = d.submitterToken ? 'SUBMITTER_TOKEN' : d.botToken ? 'BOT_TOKEN' : 'WORKER1_TOKEN';
  const by = oneWord(options.by ?? safeUser());
  const bus = await createDiscordBus(config, { token, actor: 'operator' });
  try {
    const outcome = await bus
      .cancel(options.taskId, { name: by, how: `with dorch cancel on ${machineName(config)}` })
      .catch((error: unknown) => {
        if (error instanceof TaskInvalidError)
          throw new ExitError(1, `error: ${error.message}`, { cause: error });
        const problem = configProblem(config, error, { tokenKey, role: 'submitter', file });
        throw problem ? new ConfigError([formatConfigProblem(problem)], { cause: error }) : error;
      });
    if (options.json)
      print(JSON.stringify({ ok: outcome.action !== 'finished', asked: options.taskId, ...outcome }));
    else print(describe(options.taskId, outcome));
    if (outcome.action === 'finished') throw new ExitError(1);
    return outcome;
  } finally {
    await bus.close();
  }
}

/** One sentence for what a cancel did. */
export function describe(asked: string, outcome: CancelOutcome): string {
  const as = outcome.taskId === asked ? asked : `${asked} (now its copy ${outcome.taskId})`;
  switch (outcome.action) {
    case 'cancelled':
      return outcome.was === 'waiting'
        ? `Cancelled ${as}: it had not started and will not run.`
        : `Cancelled ${as}: it was running on ${outcome.worker ?? 'a worker'}, which stops within one heartbeat and drops its result.`;
    case 'already':
      return `${as} was cancelled already, by ${outcome.by}.`;
    case 'finished':
      return outcome.outcome
        ? `${as} finished before it could be cancelled: its result (${outcome.outcome}) counts.`
        : `${as} finished before it could be cancelled; its result is not in #results yet.`;
  }
}

function safeUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

function oneWord(name: string): string {
  return name.trim().replace(/\s+/g, '_').slice(0, 32) || 'operator';
}
