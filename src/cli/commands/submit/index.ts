/**
 * `dorch submit "text" [model] [thinking]`: post a task, print its id, optionally wait for the result.
 */
import { DiscordFleet } from '../../../api/fleet.js';
import { delegateUrl } from '../../../api/index.js';
import { resultFromMessage, type TaskResult } from '../../../api/result.js';
import { explainDiscordError, formatConfigProblem } from '../../../bus/discord/explain-error.js';
import { SUBMITTER_NEEDS } from '../../../bus/discord/permissions.js';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { BusUnavailableError, ConfigError } from '../../../lib/errors.js';
import { randomBytes } from 'node:crypto';
import type { Submitted } from '../../../bus/bus.js';
import { postMessage } from '../../../bus/discord/post-message.js';
import type { Config } from '../../../config/schema.js';
import type { ReportFile } from '../../../task/report.js';
import { machineName } from '../../../config/machine.js';
import { prepareTask, type TaskSpec } from '../../../task/spec.js';
import { ExitError } from '../../errors.js';
import { loadRuntime } from '../../runtime.js';
import { describe as describeCancel } from '../cancel/index.js';
import { clackPrompter, SetupCancelled } from '../setup/prompter.js';
import { readFiles, readStdinSpecs, runBatch } from './batch.js';
import { waitForResult, type Interrupts, type WaitEnd } from './wait.js';

/** Options of `dorch submit`. */
export interface SubmitCommandOptions {
  config?: string;
  /** The task (the seed's `submit "text" [model] [thinking]`); optional with `task` or `stdin`. */
  text?: string;
  /** More tasks, each a prompt that may carry tags (`--task`, repeatable). */
  task?: string[];
  /** Read tasks from stdin, one JSON object per line (`{"prompt","model","thinking","files"}`). */
  stdin?: boolean;
  /** The text stdin held (tests); default: read process.stdin. */
  stdinText?: string;
  /** Several tasks with `--wait --json`: one object at the end instead of JSON lines. @defaultValue false */
  atEnd?: boolean;
  /** With `wait`: cancel the remaining tasks once the finished ones cost this many USD. */
  maxCost?: number;
  /** The environment (delegation from inside a task: `DORCH_DELEGATE_URL`). @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
  model?: string;
  thinking?: string;
  wait?: boolean;
  /** Seconds to wait with `wait`. */
  timeout?: number;
  file?: string[];
  /** Print one JSON object ({@link SubmitReport}) instead of lines; warnings go into it. @defaultValue false */
  json?: boolean;
  /** Print a line (default console.log). */
  print?: (line: string) => void;
  /** Print a warning (default console.error; unused with `json`). */
  warn?: (line: string) => void;
  /** Called once the task is posted, before waiting (`dorch setup`'s test task starts its worker here). */
  onSubmitted?: (taskId: string) => void | Promise<void>;
  /** With `wait`: show progress and ask on Ctrl-C as on a terminal. @defaultValue stderr is a terminal */
  terminal?: boolean;
  /** With `wait` on a terminal: where progress lines go. @defaultValue stderr, rewritten in place */
  progress?: { show: (line: string) => void; clear: () => void };
  /** With `wait`: Ctrl-C presses. @defaultValue SIGINT */
  interrupts?: Interrupts & { close?(): void };
  /** With `wait`, after Ctrl-C: true cancels the task. @defaultValue ask on a terminal, else leave it queued */
  confirmCancel?: (taskId: string) => Promise<boolean>;
  /** With `wait`: time between looks, ms. @defaultValue 2000 */
  pollMs?: number;
  /** Who cancels on Ctrl-C, as the result names it. @defaultValue `operator` */
  by?: string;
}

/**
 * What `--json` prints for one task: without `--wait` the posting; with it, also every field of the task's
 * {@link TaskResult} (the library API's shape).
 */
export interface SubmitReport extends Partial<Omit<TaskResult, 'ok' | 'taskId' | 'outcome'>> {
  /** Posted (and, with `--wait`, finished with SUCCESS). */
  ok: boolean;
  taskId: string;
  /** `discord`, or `local` when Discord was unreachable and the task waits in the local queue. */
  via: string;
  warnings: string[];
  /** With `--wait`: the result's outcome, `null` when none came in time (or the wait was interrupted). */
  outcome?: TaskResult['outcome'];
  /** With `--wait`: the id the result was reported under, when the task was requeued (a retry copy's). */
  resultTaskId?: string;
  /** With `--wait`: the result message (the same as `message`). */
  result?: string;
  error?: string;
}

/**
 * Submit one task, or several (`task`, `stdin`: see `batch.ts`); resolves to the (first) task id. With `wait`, exits
 * 0 on SUCCESS, 1 on FAILED, 3 on no result in time.
 */
