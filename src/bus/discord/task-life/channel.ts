/**
 * The Discord calls the task protocol makes, each one request, errors mapped through `errors.ts`. Every message
 * post disables mentions and carries a nonce with `enforce_nonce`, so a retried post (by the REST client, or after a
 * dropped connection) is never doubled.
 */
import { randomBytes } from 'node:crypto';
import type { REST } from '@discordjs/rest';
import {
  Routes,
  ThreadAutoArchiveDuration,
  type APIChannel,
  type APIMessage,
  type APIUser,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord-api-types/v10';
import type { ReportFile } from '../../../task/report.js';
import { BusUnavailableError } from '../../../lib/errors.js';
import { DiscordCode, hasDiscordCode, toBusError } from '../errors.js';
import { channelPages } from '../pages.js';

/** A thread's fields the protocol reads. */
export interface ThreadPatch {
  name?: string;
  archived?: boolean;
  locked?: boolean;
}

/** Someone who reacted to a message. */
export interface Reactor {
  id: string;
  /** The user's name (`username`). */
  name: string;
}

/** A random nonce (Discord allows 25 characters). */
export function randomNonce(): string {
  return `x${randomBytes(12).toString('hex')}`;
}

/** The REST calls of the task protocol. */
export class TaskChannel {
  readonly #rest: REST;
  readonly #claimRest: REST;
  readonly #isOpen: () => boolean;

  /**
   * @param rest the client for everything but thread creation
   * @param claimRest a client without retries, for thread creation: a retried create would answer 160004 to the
   *   worker that won
   * @param isOpen false once the bus is closed: calls then reject
   */
  constructor(rest: REST, claimRest: REST, isOpen: () => boolean) {
    this.#rest = rest;
    this.#claimRest = claimRest;
    this.#isOpen = isOpen;
  }

  /** The plain client (for reads other modules need). */
  get rest(): REST {
    return this.#rest;
  }

  /** Post a message (mentions off; a nonce, random unless given, with `enforce_nonce`). */
  post(
    channelId: string,
    body: RESTPostAPIChannelMessageJSONBody,
    files: ReportFile[] = [],
  ): Promise<APIMessage> {
    const payload: RESTPostAPIChannelMessageJSONBody = {
      ...body,
      allowed_mentions: { parse: [] },
      nonce: body.nonce ?? randomNonce(),
      enforce_nonce: true,
    };
    return this.#call('POST', '/channels/:id/messages', () =>
      this.#rest.post(Routes.channelMessages(channelId), {
        body: payload,
        files: files.map((f) => ({ name: f.name, data: f.data })),
      }),
    ) as Promise<APIMessage>;
  }

  /** Edit a message's content (mentions off). */
  async edit(channelId: string, messageId: string, content: string): Promise<void> {
    await this.#call('PATCH', '/channels/:id/messages/:id', () =>
      this.#rest.patch(Routes.channelMessage(channelId, messageId), {
        body: { content, allowed_mentions: { parse: [] } },
      }),
    );
  }

  /** Delete a message; an unknown one (already gone) is fine. */
  async delete(channelId: string, messageId: string): Promise<void> {
    await this.#call('DELETE', '/channels/:id/messages/:id', () =>
      this.#rest.delete(Routes.channelMessage(channelId, messageId)),
    ).catch((error: unknown) => {
      if (!hasDiscordCode(error, DiscordCode.UnknownMessage)) throw error;
    });
  }

  /** Delete 2 to 100 messages younger than 14 days in one request (ids that are gone already are ignored). */
  async bulkDelete(channelId: string, messageIds: readonly string[]): Promise<void> {
    await this.#call('POST', '/channels/:id/messages/bulk-delete', () =>
      this.#rest.post(Routes.channelBulkDelete(channelId), { body: { messages: messageIds } }),
    );
  }

  /** Add this bot's reaction. */
  async react(channelId: string, messageId: string, emoji: string): Promise<void> {
    await this.#call('PUT', '/channels/:id/messages/:id/reactions/:emoji/@me', () =>
      this.#rest.put(Routes.channelMessageOwnReaction(channelId, messageId, encodeURIComponent(emoji))),
    );
  }

  /** User ids that reacted `emoji` (the first 100, sorted by id). */
  async reactionUsers(channelId: string, messageId: string, emoji: string): Promise<string[]> {
    return (await this.reactors(channelId, messageId, emoji)).map((u) => u.id);
  }

  /** Users that reacted `emoji`, with their names (the first 100, sorted by id). */
  async reactors(channelId: string, messageId: string, emoji: string): Promise<Reactor[]> {
    const users = (await this.#call('GET', '/channels/:id/messages/:id/reactions/:emoji', () =>
      this.#rest.get(Routes.channelMessageReaction(channelId, messageId, encodeURIComponent(emoji)), {
        query: new URLSearchParams({ limit: '100' }),
      }),
    )) as APIUser[];
    return users.map((u) => ({ id: u.id, name: u.username }));
  }

  /** A message, or null when it does not exist (any more). */
  async message(channelId: string, messageId: string): Promise<APIMessage | null> {
    try {
      return (await this.#call('GET', '/channels/:id/messages/:id', () =>
        this.#rest.get(Routes.channelMessage(channelId, messageId)),
      )) as APIMessage;
    } catch (error) {
      if (
        hasDiscordCode(error, DiscordCode.UnknownMessage) ||
        hasDiscordCode(error, DiscordCode.UnknownChannel)
      )
        return null;
      throw error;
    }
  }

  /** A channel or thread, or null when it does not exist. */
  async channel(channelId: string): Promise<APIChannel | null> {
    try {
      return (await this.#call('GET', '/channels/:id', () =>
        this.#rest.get(Routes.channel(channelId)),
      )) as APIChannel;
    } catch (error) {
      if (hasDiscordCode(error, DiscordCode.UnknownChannel)) return null;
      throw error;
    }
  }

  /** The oldest messages of a thread (up to 100), newest first. */
  threadMessages(threadId: string): Promise<APIMessage[]> {
    return this.#call('GET', '/channels/:id/messages', () =>
      this.#rest.get(Routes.channelMessages(threadId), {
        query: new URLSearchParams({ after: threadId, limit: '100' }),
      }),
    ) as Promise<APIMessage[]>;
  }

  /** Create a thread from a message (one try, no retries: see the constructor). */
  createThread(channelId: string, messageId: string, name: string): Promise<APIChannel> {
    return this.#call('POST', '/channels/:id/messages/:id/threads', () =>
      this.#claimRest.post(Routes.threads(channelId, messageId), {
        body: { name, auto_archive_duration: ThreadAutoArchiveDuration.OneDay },
      }),
    ) as Promise<APIChannel>;
  }

  /** Change a thread (rename, archive, lock). */
  patchThread(threadId: string, patch: ThreadPatch): Promise<APIChannel> {
    return this.#call('PATCH', '/channels/:id', () =>
      this.#rest.patch(Routes.channel(threadId), { body: patch }),
    ) as Promise<APIChannel>;
  }

  /** Pages of a channel, newest first. */
  pages(channelId: string, maxPages: number): AsyncGenerator<APIMessage[]> {
    this.#assertOpen();
    return channelPages(this.#rest, channelId, { maxPages });
  }

  #assertOpen(): void {
    if (!this.#isOpen()) throw new BusUnavailableError('bus is closed');
  }

  async #call<T>(method: string, route: string, fn: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    try {
      return await fn();
    } catch (error) {
      throw toBusError(error, method, route);
    }
  }
}
