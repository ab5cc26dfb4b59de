/**
 * `dorch manager --workers N` (also `npm start` with a config): keeps N workers alive and shows what each does.
 */
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
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
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { formatConfigProblem } from '../../../bus/discord/explain-error.js';
import { configProblem, workerTokenKey } from '../../discord-problem.js';
import { loadRuntime } from '../../runtime.js';
import { machineName, slotWorkerId } from '../../../config/machine.js';
import { renderLiveView } from '../../../manager/live-view.js';
import { ExitError } from '../../errors.js';
import { LiveScreen } from './live-screen.js';

/**
 * Node flags of the worker processes. A worker waits on the network nearly all the time, so V8 may favour memory over
 * speed: `--optimize-for-size` cuts an idle worker's resident memory by about a tenth (bench: ~85 → ~75 MB) at no
 * CPU cost the bench can see (`npm run bench`: CPU per task).
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];

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
  /** Print a line (default console.log). Given, the output is plain lines (no live view). */
  print?: (line: string) => void;
  /**
   * How to show what the workers do: `live` (a table redrawn in place), `lines` (one line per event), `json` (one JSON
   * object per event). @defaultValue `live` on a terminal, else `lines`; `json` with `--json`
   */
  view?: 'live' | 'lines' | 'json';
  /** `--json`: the same as `view: 'json'`. */
  json?: boolean;
}

