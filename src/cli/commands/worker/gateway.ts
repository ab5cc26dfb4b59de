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

/** A gateway and its feed. */
export interface StandaloneGateway {
  gateway: TaskGateway;
  feed: TaskFeed;
  /**
   * Connect (after the worker checked its token and permissions). When push mode cannot start (the day's IDENTIFY
   * budget, Discord refusing) it says so in the log and the feed stays down: the worker polls as before.
   */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Push mode for `token` (config key `tokenKey`), not connected yet. */
export function standaloneGateway(
  config: Config,
  token: string,
  tokenKey: string,
  logger: Logger,
): StandaloneGateway {
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
  return {
    gateway,
    feed,
    start: async () => {
      try {
        await gateway.start();
      } catch (error) {
        logger.warn(`push mode off: ${errorMessage(error)}`);
      }
    },
    close: async () => {
      feed.close();
      await gateway.close();
    },
  };
}
