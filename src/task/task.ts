/**
 * The Task model: what a worker needs to know about one unit of work, independent of where it was queued.
 */

/** Thinking levels a task may ask for. Runners map them to their own controls. */
export const THINKING_LEVELS = ['off', 'minimal', 'low', 'medium', 'high', 'xhigh'] as const;
/** One of {@link THINKING_LEVELS}. */
export type ThinkingLevel = (typeof THINKING_LEVELS)[number];

/** A file attached to the task message, downloaded into the workspace before the agent starts. */
export interface TaskAttachment {
  filename: string;
  url: string;
  size: number;
}

/** One task as read from a queue. */
export interface Task {
  /** `discord-<message id>` for Discord tasks, `local-<id>` for the fallback queue. Digits after the prefix only. */
  id: string;
  /** The queue message's own id (a snowflake). */
  messageId: string;
  /** The prompt with every recognised tag stripped. */
  prompt: string;
  /** The raw message text as posted (tags included). */
  rawText: string;
  /** `[model:X]` as requested (an alias or a `provider/model` id); undefined means the configured default. */
  model?: string;
  /** `[thinking:Y]` as requested, not yet validated; undefined means the configured default. */
  thinking?: string;
  /** `[retry:n]`: how many times this task was requeued before (0 for a first attempt). */
  retry: number;
  /** `[origin:<task id>]`: the first attempt's task id, when this is a retry. */
  origin?: string;
  /** `[parent:<task id>]`: the running task that delegated this one (a fleet tag, see `tags.ts`). */
  parent?: string;
  /** `[depth:n]`: delegations above this task (0 for a task a person or program submitted). */
  depth?: number;
  /** Author's user id. */
  authorId: string;
  /** ISO time the task was queued. */
  submittedAt: string;
  attachments: TaskAttachment[];
  /** Problems with the task's tags (malformed `[model:]` etc.); the worker reports them as a FAILED result. */
  tagErrors?: string[];
}

/** Build the task id for a Discord message id. Throws on anything but a snowflake, so ids are always path-safe. */
export function discordTaskId(messageId: string): string {
  if (!/^\d{1,20}$/.test(messageId))
    throw new TypeError(`Expected a snowflake message id, got \`${messageId}\``);
  return `discord-${messageId}`;
}

/** True for ids this project generates (`discord-<digits>` or `local-<digits>`): safe to use as a folder name. */
export function isSafeTaskId(id: string): boolean {
  return /^(discord|local)-\d{1,20}$/.test(id);
}
