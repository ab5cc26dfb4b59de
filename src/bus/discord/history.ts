/**
 * Reads the whole `#results` history, newest first, for fleet-wide reports (`dorch costs --fleet`).
 */
import { Routes, type APIMessage } from 'discord-api-types/v10';
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../lib/errors.js';
import { createRest } from './rest.js';
import { toBusError } from './errors.js';

/** Every message in #results, newest first, as `{content, timestamp}`. */
export async function* readResultsHistory(
  config: Config,
): AsyncIterable<{ content: string; timestamp: string }> {
  const d = config.discord;
  const token = d.submitterToken ?? d.botToken ?? d.workerTokens[0];
  if (!token || !d.resultsChannel) {
    throw new ConfigError([
      'RESULTS_CHANNEL and a token (SUBMITTER_TOKEN, BOT_TOKEN or WORKER1_TOKEN): needed to read #results',
    ]);
  }
  const rest = createRest({ apiUrl: d.apiUrl, token });
  let before: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '100' });
    if (before) query.set('before', before);
    let page: APIMessage[];
    try {
      page = (await rest.get(Routes.channelMessages(d.resultsChannel), { query })) as APIMessage[];
    } catch (error) {
      throw toBusError(error, 'GET', '/channels/:id/messages');
    }
    for (const m of page) yield { content: m.content, timestamp: m.timestamp };
    if (page.length < 100) return;
    before = page[page.length - 1]!.id;
  }
}