export async function submit(options: SubmitCommandOptions): Promise<string> {
  const env = options.env ?? process.env;
  const specs: TaskSpec[] = [];
  if (options.text !== undefined)
    specs.push({
      prompt: options.text,
      ...(options.model ? { model: options.model } : {}),
      ...(options.thinking ? { thinking: options.thinking } : {}),
      ...(options.file?.length ? { files: await readFiles(options.file) } : {}),
    });
  else if (options.model || options.thinking)
    throw new ExitError(2, 'error: give the task text before the model and thinking level');
  for (const prompt of options.task ?? []) specs.push({ prompt });
  if (options.stdin)
    specs.push(...(await readStdinSpecs(options.stdinText ?? (await readAll(process.stdin)))));
  if (specs.length === 0)
    throw new ExitError(
      2,
      'error: the task is empty: give the task text, e.g. dorch submit "Summarise the attached log" --file server.log',
    );
  if (options.file?.length && options.text === undefined)
    throw new ExitError(2, 'error: --file goes with a task text; in --stdin, give "files" per task');
  // Several tasks, or a task submitted from inside a running task (through its worker): the batch path.
  if (specs.length > 1 || options.task?.length || options.stdin || delegateUrl(env)) {
    const ids: string[] = [];
    await runBatch({
      config: options.config,
      specs,
      wait: options.wait,
      json: options.json,
      atEnd: options.atEnd,
      timeout: options.timeout,
      maxCost: options.maxCost,
      pollMs: options.pollMs,
      env,
      print: (line) => {
        const id =
          /"taskId":"([^"]+)"/.exec(line)?.[1] ?? (/^discord-|^local-/.test(line) ? line : undefined);
        if (id) ids.push(id);
        (options.print ?? ((l: string) => console.log(l)))(line);
      },
      ...(options.warn ? { warn: options.warn } : {}),
    });
    return ids[0] ?? '';
  }
  return submitOne(options, specs[0]!);
}

async function submitOne(options: SubmitCommandOptions, spec: TaskSpec): Promise<string> {
  const print = options.print ?? ((line: string) => console.log(line));
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    if (!options.json) (options.warn ?? ((line: string) => console.error(line)))(`warning: ${w}`);
  };
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const { config, warnings: loaded } = await loadRuntime({ config: options.config, name: 'submit' });
  for (const w of [...loaded, ...requireDiscordKeys(config, 'submit', { file })]) warn(w);
  const prepared = prepareTask(spec, config.models);
  if (!prepared.ok) throw new ExitError(2, `error: ${prepared.errors.join('\n')}`);

  const tokenKey = config.discord.submitterToken ? 'SUBMITTER_TOKEN' : 'BOT_TOKEN';
  const explain = (
    error: unknown,
    channelKey: string,
    channelId: string | undefined,
    needs: readonly bigint[],
  ) => {
    const problem = explainDiscordError(error, { tokenKey, channelKey, channelId, needs, file });
    return problem ? new ConfigError([formatConfigProblem(problem)], { cause: error }) : error;
  };
  const explainPost = (error: unknown) =>
    explain(error, 'TASK_QUEUE_CHANNEL', config.discord.taskQueueChannel, SUBMITTER_NEEDS.TASK_QUEUE_CHANNEL);
  if (!options.wait) {
    // A submit without --wait is one POST (nonce enforced; the local queue when Discord is down): no bus, no look-up
    // of the fleet's identities.
    const token = config.discord.submitterToken ?? config.discord.botToken!;
    const submitted = await post(config, token, prepared.task.content, prepared.task.files).catch(
      (error: unknown) => {
        throw explainPost(error);
      },
    );
    const report: SubmitReport = { ok: true, taskId: submitted.taskId, via: submitted.via, warnings };
    if (submitted.via !== 'discord') warn(queuedLocally(config));
    if (options.json) print(JSON.stringify(report));
    else print(submitted.taskId);
    await options.onSubmitted?.(submitted.taskId);
    return submitted.taskId;
  }
  const fleet = await DiscordFleet.open(config, { by: options.by ?? 'operator' });
  const { bus, discord } = fleet.buses;
  try {
    const submitted = await fleet.submit(spec).catch((error: unknown) => {
      throw explainPost(error);
    });
    const report: SubmitReport = { ok: true, taskId: submitted.taskId, via: submitted.via, warnings };
    if (submitted.via !== 'discord') warn(queuedLocally(config));
    if (!options.json) print(submitted.taskId);
    await options.onSubmitted?.(submitted.taskId);
    if (!options.wait) {
      if (options.json) print(JSON.stringify(report));
      return submitted.taskId;
    }
    const interactive = !options.json && (options.terminal ?? Boolean(process.stderr.isTTY));
    const line = interactive ? (options.progress ?? progressLine(process.stderr)) : undefined;
    const interrupts = options.interrupts ?? sigintPresses();
    let end: WaitEnd;
    try {
      end = await waitForResult({
        taskId: submitted.taskId,
        discord: submitted.via === 'discord' ? discord : null,
        bus,
        timeoutMs: (options.timeout ?? 600) * 1000,
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
        ...(line ? { progress: line.show } : {}),
        interrupts,
        confirmCancel:
          options.confirmCancel ??
          (async (id) => (interactive && process.stdin.isTTY ? askCancel(id) : false)),
        canceller: {
          name: options.by ?? 'operator',
          how: `with Ctrl-C in submit --wait on ${machineName(config)}`,
        },
        onCancel: (outcome) => {
          line?.clear();
          if (!options.json)
            (options.warn ?? ((l: string) => console.error(l)))(describeCancel(submitted.taskId, outcome));
        },
      }).catch((error: unknown) => {
        const mapped = explain(
          error,
          'RESULTS_CHANNEL',
          config.discord.resultsChannel,
          SUBMITTER_NEEDS.RESULTS_CHANNEL,
        );
        throw mapped;
      });
    } finally {
      line?.clear();
      interrupts.close?.();
    }
    if (end.kind === 'result') {
      const result = resultFromMessage(submitted.taskId, end.taskId, end.found);
      if (options.json) print(JSON.stringify({ ...report, ...result, result: end.content }));
      else print(end.content);
      if (end.outcome !== 'SUCCESS') throw new ExitError(1);
      return submitted.taskId;
    }
    if (end.kind === 'refused') {
      const why = `${end.taskId} was refused (🚫): its author may not submit; it will not run`;
      if (options.json) print(JSON.stringify({ ...report, ok: false, outcome: null, error: why }));
      throw new ExitError(1, options.json ? '' : `error: ${why}`);
    }
    const where = end.last
      ? ` (${end.last.state}${end.last.worker && end.last.state === 'running' ? ` on ${end.last.worker}` : ''})`
      : '';
    const why =
      end.kind === 'left'
        ? `stopped waiting; ${submitted.taskId} stays queued${where}: \`dorch status\` shows it, \`dorch cancel ${submitted.taskId}\` cancels it`
        : `no result for ${submitted.taskId} after ${options.timeout ?? 600} s (it is still queued or running${where})`;
    if (options.json) {
      print(JSON.stringify({ ...report, ok: false, outcome: null, error: why }));
      throw new ExitError(3);
    }
    throw new ExitError(3, end.kind === 'left' ? why : `error: ${why}`);
  } finally {
    await fleet.close();
  }
}

