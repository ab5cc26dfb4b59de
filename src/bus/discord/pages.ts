/**
 * Reading a channel's history: pages of up to 100 messages, newest first, each page older than the last
 * (Discord's `before` cursor). Stop iterating to stop reading.
 */
import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { toBusError } from './errors.js';

/** Discord's largest page. */
export const PAGE_SIZE = 100;

/** Pages of `channelId`, newest first; at most `maxPages` (default: the whole history). Errors are mapped. */
export async function* channelPages(
  rest: REST,
  channelId: string,
  options: { maxPages?: number } = {},
): AsyncGenerator<APIMessage[]> {
  let before: string | undefined;
  for (let page = 0; page < (options.maxPages ?? Infinity); page++) {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (before) query.set('before', before);
    let messages: APIMessage[];
    try {
      messages = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
    } catch (error) {
      throw toBusError(error, 'GET', '/channels/:id/messages');
    }
    if (messages.length > 0) yield messages;
    if (messages.length < PAGE_SIZE) return;
    before = messages[messages.length - 1]!.id;
  }
}