/** Run the manager until q, Ctrl-C, SIGTERM, or `until` resolves. */
export async function manager(options: ManagerCommandOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const view =
    options.view ?? (options.json ? 'json' : !options.print && process.stdout.isTTY ? 'live' : 'lines');
  const { config, warnings, logger, redactor } = await loadRuntime({
    config: options.config,
    name: 'manager',
    logFile: (c) => join(c.worker.runtimeDir, 'logs', 'manager.log'),
  });
  const say = (line: string) =>
    view === 'json' ? print(JSON.stringify({ ts: now(), event: 'manager', message: line })) : print(line);
  for (const w of warnings) say(`warning: ${w}`);
  for (const w of requireDiscordKeys(config, 'manager', { workers: options.workers, file: options.config }))
    say(`warning: ${w}`);

  // Check the runner once here, so a missing agent CLI is one clear error instead of N crash loops.
  const runner = await createRunner(config, { workerId: 'manager', stripEnv: [] });
  await runner.check();

  const logDir = join(config.worker.runtimeDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tokenFor = (index: number) => config.discord.workerTokens[index - 1] ?? config.discord.botToken!;
  // Refuse to start (one clear error) rather than let N workers each refuse in a restart loop. Discord being
  // unreachable is not a reason to stop: workers then serve the local queue.
  const tokens = new Set(Array.from({ length: options.workers }, (_, i) => tokenFor(i + 1)));
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  for (const token of tokens) {
    const tokenKey = workerTokenKey(config, token);
    await checkWorkerPermissions(config, token, `the bot of ${tokenKey}`).catch((error: unknown) => {
      if (error instanceof BusUnavailableError) return;
      const problem = configProblem(config, error, { tokenKey, role: 'worker', file });
      throw problem ? new ConfigError([formatConfigProblem(problem)], { cause: error }) : error;
    });
  }
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
  // Gateway news: a line, or in the live view a line under the table (printing would tear it).
  let notice = say;
  const push =
    options.push !== false
      ? await startPush(config, tokenFor(1), config.discord.workerTokens[0] ? 'WORKER1_TOKEN' : 'BOT_TOKEN', {
          print: (line) => notice(line),
          log: (line) => logger.info(line),
          debug: (line) => logger.debug(line),
        })
      : undefined;

  const mode =
    `${options.restartPerTask ? ' (a fresh process per task)' : ''}` + `${push ? '' : ' (polling only)'}`;
  const cli = cliCommand();
  const machine = machineName(config);
  const supervisor = new Supervisor({
    workers: options.workers,
    // Unique across machines that run from one copied config: a claim thread's name carries the worker id.
    workerIdFor: (i) => slotWorkerId(machine, i),
    spawnWorker: (slot) => {
      const log = openSync(join(logDir, `${slot.workerId}.log`), 'a');
      const args = [...WORKER_NODE_FLAGS, ...cli.slice(1)];
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
      ).catch((error: unknown) => {
        // Say what to fix when it is the config (a permission, a channel), not only what Discord answered.
        const tokenKey = workerTokenKey(config, tokenFor(slot.index));
        const problem = configProblem(config, error, { tokenKey, role: 'worker', file });
        throw problem ? new Error(formatConfigProblem(problem), { cause: error }) : error;
      }),
  });
  const title =
    `dorch manager · ${options.workers} worker(s) · ${config.agent.runner} runner${mode} · on ${machine} · ` +
    `logs in ${logDir}/`;
  const footer = 'q or Ctrl-C stops (a running task gets up to 30 s to finish, else it is requeued)';
  // Worker messages carry foreign text (error messages): redact before printing or logging.
  const events = new EventLog(view === 'live' ? 8 : 0);
  const screen =
    view === 'live'
      ? new LiveScreen(process.stdout, (width) =>
          renderLiveView(supervisor.slots, {
            now: Date.now(),
            title,
            events: events.recent(),
            width,
            footer,
          }),
        )
      : null;
  if (screen)
    notice = (line) => {
      events.add(`${now().slice(11, 19)} ${line}`);
      screen.schedule();
    };
  wireOutput(supervisor, {
    logDir,
    emit: (event) => {
      const clean = { ...event, text: redactor.redact(event.text) };
      logger.info({ worker: clean.worker, event: clean.kind }, clean.text);
      if (view === 'json')
        print(
          redactor.redact(
            JSON.stringify({
              ts: clean.ts,
              worker: clean.worker,
              event: clean.kind,
              ...clean.fields,
              message: clean.text,
            }),
          ),
        );
      else if (view === 'lines') print(eventLine(clean));
      else {
        // Status changes are the table itself; the lines under it are what else happened.
        if (clean.kind !== 'status') events.add(eventLine(clean));
        screen?.schedule();
      }
    },
  });

  const relay = push ? new PushRelay(supervisor, push.feed) : undefined;
  relay?.start();
  if (view !== 'live')
    say(
      `Manager: starting ${options.workers} worker(s) (${supervisor.slots.map((s) => s.workerId).join(', ')}) on ${machine} ` +
        `with the ${config.agent.runner} runner${mode}. Logs in ${logDir}/. Press q or Ctrl-C to stop.`,
    );
  supervisor.start();
  screen?.start();

  // A bad token or a disallowed intent on the gateway: nothing can work until it is fixed, so stop and say how.
  let fatal: Error | undefined;
  const fatalClose = new Promise<void>((resolve) =>
    push?.gateway.on('fatal', (error) => {
      if (!(error instanceof ConfigError)) return;
      fatal = error;
      resolve();
    }),
  );
  let allStopped = false;
  const stoppedForGood = new Promise<void>((resolve) =>
    supervisor.once('all-stopped', () => {
      allStopped = true;
      resolve();
    }),
  );
  await waitForStop(
    Promise.race([options.until ?? new Promise(() => undefined), stoppedForGood, fatalClose]),
  );
  screen?.stop();
  if (fatal) say('Manager: stopping (see above: nothing can work until that is fixed).');
  else if (allStopped)
    say('Manager: every worker stopped for a reason a restart cannot fix (see above); stopping.');
  else say('Manager: stopping workers (a running task gets up to 30 s to finish, else it is requeued)…');
  relay?.stop();
  await supervisor.stop();
  push?.feed.close();
  await push?.gateway.close();
  for (const b of buses.values()) await (await b).bus.close();
  say('Manager: stopped.');
  summary(supervisor, say);
  if (fatal) throw fatal;
  if (allStopped)
    throw new ExitError(
      1,
      `error: every worker stopped: ${[...new Set(supervisor.slots.map((s) => s.detail))].join('; ')}`,
    );
}

function now(): string {
  return new Date().toISOString();
}

/** One thing that happened to a worker slot. */
interface ManagerEvent {
  ts: string;
  worker: string;
  /** `status`, `finished`, `released`, `warning`, `exited`, `stopped`, `agents`, `recovered`. */
  kind: string;
  /** The line people read. */
  text: string;
  /** The same as data, for `--json`. */
  fields: Record<string, unknown>;
}

function eventLine(e: ManagerEvent): string {
  const word =
    e.kind === 'status'
      ? ''
      : e.kind === 'finished'
        ? String(e.fields.outcome)
        : e.kind === 'warning'
          ? 'warning'
          : e.kind.toUpperCase();
  const text = e.kind === 'finished' ? e.text.replace(/^\S+ /, '') : e.text;
  return `${e.ts.slice(11, 19)} ${e.worker.padEnd(10)} ${word ? `${word.padEnd(10)} ` : ''}${text}`;
}

/** The last few event lines (for the live view). */
class EventLog {
  readonly #lines: string[] = [];
  constructor(readonly size: number) {}
  add(line: string): void {
    if (this.size === 0) return;
    this.#lines.push(line);
    if (this.#lines.length > this.size) this.#lines.shift();
  }
  recent(): string[] {
    return [...this.#lines];
  }
}

function wireOutput(
  supervisor: Supervisor,
  options: { logDir: string; emit: (event: ManagerEvent) => void },
): void {
  const emit = (slot: WorkerSlot, kind: string, text: string, fields: Record<string, unknown> = {}) =>
    options.emit({ ts: now(), worker: slot.workerId, kind, text, fields });
  supervisor.on('worker-message', (slot, m) => {
    if (m.type === 'status')
      emit(slot, 'status', `${m.status.padEnd(10)} ${m.detail}`, { status: m.status, detail: m.detail });
    else if (m.type === 'finished')
      emit(
        slot,
        'finished',
        `${m.outcome} ${m.taskId} in ${(m.durationMs / 1000).toFixed(1)} s, $${m.costUsd.toFixed(6)}` +
          (m.tokens ? `, ${m.tokens.input}/${m.tokens.output} tokens` : ''),
        {
          taskId: m.taskId,
          outcome: m.outcome,
          durationMs: m.durationMs,
          costUsd: m.costUsd,
          tokens: m.tokens,
        },
      );
    else if (m.type === 'released')
      emit(slot, 'released', m.reason.startsWith(m.taskId) ? m.reason : `${m.taskId}: ${m.reason}`, {
        taskId: m.taskId,
        reason: m.reason,
      });
    else if (m.type === 'warning') emit(slot, 'warning', m.message, { message: m.message });
  });
  supervisor.on('worker-exit', (slot, info) => {
    if (info.reason === 'restart') return; // the normal clean restart after each task: not news
    if (info.permanent) {
      emit(
        slot,
        'stopped',
        `${info.reason.replace(/\.$/, '')}. Not restarting it: a restart cannot fix this. Fix it (\`dorch doctor\` checks everything), ` +
          'then restart the manager.',
        { reason: info.reason, code: info.code },
      );
      return;
    }
    const clean = info.code === 0 && ['idle', 'once', 'stopped'].includes(info.reason);
    // A crash the worker could not explain (it died before it could say why): its log's last words.
    const said =
      !clean && /^(exit code|killed by)/.test(info.reason)
        ? lastWords(join(options.logDir, `${slot.workerId}.log`))
        : null;
    const next = info.restartInMs === null ? '' : `; restarting in ${(info.restartInMs / 1000).toFixed(1)} s`;
    emit(slot, 'exited', `${info.reason}${said ? ` (its log: ${said})` : ''}${next}`, {
      reason: info.reason,
      code: info.code,
      signal: info.signal,
      restartInMs: info.restartInMs,
      ...(said ? { log: said } : {}),
    });
  });
  supervisor.on('agents-ended', (slot, info) =>
    emit(slot, 'agents', `killed ${info.count} agent process(es) the dead worker left running`, {
      count: info.count,
    }),
  );
  supervisor.on('task-recovered', (slot, info) =>
    emit(
      slot,
      'recovered',
      `${info.taskId}: ${info.action}${info.detail ? ` ${info.detail}` : ''}${info.error ? ` (${info.error})` : ''}`,
      { ...info },
    ),
  );
}

/** The last error-looking line of a worker's log (pino JSON at level ≥ warn, or plain stderr text), or null. */
export function lastWords(file: string): string | null {
  let text: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, 16_384);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  for (const line of text.split('\n').reverse()) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    if (trimmed.startsWith('{')) {
      try {
        const entry = JSON.parse(trimmed) as { level?: number; msg?: string };
        if ((entry.level ?? 0) >= 40 && entry.msg) return entry.msg.slice(0, 300);
      } catch {
        // a cut-off first line: skip it
      }
      continue;
    }
    if (/^\s*at /.test(line)) continue; // a stack frame: the message is further up
    return trimmed.slice(0, 300);
  }
  return null;
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