function queuedLocally(config: Config): string {
  return (
    `Discord is unreachable; the task was queued locally in ${config.worker.runtimeDir}/queue and will be ` +
    'posted to #task-queue by a worker on this machine when Discord is back (workers here run it meanwhile)'
  );
}

// One POST to #task-queue with a fresh nonce; the local queue when Discord is unreachable.
async function post(config: Config, token: string, content: string, files: ReportFile[]): Promise<Submitted> {
  const nonce = `x${randomBytes(12).toString('hex')}`;
  try {
    const message = await postMessage({
      apiUrl: config.discord.apiUrl,
      token,
      channelId: config.discord.taskQueueChannel!,
      content,
      nonce,
      files,
    });
    return { taskId: `discord-${message.id}`, messageId: message.id, via: 'discord' };
  } catch (error) {
    if (!(error instanceof BusUnavailableError)) throw error;
    const { createLocalBus } = await import('../../../bus/create-bus.js');
    const local = createLocalBus(config);
    try {
      return await local.submit(content, { nonce, files });
    } finally {
      await local.close();
    }
  }
}

/** Ctrl-C presses while waiting: SIGINT no longer ends the process, it asks (see `wait.ts`). */
function sigintPresses(): Interrupts & { close(): void } {
  let waiters: (() => void)[] = [];
  const onSigint = () => {
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  process.on('SIGINT', onSigint);
  return {
    next: () => new Promise<void>((resolve) => waiters.push(resolve)),
    close: () => process.off('SIGINT', onSigint),
  };
}

async function askCancel(taskId: string): Promise<boolean> {
  const prompter = await clackPrompter({ output: process.stderr });
  try {
    return await prompter.confirm({
      message: `Cancel ${taskId}? (No leaves it queued; it runs and reports as usual)`,
      initialValue: false,
    });
  } catch (error) {
    if (error instanceof SetupCancelled) return false;
    throw error;
  }
}

/** A progress line rewritten in place on a terminal. */
function progressLine(stream: NodeJS.WriteStream): { show: (line: string) => void; clear: () => void } {
  let shown = false;
  return {
    show: (line) => {
      stream.write(`\r\u001b[2K${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
      shown = true;
    },
    clear: () => {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
