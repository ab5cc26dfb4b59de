/**
 * The gateway session of a standalone keep-alive `dorch worker` (under the manager, the manager holds it): a
 * {@link TaskGateway} and the task feed the worker reads. Its state changes go to the worker's log.
 */
import type { Logger } from 'pino';
import type { Config } from '../../../config/schema.js';
import { TaskGateway } from '../../../bus/discord/gateway.js';
import { createRest } from '../../../bus/discord/rest.js';
import { TaskFeed } from '../../../bus/discord/task-feed.js';
import { errorMessage } from '../../../lib/errors.js';

/** A started gateway and its feed. */
export interface StandaloneGateway {
  gateway: TaskGateway;
  feed: TaskFeed;
}

/**
 * Start push mode for `token` (config key `tokenKey`), or return undefined with a warning when it cannot start
 * (the day's IDENTIFY budget, a refused token): the worker then polls as before.
 */
export async function startGateway(
  config: Config,
  token: string,
  tokenKey: string,
  logger: Logger,
): Promise<StandaloneGateway | undefined> {
  const d = config.discord;
  const gateway = new TaskGateway({ token, tokenKey, rest: createRest({ apiUrl: d.apiUrl, token }) });
  const feed = new TaskFeed(gateway, { taskQueueChannel: d.taskQueueChannel! });
  gateway.on('up', ({ resumed }) =>
    logger.info(resumed ? 'gateway resumed: push mode on again' : 'gateway connected: push mode on'),
  );
  gateway.on('down', ({ code, meaning }) =>
    logger.warn(`gateway closed (${code}, ${meaning}); polling every POLL_INTERVAL until it is back`),
  );
  gateway.on('debug', (m) => logger.debug(m));
  try {
    await gateway.start();
  } catch (error) {
    feed.close();
    logger.warn(`push mode off: ${errorMessage(error)}`);
    return undefined;
  }
  return { gateway, feed };
}
