/**
 * Reading a task message as the protocol sees it: who wrote it (a fleet bot or not), whose right to run it counts
 * (the origin author), whether it is a fleet copy of another message, its thread, and which state marks a fleet
 * bot set on it.
 */
import { MessageType, type APIChannel, type APIMessage } from 'discord-api-types/v10';
import { discordTaskId, type Task } from '../../../task/task.js';
import { parseTaskText } from '../../../task/tags.js';
import type { Reactor, TaskChannel } from './channel.js';

/** A claim thread as the protocol reads it. */
export interface ThreadView {
  id: string;
  name: string;
  ownerId: string;
  /** The owner is a fleet bot: only then is the thread a claim. */
  fleetOwned: boolean;
  archived: boolean;
  locked: boolean;
  /** When the thread was created (ms), when Discord says. */
  createdAt?: number;
}

/** A task message as the protocol reads it. */
export interface TaskView {
  message: APIMessage;
  /** The task; `authorId` is the origin author (see {@link readTask}). */
  task: Task;
  /** A fleet bot wrote it. */
  fleetAuthored: boolean;
  /** For a fleet-written retry copy (it has `[origin]` and replies to a queue message): the message it copies. */
  copyOf?: string;
  thread?: ThreadView;
}

const MAX_LISTS = 2000;

/** Decides whether a user is one of the fleet's bots. */
export type FleetCheck = (userId: string) => Promise<boolean>;

/** The message types a task can be. */
export function isTaskMessageType(message: APIMessage): boolean {
  return message.type === MessageType.Default || message.type === MessageType.Reply;
}

/**
 * The task a message carries. In a fleet bot's message `[retry]`, `[origin]` and `[author]` count, and the origin
 * author is the `[author]` tag (else the bot itself); in anyone else's message those tags are ignored and the author
 * is the message's author: a person's message is always a first attempt of that person.
 */
export function readTask(message: APIMessage, fleetAuthored: boolean): Task {
  const parsed = parseTaskText(message.content, { trusted: fleetAuthored });
  return {
    id: discordTaskId(message.id),
    messageId: message.id,
    prompt: parsed.prompt,
    rawText: message.content,
    model: parsed.model,
    thinking: parsed.thinking,
    retry: parsed.retry,
    origin: parsed.origin,
    ...(parsed.parent ? { parent: parsed.parent } : {}),
    ...(parsed.depth ? { depth: parsed.depth } : {}),
    authorId: (fleetAuthored && parsed.author) || message.author.id,
    submittedAt: message.timestamp,
    attachments: message.attachments.map((a) => ({ filename: a.filename, url: a.url, size: a.size })),
    ...(parsed.errors.length ? { tagErrors: parsed.errors } : {}),
  };
}

/**
 * The author's role ids as Discord sent them with the message (a gateway MESSAGE_CREATE carries `member.roles`; a
 * REST message does not), or undefined.
 */
export function memberRoles(message: APIMessage): string[] | undefined {
  const roles = (message as { member?: { roles?: unknown } }).member?.roles;
  return Array.isArray(roles) && roles.every((r) => typeof r === 'string') ? roles : undefined;
}

/** A thread channel object as a {@link ThreadView}. */
export async function readThread(channel: APIChannel, isFleet: FleetCheck): Promise<ThreadView> {
  const meta = 'thread_metadata' in channel ? channel.thread_metadata : undefined;
  const ownerId = ('owner_id' in channel ? channel.owner_id : undefined) ?? '';
  const created = meta?.create_timestamp ? Date.parse(meta.create_timestamp) : NaN;
  return {
    id: channel.id,
    name: ('name' in channel ? channel.name : undefined) ?? '',
    ownerId,
    fleetOwned: ownerId !== '' && (await isFleet(ownerId)),
    archived: meta?.archived ?? false,
    locked: meta?.locked ?? false,
    ...(Number.isFinite(created) ? { createdAt: created } : {}),
  };
}

/** Read a task message. */
export async function readMessage(
  message: APIMessage,
  queueChannel: string,
  isFleet: FleetCheck,
): Promise<TaskView> {
  const fleetAuthored = await isFleet(message.author.id);
  const task = readTask(message, fleetAuthored);
  const ref = message.message_reference;
  const view: TaskView = { message, task, fleetAuthored };
  if (fleetAuthored && task.origin && ref?.message_id && (ref.channel_id ?? queueChannel) === queueChannel)
    view.copyOf = ref.message_id;
  if (message.thread) view.thread = await readThread(message.thread, isFleet);
  return view;
}

/**
 * Which state marks on a message a fleet bot set. A reaction counts if `me` (this bot) or if its user list holds a
 * fleet bot; the list is read once per message, emoji and reaction count (a stranger adding the same emoji again
 * changes the count and so the key).
 */
export class MarkReader {
  readonly #channel: TaskChannel;
  readonly #isFleet: FleetCheck;
  readonly #known = new Map<string, boolean>();
  readonly #lists = new Map<string, Reactor[]>();

  constructor(channel: TaskChannel, isFleet: FleetCheck) {
    this.#channel = channel;
    this.#isFleet = isFleet;
  }

  /** True when a fleet bot reacted `emoji` to the message. */
  async has(channelId: string, message: APIMessage, emoji: string): Promise<boolean> {
    const reaction = message.reactions?.find((r) => r.emoji.name === emoji);
    if (!reaction) return false;
    if (reaction.me) return true;
    const fleetKey = `${message.id}:${emoji}`;
    if (this.#known.get(fleetKey)) return true;
    const key = `${fleetKey}:${reaction.count}`;
    const cached = this.#known.get(key);
    if (cached !== undefined) return cached;
    let found = false;
    for (const user of await this.reactors(channelId, message, emoji)) {
      if (await this.#isFleet(user.id)) {
        found = true;
        break;
      }
    }
    this.#known.set(found ? fleetKey : key, found);
    return found;
  }

  /**
   * Who reacted `emoji` to the message (one request per message, emoji and reaction count; the list is kept until
   * the count changes). Empty when nobody did.
   */
  async reactors(channelId: string, message: APIMessage, emoji: string): Promise<Reactor[]> {
    const reaction = message.reactions?.find((r) => r.emoji.name === emoji);
    if (!reaction) return [];
    const key = `${message.id}:${emoji}:${reaction.count}`;
    let users = this.#lists.get(key);
    if (!users) {
      users = await this.#channel.reactors(channelId, message.id, emoji);
      // A long-lived worker reads many lists over its life; none is needed again once its count changed.
      if (this.#lists.size >= MAX_LISTS) this.#lists.clear();
      this.#lists.set(key, users);
    }
    return users;
  }

  /** The first of `emojis` a fleet bot set on the message, or null. */
  async first(channelId: string, message: APIMessage, emojis: readonly string[]): Promise<string | null> {
    for (const emoji of emojis) if (await this.has(channelId, message, emoji)) return emoji;
    return null;
  }

  /** Remember that this bot just set `emoji` (no need to read it back). */
  note(messageId: string, emoji: string): void {
    this.#known.set(`${messageId}:${emoji}`, true);
  }
}
