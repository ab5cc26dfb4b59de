/**
 * The fleet as the library API sees it: submit a task, look at it, cancel it. Two implementations: {@link
 * DiscordFleet} talks to Discord with this machine's config (the submitter bot), {@link DelegateFleet} (in
 * `delegate-fleet.ts`) asks the worker running the current task, which posts on the agent's behalf.
 */
import { createResilientBus, type ResilientBus } from '../bus/create-bus.js';
import { lookAt } from '../bus/look.js';
import type { Config } from '../config/schema.js';
import { machineName } from '../config/machine.js';
import { TaskInvalidError } from '../lib/errors.js';
import { prepareTask, type TaskSpec } from '../task/spec.js';
import { describeLook } from './describe.js';
import { resultFromMessage, type TaskResult } from './result.js';

/** A posted task. */
export interface Submission {
  taskId: string;
  /** `discord`, or `local` when Discord was unreachable and the task waits in this machine's local queue. */
  via: string;
}

/** One look at a task. */
export type Look =
  | { state: 'pending'; taskId: string; detail: string }
  | { state: 'refused'; taskId: string }
  | { state: 'result'; result: TaskResult };

/** What the API needs of a fleet. */
export interface Fleet {
  /** `discord` (this machine's config) or `delegate` (through the worker running this task). */
  readonly kind: 'discord' | 'delegate';
  /** Post a task. Throws `TaskInvalidError` when it cannot run as written, `DelegationRefusedError` beyond depth. */
  submit(spec: TaskSpec): Promise<Submission>;
  /** Where a task is, or its result. */
  look(taskId: string): Promise<Look>;
  /** Cancel a task; false when there was nothing to cancel (it finished first). */
  cancel(taskId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The fleet through Discord, as this machine's submitter bot. */
export class DiscordFleet implements Fleet {
  readonly kind = 'discord';
  readonly #config: Config;
  readonly #buses: ResilientBus;
  readonly #by: { name: string; how: string };

  private constructor(config: Config, buses: ResilientBus, by: string) {
    this.#config = config;
    this.#buses = buses;
    this.#by = { name: by, how: `with the dorch API on ${machineName(config)}` };
  }

  /** Connect with a loaded config (`SUBMITTER_TOKEN`, or `BOT_TOKEN`). */
  static async open(config: Config, options: { by?: string } = {}): Promise<DiscordFleet> {
    const token = config.discord.submitterToken ?? config.discord.botToken;
    if (!token) throw new TaskInvalidError('SUBMITTER_TOKEN is not set: run `dorch setup`');
    // Following a task from copy to copy trusts only the fleet's threads: that needs to know the fleet.
    const buses = await createResilientBus(config, { token, role: 'worker', actor: 'operator' });
    return new DiscordFleet(config, buses, options.by ?? 'operator');
  }

  /** The buses behind it (the CLI maps Discord errors with them). */
  get buses(): ResilientBus {
    return this.#buses;
  }

  async submit(spec: TaskSpec): Promise<Submission> {
    const prepared = prepareTask(spec, this.#config.models);
    if (!prepared.ok) throw new TaskInvalidError(prepared.errors.join('\n'));
    const posted = await this.#buses.bus.submit(prepared.task.content, { files: prepared.task.files });
    return { taskId: posted.taskId, via: posted.via };
  }

  async look(taskId: string): Promise<Look> {
    const discord = taskId.startsWith('discord-') ? this.#buses.discord : null;
    const look = await lookAt({ discord, bus: this.#buses.bus }, taskId);
    if (look.state === 'refused') return look;
    if (look.state === 'pending') return { state: 'pending', taskId, detail: describeLook(look) };
    return {
      state: 'result',
      result: await withFullText(resultFromMessage(taskId, look.taskId, look.found)),
    };
  }

  async cancel(taskId: string): Promise<boolean> {
    try {
      await this.#buses.discord.cancel(taskId, this.#by);
      return true;
    } catch (error) {
      if (error instanceof TaskInvalidError) return false;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#buses.bus.close();
  }
}

/** When the message shows only part of the answer, read the whole of it from RESULT.txt (best effort). */
export async function withFullText(result: TaskResult, fetcher: typeof fetch = fetch): Promise<TaskResult> {
  const file = result.attachments.find((a) => a.name === 'RESULT.txt');
  if (!file || !result.message?.includes('(truncated; full text in RESULT.txt)')) return result;
  try {
    const response = await fetcher(file.url);
    if (response.ok) return { ...result, text: await response.text() };
  } catch {
    // The message's part of the text stays; the attachment's URL is in `attachments`.
  }
  return result;
}
