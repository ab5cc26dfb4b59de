/**
 * The manager's gateway session (push mode): one per machine, relayed to its workers. What it does is printed
 * on the manager's screen and logged: connected, closed (workers poll meanwhile), back, or off and why.
 */
import type { Config } from '../../../config/schema.js';
import { TaskGateway } from '../../../bus/discord/gateway.js';
import { createRest } from '../../../bus/discord/rest.js';
import { TaskFeed } from '../../../bus/discord/task-feed.js';
import { errorMessage } from '../../../lib/errors.js';

/** A started gateway and the feed the relay reads. */
export interface ManagerPush {
  gateway: TaskGateway;
  feed: TaskFeed;
}

/**
 * Start push mode as the bot of `tokenKey`. Resolves undefined (with a line saying why) when it cannot start: the
 * workers then poll as without push.
 */
export async function startPush(
  config: Config,
  token: string,
  tokenKey: string,
  out: { print: (line: string) => void; log: (line: string) => void; debug: (line: string) => void },
): Promise<ManagerPush | undefined> {
  const d = config.discord;
  const say = (line: string) => {
    out.print(line);
    out.log(line);
  };
  const gateway = new TaskGateway({ token, tokenKey, rest: createRest({ apiUrl: d.apiUrl, token }) });
  const feed = new TaskFeed(gateway, { taskQueueChannel: d.taskQueueChannel! });
  let upBefore = false;
  gateway.on('up', ({ resumed }) => {
    if (!upBefore) say(`Manager: push mode on (a gateway session as the bot of ${tokenKey})`);
    else say(`Manager: gateway ${resumed ? 'resumed' : 'back with a new session'}; push mode on again`);
    upBefore = true;
  });
  gateway.on('down', ({ code, meaning }) =>
    say(`Manager: gateway closed (${code}, ${meaning}); workers poll every POLL_INTERVAL until it is back`),
  );
  gateway.on('fatal', (error) => say(`Manager: push mode off: ${error.message}`));
  gateway.on('debug', (m) => out.debug(m));
  try {
    await gateway.start();
  } catch (error) {
    feed.close();
    say(`Manager: push mode off: ${errorMessage(error)}`);
    return undefined;
  }
  return { gateway, feed };
}
