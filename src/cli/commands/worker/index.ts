/**
 * `dorch worker`: one worker process. Under the manager it reports over IPC; alone it logs JSON lines.
 */
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { machineName, slotWorkerId } from '../../../config/machine.js';
import { AgentStartError, ConfigError, DiscordApiError, errorMessage } from '../../../lib/errors.js';
import { processRedactor } from '../../../lib/redact.js';
import { describeConfigProblem, workerTokenKey } from '../../discord-problem.js';
import type { HandBack } from '../../../bus/bus.js';
import type { WorkerMessage } from '../../../manager/supervisor.js';
import { createWorker } from '../../../worker/create-worker.js';
import { DEFAULT_STOP_GRACE_MS } from '../../../worker/options.js';
import { loadRuntime } from '../../runtime.js';
import { ExitError } from '../../errors.js';
import type { PushSource } from '../../../bus/bus.js';
import { RelayedPush } from '../../../worker/relayed-push.js';
import type { StandaloneGateway } from './gateway.js';

/** Options of `dorch worker`. */
export interface WorkerCommandOptions {
  config?: string;
  id?: string;
  /** Accepted for compatibility: staying up between tasks is the default. */
  keepAlive?: boolean;
  /**
   * Exit after every task for a fresh process (the seed's design; the manager starts the next one). Such a worker
   * never opens a gateway session. @defaultValue false
   */
  restartPerTask?: boolean;
  once?: boolean;
  /**
   * Push mode: hear new tasks over Discord's gateway instead of waiting for a poll. `false` polls only.
   * @defaultValue true (for a keep-alive worker)
   */
  push?: boolean;
  /** Set by the manager: pushes come from it over IPC (`manager`), not from a gateway session of this process. */
  pushFrom?: 'manager';
}

/** One line for what a hand-back (or a sweep) did. */
function describe(result: HandBack | { action: 'finished'; taskId: string }): string {
  switch (result.action) {
    case 'requeued':
      return `requeued as ${result.taskId}`;
    case 'failed':
      return `out of attempts, reported FAILED as ${result.taskId}`;
    case 'finished':
      return 'its result was posted already; closed it';
    default:
      return `${result.action}: ${result.reason}`;
  }
}

/** Run one worker until it exits (after a task, idle, or on a signal). */
export async function worker(options: WorkerCommandOptions): Promise<void> {
  let explain = (error: unknown): string => errorMessage(error);
  try {
    await run(options, (describe) => (explain = describe));
  } catch (error) {
    // Tell the manager why, in words that name the key and the fix, before exiting: its screen is the one the user
    // is looking at, not this worker's log file.
    const reason = processRedactor.redact(failureReason(error, explain));
    const permanent = isPermanent(error);
    await sendNow({ type: 'fatal', reason, permanent });
    if (process.connected) process.disconnect();
    throw new ExitError(error instanceof ConfigError ? 2 : 1, `error: ${reason}`, { cause: error });
  }
}

/**
 * A failure a restart cannot fix: the config is wrong (or a bot lacks a permission the start-up check requires),
 * Discord rejected the token, or the agent CLI cannot start. The manager stops restarting such a worker.
 */
export function isPermanent(error: unknown): boolean {
  return (
    error instanceof ConfigError ||
    error instanceof AgentStartError ||
    (error instanceof DiscordApiError && error.status === 401)
  );
}

function failureReason(error: unknown, explain: (error: unknown) => string): string {
  if (error instanceof ConfigError) return error.issues.join('; ');
  return explain(error);
}

// Send one message to the manager and wait until it is handed over (a process that exits right after would lose it).
function sendNow(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) =>
    process.send && process.connected ? process.send(m, undefined, {}, () => resolve()) : resolve(),
  );
}

