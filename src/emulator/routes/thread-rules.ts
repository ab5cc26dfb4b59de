/**
 * Discord's rules for writes inside threads (developers/topics/threads.mdx, "Locked Threads" and "Active & Archived
 * Threads"):
 * - a post into an archived thread unarchives it, unless it is locked; a locked thread can be unarchived only by a
 *   member with MANAGE_THREADS, so their post unarchives it (it stays locked);
 * - archived threads take no message edits, reactions or joins (50083); deleting messages is what is meant to happen
 *   there, except that in a locked thread only MANAGE_THREADS holders may delete once it is archived;
 * - in a locked thread, members without MANAGE_THREADS cannot create or edit messages (160005 while it is active);
 * - unarchiving makes the thread active again, so the per-guild active-thread cap (160006) applies.
 */
import { Errors } from '../api-error.js';
import type { StoredChannel, StoredThreadMetadata } from '../models.js';
import { Permission } from '../permissions.js';
import { discordTimestamp, type EmulatorState } from '../state.js';

function manages(perms: bigint): boolean {
  return (perms & Permission.ManageThreads) !== 0n;
}

/** 160006 when the guild already has as many active threads as its cap allows. */
export function assertActiveThreadSlot(state: EmulatorState, guildId: string): void {
  if (state.activeThreads(guildId).length >= state.config.activeThreadLimit) throw Errors.maxActiveThreads();
}

/** Mark a thread archived or active; Discord moves `archive_timestamp` on both. */
export function setArchived(thread: StoredThreadMetadata, archived: boolean): void {
  if (thread.archived === archived) return;
  thread.archived = archived;
  thread.archiveTimestamp = discordTimestamp();
}

/**
 * May this member post into `channel`? Throws Discord's error; resolves to whether the post unarchives the thread
 * (the caller unarchives it only once the message is really created).
 */
export function checkThreadPost(state: EmulatorState, channel: StoredChannel, perms: bigint): boolean {
  const thread = channel.thread;
  if (!thread) return false;
  if (thread.locked && !manages(perms)) {
    // Discord answers "Thread is archived" (50083) to writes into a locked thread that is archived (discord-api-docs
    // issues #6884, #7707), and "Thread is locked" (160005) while it is active.
    throw thread.archived ? Errors.archivedThread() : Errors.threadLocked();
  }
  if (!thread.archived) return false;
  assertActiveThreadSlot(state, channel.guildId);
  return true;
}

/** Editing a message: never in an archived thread (50083); in a locked one only with MANAGE_THREADS (160005). */
export function assertMessageEditable(channel: StoredChannel, perms: bigint): void {
  const thread = channel.thread;
  if (!thread) return;
  if (thread.archived) throw Errors.archivedThread();
  if (thread.locked && !manages(perms)) throw Errors.threadLocked();
}

/** Reactions (adding or removing): only in active threads (50083). */
export function assertThreadActive(channel: StoredChannel): void {
  if (channel.thread?.archived) throw Errors.archivedThread();
}

/** Deleting messages works in archived threads, but not in locked archived ones without MANAGE_THREADS (50083). */
export function assertMessageDeletable(channel: StoredChannel, perms: bigint): void {
  const thread = channel.thread;
  if (thread?.archived && thread.locked && !manages(perms)) throw Errors.archivedThread();
}
