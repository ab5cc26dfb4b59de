/**
 * The one atomic step of the protocol: creating the thread of a task message (Discord allows one per message; the
 * second creator gets 400/160004). Plus closing a thread (archive + lock), which every end state does.
 */
import type { Task } from '../../../task/task.js';
import { BusUnavailableError, DiscordApiError, RateLimitedError } from '../../../lib/errors.js';
import { DiscordCode, hasDiscordCode } from '../errors.js';
import type { ThreadPatch } from './channel.js';
import type { Life } from './context.js';
import { claimThreadName } from './names.js';

/** How long claims pause after Discord's active-thread cap (160006) answered a claim. */
export const THREAD_CAP_PAUSE_MS = 60_000;

/** Outcome of {@link winThread}. */
export type ThreadClaim =
  | { won: true; name: string; sentAt: number }
  | { won: false; reason: 'taken' | 'rate-limited' | 'thread-cap' | 'unconfirmed' };

/**
 * Try to create the claim thread `<workerId> · <task id>` on the task message. A long thread-creation rate limit
 * or the active-thread cap is "not now" (claims pause, the caller polls again later); a timeout or 5xx asks Discord
 * who owns the thread, since the create may have happened anyway. `sentAt` is the monotonic time the create was sent:
 * the claim is at most that old.
 */
export async function winThread(life: Life, task: Task, workerId: string): Promise<ThreadClaim> {
  if (life.held()) return { won: false, reason: 'rate-limited' };
  const name = claimThreadName(workerId, task.id);
  const sentAt = life.settings.monotonic();
  try {
    await life.channel.createThread(life.settings.taskQueueChannel, task.messageId, name);
    return { won: true, name, sentAt };
  } catch (error) {
    if (hasDiscordCode(error, DiscordCode.ThreadAlreadyCreated)) return { won: false, reason: 'taken' };
    if (error instanceof RateLimitedError) {
      life.hold(
        `Discord throttles thread creation (a claim) for ${Math.ceil(error.retryAfterMs / 1000)} s`,
        life.settings.now() + error.retryAfterMs,
      );
      return { won: false, reason: 'rate-limited' };
    }
    if (hasDiscordCode(error, DiscordCode.TooManyActiveThreads)) {
      life.hold(
        "the server reached Discord's active-thread cap (160006); finished claims are archived as they end",
        life.settings.now() + THREAD_CAP_PAUSE_MS,
      );
      return { won: false, reason: 'thread-cap' };
    }
    if (!(error instanceof BusUnavailableError)) throw error;
    // Timeout or 5xx: the create may have happened anyway. The thread's name says who won.
    const thread = await life.channel.channel(task.messageId);
    if (thread && 'name' in thread && thread.name === name) return { won: true, name, sentAt };
    return { won: false, reason: 'unconfirmed' };
  }
}

/**
 * Archive and lock a thread (every end state does, so no thread stays active that need not: Discord caps active
 * threads per server). Already archived is fine; so is a thread that is gone.
 */
export async function closeThread(life: Life, threadId: string, patch: ThreadPatch = {}): Promise<void> {
  try {
    await life.channel.patchThread(threadId, { ...patch, archived: true, locked: true });
  } catch (error) {
    if (
      hasDiscordCode(error, DiscordCode.ThreadArchived) ||
      hasDiscordCode(error, DiscordCode.UnknownChannel)
    )
      return;
    throw error;
  }
}

/** Codes that say a claim thread is over under us: archived, locked, or gone (with its message). */
export function isClosedUnderUs(error: unknown): boolean {
  return (
    error instanceof DiscordApiError &&
    (
      [
        DiscordCode.ThreadArchived,
        DiscordCode.ThreadLocked,
        DiscordCode.UnknownMessage,
        DiscordCode.UnknownChannel,
      ] as number[]
    ).includes(error.discordCode)
  );
}