async function run(options: WorkerCommandOptions, explainWith: (describe: (e: unknown) => string) => void) {
  const { config, warnings, logger, redactor } = await loadRuntime({
    config: options.config,
    name: options.id ?? process.env.WORKER_ID ?? 'worker',
  });
  const workerId = options.id ?? config.worker.workerId ?? slotWorkerId(machineName(config), process.pid);
  for (const w of warnings) logger.warn(w);
  for (const w of requireDiscordKeys(config, 'worker', { file: options.config })) logger.warn(w);
  const token = config.discord.botToken ?? config.discord.workerTokens[0]!;
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const tokenKey = workerTokenKey(config, token);
  const explain = (error: unknown) =>
    describeConfigProblem(config, error, { tokenKey, role: 'worker', file }) ?? errorMessage(error);
  explainWith(explain);
  // IPC messages end up on the manager's screen: redact every string in them. A manager that died (SIGKILL) closed
  // the channel: with a callback, a failed send is an ignored error instead of an ERR_IPC_CHANNEL_CLOSED crash.
  const send = (m: WorkerMessage) => {
    if (process.send && process.connected) {
      process.send(JSON.parse(redactor.redact(JSON.stringify(m))) as WorkerMessage, undefined, {}, () => {});
    }
  };

  const keepAlive = !options.restartPerTask;
  // One gateway session per machine: under the manager it relays its own; a standalone keep-alive worker holds one;
  // a worker that restarts after each task never identifies (Discord allows 1000 a day and then resets the token).
  let push: PushSource | undefined;
  let gateway: StandaloneGateway | undefined;
  if (options.push !== false && options.pushFrom === 'manager' && process.send) {
    const relay = new RelayedPush((m) => send(m));
    process.on('message', (m) => relay.receive(m));
    push = relay;
  } else if (options.push !== false && keepAlive && !options.once && !options.pushFrom) {
    const tokenKey = config.discord.botToken ? 'BOT_TOKEN' : 'WORKER1_TOKEN';
    // Loaded only here: a worker under the manager (or one that restarts per task) never pays for the gateway client.
    const { standaloneGateway } = await import('./gateway.js');
    gateway = standaloneGateway(config, token, tokenKey, logger);
    push = gateway.feed;
  }

  const {
    worker: w,
    bus,
    discord,
    close,
    warnings: wiringWarnings,
  } = await createWorker(config, {
    workerId,
    token,
    keepAlive,
    once: options.once,
    push,
    redact: (text) => redactor.redact(text),
    overrides: { describeError: explain },
  });
  for (const w of wiringWarnings) logger.warn(w);
  let fatal: Error | undefined;
  gateway?.gateway.on('fatal', (error) => {
    fatal = error;
    logger.error(error.message);
    // A bad token or a disallowed intent: nothing works until the operator fixes it, so stop (the task running, if
    // any, finishes within the grace period).
    if (error instanceof ConfigError) w.stop(DEFAULT_STOP_GRACE_MS);
  });
  // Connected only now: `createWorker` has checked the token and the bot's permissions.
  await gateway?.start();
  bus.on('primary-down', ({ error }) =>
    logger.warn(`Discord unreachable (${error.message}); working from the local queue until it is back`),
  );
  bus.on('primary-up', ({ downForMs }) =>
    logger.info(`Discord is back after ${Math.round(downForMs / 1000)} s`),
  );
  bus.on('drained', (report) => logger.info({ report }, 'moved locally queued tasks to Discord'));
  discord.on('rejected', (i) => logger.warn({ ...i }, `refused ${i.taskId} (marked 🚫): ${i.how}`));
  discord.on('foreign', (i) =>
    logger.warn(
      { ...i },
      `a thread on ${i.taskId} was opened by ${i.ownerId}, who is not a fleet bot: not a claim; ${describe(i.result)}`,
    ),
  );
  discord.on('duplicate', (i) => logger.info({ ...i }, `${i.taskId} is not the live copy (♻️): ${i.why}`));
  discord.on('unreadable', (i) =>
    logger.warn(
      { ...i },
      'a task message came back empty: enable the Message Content intent for this bot in the Discord Developer Portal',
    ),
  );
  discord.on('debug', (m) => logger.debug(m));
  bus.on('debug', (m) => logger.debug(m));
  w.on('status', (status, detail) => {
    logger.info({ status }, detail);
    send({ type: 'status', status, detail });
  });
  w.on('claimed', (claim) => {
    logger.info({ taskId: claim.task.id }, 'claimed');
    send({ type: 'claimed', claim });
  });
  w.on('finished', ({ claim, outcome, costUsd, durationMs, usage }) => {
    logger.info({ taskId: claim.task.id, outcome, costUsd, durationMs }, 'finished');
    const tokens = usage
      ? { input: usage.input + usage.cacheRead + usage.cacheWrite, output: usage.output }
      : undefined;
    send({
      type: 'finished',
      taskId: claim.task.id,
      outcome,
      costUsd,
      durationMs,
      ...(tokens ? { tokens } : {}),
    });
  });
  w.on('released', ({ claim, reason }) => {
    logger.warn({ taskId: claim.task.id }, `released: ${reason}`);
    send({ type: 'released', taskId: claim.task.id, reason });
  });
  w.on('warning', (m) => {
    logger.warn(m);
    send({ type: 'warning', message: m });
  });
  w.on('swept', (info) => {
    logger.warn(
      { ...info },
      `abandoned claim on ${info.taskId} by ${info.from}: ${info.reason}; ${describe(info.result)}`,
    );
    send({ type: 'warning', message: `swept ${info.taskId} (${describe(info.result)}): ${info.reason}` });
  });
  w.on('debug', (m) => logger.debug(m));

  // SIGTERM/SIGINT: finish the task within the grace period, else release it. SIGUSR2: emergency stop.
  const onTerm = () => w.stop(DEFAULT_STOP_GRACE_MS);
  const onEmergency = () => w.stop(0);
  // The manager is gone (killed): nobody will restart this worker or act on its messages. Finish and report the
  // running task (no grace limit beyond the task's own timeout), then exit.
  const onOrphaned = () => {
    logger.warn('the manager is gone; finishing the current task, then exiting');
    w.stop(Infinity);
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onTerm);
  process.on('SIGUSR2', onEmergency);
  process.on('disconnect', onOrphaned);
  // A manager killed while this process was starting closed the channel before anyone listened: the same case.
  if (process.send && !process.connected) onOrphaned();
  try {
    const reason = await w.run();
    await new Promise<void>((resolve) =>
      process.send && process.connected
        ? process.send({ type: 'exit', reason }, undefined, {}, () => resolve())
        : resolve(),
    );
    logger.info({ reason }, 'worker exiting');
    if (fatal instanceof ConfigError) throw fatal;
  } finally {
    await gateway?.close();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onTerm);
    process.off('SIGUSR2', onEmergency);
    process.off('disconnect', onOrphaned);
    await close();
  }
  // The IPC channel would keep this process alive after the work is done. (On a failure the caller first tells the
  // manager why, then disconnects.)
  if (process.connected) process.disconnect();
}
