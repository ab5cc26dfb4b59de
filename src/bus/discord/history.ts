/**
 * Reads the whole `#results` history, newest first, for fleet-wide reports (`dorch costs --fleet`).
 */
import type { Config } from '../../config/schema.js';
import { ConfigError } from '../../lib/errors.js';
import { createRest } from './rest.js';
import { channelPages } from './pages.js';

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
  for await (const page of channelPages(rest, d.resultsChannel)) {
    // Results are posted by the fleet's bots: a person's look-alike result counts for nothing.
    for (const m of page) if (m.author.bot === true) yield { content: m.content, timestamp: m.timestamp };
  }
}
