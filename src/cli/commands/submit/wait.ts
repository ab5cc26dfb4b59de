/**
 * `submit --wait`: follow the task until its result is in `#results`. On Discord the task is followed from copy to
 * copy (a requeued task goes on as a retry copy, the one its original's thread names), so a task that was handed
 * back is still waited for, and its progress (waiting, claimed by whom, for how long) is shown on a terminal. Ctrl-C
 * asks whether to cancel the task or leave it queued.
 */
import type { Bus } from '../../../bus/bus.js';
import type { DiscordBus, FoundResult } from '../../../bus/discord/discord-bus.js';
import type { CancelOutcome } from '../../../bus/discord/task-life/cancel.js';
import { isFinal, type Followed, type TaskState } from '../../../bus/discord/task-life/state.js';
import { BusUnavailableError, RateLimitedError } from '../../../lib/errors.js';
import { formatDuration, readResultLine } from '../../../task/format.js';

/** How a wait ended. */
export type WaitEnd =
  /** The result is in: `taskId` is the id it was reported under (the live copy's). */
  | {
      kind: 'result';
      taskId: string;
      content: string;
      outcome: 'SUCCESS' | 'FAILED' | 'CANCELLED';
      /** The result message with its attachments. */
      found: FoundResult;
    }
  /** The task was refused (its author may not submit): it never runs. */
  | { kind: 'refused'; taskId: string }
  /** No result within the timeout. */
  | { kind: 'timeout'; last?: TaskState }
  /** Ctrl-C, and the answer was to leave the task queued. */
  | { kind: 'left'; last?: TaskState };

/** What {@link waitForResult} needs. */
export interface WaitOptions {
  taskId: string;
  /** The Discord bus to follow the task on, or null when the task waits in the local queue. */
  discord: Pick<DiscordBus, 'follow' | 'findResultMessage' | 'cancel'> | null;
  /** The bus the task was submitted to (for a local task's result). */
  bus: Pick<Bus, 'findResult'>;
  timeoutMs: number;
  /** Time between looks. @defaultValue 2000 */
  pollMs?: number;
  /** Shows one progress line (a terminal rewrites it in place). @defaultValue none */
  progress?: (line: string) => void;
  /** Resolves each time the user presses Ctrl-C (a new promise per press: see {@link Interrupts}). */
  interrupts?: Interrupts;
  /** Asked after Ctrl-C: true cancels the task, false leaves it queued. */
  confirmCancel?: (taskId: string) => Promise<boolean>;
  /** Who cancels, when the answer is to cancel. */
  canceller?: { name: string; how: string };
  /** Called with what a cancel did. */
  onCancel?: (outcome: CancelOutcome) => void;
  now?: () => number;
}

/** Ctrl-C presses, as a source of promises. */
export interface Interrupts {
  /** Resolves at the next press. */
  next(): Promise<void>;
}

/** Wait for the task's result (see the module comment). */
export async function waitForResult(options: WaitOptions): Promise<WaitEnd> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 2000;
  let last: TaskState | undefined;
  let pressed = false;
  let press = options.interrupts?.next();
  const watch = () => void press?.then(() => (pressed = true));
  watch();
  while (now() < deadline) {
    if (pressed) {
      pressed = false;
      press = options.interrupts?.next();
      watch();
      const cancel = options.discord && (await options.confirmCancel?.(last?.task.id ?? options.taskId));
      if (!cancel) return { kind: 'left', ...(last ? { last } : {}) };
      options.onCancel?.(
        await options.discord!.cancel(
          options.taskId,
          options.canceller ?? { name: 'operator', how: 'with Ctrl-C' },
        ),
      );
      // Go on waiting: the CANCELLED result (or the task's own, when it finished first) is what ends it.
      continue;
    }
    const end = await look(options, now(), (state) => (last = state));
    if (end) return end;
    await Promise.race([new Promise((r) => setTimeout(r, pollMs)), press]);
  }
  return { kind: 'timeout', ...(last ? { last } : {}) };
}

// One look: follow the task on Discord (or ask the bus for a local task's result).
async function look(
  options: WaitOptions,
  now: number,
  seen: (state: TaskState) => void,
): Promise<WaitEnd | null> {
  try {
    if (!options.discord) {
      const content = await options.bus.findResult(options.taskId);
      return content
        ? resultEnd(options.taskId, { content, attachments: [], postedAt: new Date().toISOString() })
        : null;
    }
    const followed = await options.discord.follow(options.taskId);
    seen(followed.live);
    options.progress?.(describeProgress(followed, now));
    const live = followed.live;
    if (live.state === 'refused') return { kind: 'refused', taskId: live.task.id };
    if (!isFinal(live.state)) return null;
    const found = await options.discord.findResultMessage(live.task.id);
    return found ? resultEnd(live.task.id, found) : null;
  } catch (error) {
    // Discord briefly unreachable or throttled: look again next time.
    if (error instanceof BusUnavailableError || error instanceof RateLimitedError) return null;
    throw error;
  }
}

function resultEnd(taskId: string, found: FoundResult): WaitEnd {
  const content = found.content;
  return { kind: 'result', taskId, content, found, outcome: readResultLine(content)?.outcome ?? 'FAILED' };
}

/** One line for where a followed task is: `running on box-2 for 12.0 s (attempt 2, as discord-…)`. */
export function describeProgress(followed: Followed, now: number): string {
  const live = followed.live;
  const attempt = followed.chain.length > 1 ? ` (attempt ${followed.chain.length}, as ${live.task.id})` : '';
  const since = (t: number | undefined) =>
    t === undefined ? '' : ` for ${formatDuration(Math.max(0, now - t))}`;
  switch (live.state) {
    case 'waiting':
      return `⏳ ${followed.chain[0]} waiting in #task-queue${since(Date.parse(live.task.submittedAt))}${attempt}`;
    case 'running':
      return `▶ ${followed.chain[0]} running on ${live.worker ?? 'a worker'}${since(live.claimedAt)}${attempt}`;
    case 'cancelled':
      return `🛑 ${followed.chain[0]} cancelled${live.cancelledBy ? ` by ${live.cancelledBy}` : ''}${attempt}; reading the result`;
    default:
      return `… ${followed.chain[0]} finished${attempt}; reading the result`;
  }
}
