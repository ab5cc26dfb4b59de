/**
 * `dorch manager --workers N` (also `npm start` with a config): keeps N workers alive and shows what each does.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createRunner } from '../../../agent/create-runner.js';
import { checkWorkerPermissions, createResilientBus, type ResilientBus } from '../../../bus/create-bus.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { cliCommand } from '../../../lib/cli-entry.js';
import { Supervisor, type WorkerSlot } from '../../../manager/supervisor.js';
import { recoverClaim } from '../../../manager/recover.js';
import { Outbox } from '../../../worker/outbox.js';
import { BusUnavailableError, ConfigError } from '../../../lib/errors.js';
import { PushRelay } from '../../../manager/push-relay.js';
import { startPush } from './push.js';
import { loadRuntime } from '../../runtime.js';

/** Options of `dorch manager`. */
export interface ManagerCommandOptions {
  config?: string;
  workers: number;
  /** Accepted for compatibility: workers stay up between tasks by default. */
  keepAlive?: boolean;
  /** Restart each worker's process after every task (the seed's design). @defaultValue false */
  restartPerTask?: boolean;
  /**
   * Push mode: the manager holds one gateway session for the machine and hands each new task to an idle worker at
   * once. `false` polls only. @defaultValue true
   */
  push?: boolean;
  /** Extra environment for the workers (the demo sets the runner and the emulator's URL this way). */
  env?: NodeJS.ProcessEnv;
  /** Resolves when the manager should stop (besides q, Ctrl-C, SIGTERM). */
  until?: Promise<unknown>;
  /** Print a line (default console.log). */
  print?: (line: string) => void;
}

/** Run the manager until q, Ctrl-C, SIGTERM, or `until` resolves. */
export async function manager(options: ManagerCommandOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config, warnings, logger, redactor } = await loadRuntime({
    config: options.config,
    name: 'manager',
    logFile: (c) => join(c.worker.runtimeDir, 'logs', 'manager.log'),
  });
  for (const w of warnings) print(`warning: ${w}`);
  for (const w of requireDiscordKeys(config, 'manager', { workers: options.workers, file: options.config }))
    print(`warning: ${w}`);

  // Check the runner once here, so a missing agent CLI is one clear error instead of N crash loops.
  const runner = await createRunner(config, { workerId: 'manager', stripEnv: [] });
  await runner.check();

  const logDir = join(config.worker.runtimeDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tokenFor = (index: number) => config.discord.workerTokens[index - 1] ?? config.discord.botToken!;
  // Refuse to start (one clear error) rather than let N workers each refuse in a restart loop. Discord being
  // unreachable is not a reason to stop: workers then serve the local queue.
  const tokens = new Set(Array.from({ length: options.workers }, (_, i) => tokenFor(i + 1)));
  for (const [i, token] of [...tokens].entries())
    await checkWorkerPermissions(config, token, `the bot of worker token ${i + 1}`).catch(
      (error: unknown) => {
        if (!(error instanceof BusUnavailableError)) throw error;
      },
    );
  // The same resilient bus the workers use, so a dead worker's local (`local-…`) claim is recovered on the local
  // queue and a Discord claim on Discord.
  const buses = new Map<string, Promise<ResilientBus>>();
  const busFor = (slot: WorkerSlot) => {
    const token = tokenFor(slot.index);
    if (!buses.has(token)) buses.set(token, createResilientBus(config, { token, actor: 'manager' }));
    return buses.get(token)!;
  };

  // One gateway session for the machine, as the bot of the first worker slot (worker bots have the Message Content
  // intent; the submitter bot need not). Workers, whatever their mode, never identify themselves.
  const pushing = options.push !== false;
  const push = pushing
    ? await startPush(config, tokenFor(1), config.discord.workerTokens[0] ? 'WORKER1_TOKEN' : 'BOT_TOKEN', {
        print,
        log: (line) => logger.info(line),
        debug: (line) => logger.debug(line),
      })
    : undefined;

  const cli = cliCommand();
  const supervisor = new Supervisor({
    workers: options.workers,
    spawnWorker: (slot) => {
      const log = openSync(join(logDir, `${slot.workerId}.log`), 'a');
      const args = [...cli.slice(1)];
      if (options.config) args.push('--config', options.config);
      args.push('worker', '--id', slot.workerId);
      if (options.restartPerTask) args.push('--restart-per-task');
      args.push(...(push ? ['--push-from', 'manager'] : ['--no-push']));
      const child = spawn(cli[0]!, args, {
        env: { ...process.env, ...options.env, BOT_TOKEN: tokenFor(slot.index), WORKER_ID: slot.workerId },
        stdio: ['ignore', log, log, 'ipc'],
      });
      closeSync(log);
      return child;
    },
    recoverTask: async (slot, claim, reason) =>
      recoverClaim(
        (await busFor(slot)).bus,
        new Outbox(config.worker.runtimeDir, slot.workerId),
        claim,
        reason,
      ),
  });
  // Worker messages carry foreign text (error messages): redact before printing or logging.
  wireOutput(
    supervisor,
    (line) => print(redactor.redact(line)),
    (line) => logger.info(redactor.redact(line)),
  );

  const relay = push ? new PushRelay(supervisor, push.feed) : undefined;
  relay?.start();
  print(
    `Manager: starting ${options.workers} worker(s) with the ${config.agent.runner} runner` +
      `${options.restartPerTask ? ' (a fresh process per task)' : ''}` +
      `${pushing ? '' : ' (polling only)'}. Logs in ${logDir}/. Press q or Ctrl-C to stop.`,
  );
  supervisor.start();

  // A bad token or a disallowed intent on the gateway: nothing can work until it is fixed, so stop and say how.
  let fatal: Error | undefined;
  const fatalClose = new Promise<void>((resolve) =>
    push?.gateway.on('fatal', (error) => {
      if (!(error instanceof ConfigError)) return;
      fatal = error;
      resolve();
    }),
  );
  await waitForStop(Promise.race([options.until ?? new Promise(() => {}), fatalClose]));
  print('Manager: stopping workers (a running task gets up to 30 s to finish, else it is requeued)…');
  relay?.stop();
  await supervisor.stop();
  push?.feed.close();
  await push?.gateway.close();
  for (const b of buses.values()) await (await b).bus.close();
  print('Manager: stopped.');
  summary(supervisor, print);
  if (fatal) throw fatal;
}

function wireOutput(supervisor: Supervisor, print: (l: string) => void, log: (l: string) => void) {
  const line = (slot: WorkerSlot, text: string) => {
    const l = `${new Date().toISOString().slice(11, 19)} ${slot.workerId.padEnd(10)} ${text}`;
    print(l);
    log(l);
  };
  supervisor.on('worker-message', (slot, m) => {
    if (m.type === 'status') line(slot, `${m.status.padEnd(10)} ${m.detail}`);
    else if (m.type === 'finished')
      line(
        slot,
        `${m.outcome.padEnd(10)} ${m.taskId} in ${(m.durationMs / 1000).toFixed(1)} s, $${m.costUsd.toFixed(6)}`,
      );
    else if (m.type === 'released') line(slot, `RELEASED   ${m.taskId}: ${m.reason}`);
    else if (m.type === 'warning') line(slot, `warning    ${m.message}`);
  });
  supervisor.on('worker-exit', (slot, info) => {
    if (info.reason === 'restart') return; // the normal clean restart after each task: not news
    const next = info.restartInMs === null ? '' : `; restarting in ${(info.restartInMs / 1000).toFixed(1)} s`;
    line(slot, `EXITED     ${info.reason}${next}`);
  });
  supervisor.on('agents-ended', (slot, info) =>
    line(slot, `AGENTS     killed ${info.count} agent process(es) the dead worker left running`),
  );
  supervisor.on('task-recovered', (slot, info) =>
    line(
      slot,
      `RECOVERED  ${info.taskId}: ${info.action}${info.detail ? ` ${info.detail}` : ''}${info.error ? ` (${info.error})` : ''}`,
    ),
  );
}

/** Resolve on q (TTY), Ctrl-C, SIGTERM, or `until`. */
function waitForStop(until?: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (process.stdin.isTTY) {
        process.stdin.setRawMode(false);
        process.stdin.pause();
        process.stdin.off('data', onKey);
      }
      resolve();
    };
    const onKey = (data: Buffer) => {
      const key = data.toString();
      if (key === 'q' || key === 'Q' || key === '\u0003') done();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (process.stdin.isTTY) {
      process.stdin.setRawMode(true);
      process.stdin.resume();
      process.stdin.on('data', onKey);
    }
    void until?.then(done, done);
  });
}

function summary(supervisor: Supervisor, print: (l: string) => void) {
  const restarts = supervisor.slots.reduce((n, s) => n + s.restarts, 0);
  print(`Manager: ${supervisor.slots.length} worker slot(s), ${restarts} restart(s).`);
}
