/**
 * `dorch submit "text" [model] [thinking]`: post a task, print its id, optionally wait for the result.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ReportFile } from '../../../task/report.js';
import { createResilientBus } from '../../../bus/create-bus.js';
import { explainDiscordError, formatConfigProblem } from '../../../bus/discord/explain-error.js';
import { SUBMITTER_NEEDS } from '../../../bus/discord/permissions.js';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { ConfigError, errorMessage } from '../../../lib/errors.js';
import { machineName } from '../../../config/machine.js';
import { resolveModel, resolveThinking } from '../../../task/models.js';
import { EMPTY_PROMPT_ERROR, parseTaskText } from '../../../task/tags.js';
import { ExitError } from '../../errors.js';
import { loadRuntime } from '../../runtime.js';
import { describe as describeCancel } from '../cancel/index.js';
import { clackPrompter, SetupCancelled } from '../setup/prompter.js';
import { waitForResult, type Interrupts, type WaitEnd } from './wait.js';

/** Options of `dorch submit`. */
export interface SubmitCommandOptions {
  config?: string;
  text: string;
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

/** What `--json` prints. */
export interface SubmitReport {
  /** Posted (and, with `--wait`, finished with SUCCESS). */
  ok: boolean;
  taskId: string;
  /** `discord`, or `local` when Discord was unreachable and the task waits in the local queue. */
  via: string;
  warnings: string[];
  /** With `--wait`: the result's outcome, `null` when none came in time (or the wait was interrupted). */
  outcome?: 'SUCCESS' | 'FAILED' | 'CANCELLED' | null;
  /** With `--wait`: the id the result was reported under, when the task was requeued (a retry copy's). */
  resultTaskId?: string;
  /** With `--wait`: the result message. */
  result?: string;
  error?: string;
}

/** Discord's message limit; longer tasks travel as a TASK.txt attachment. */
const MESSAGE_LIMIT = 2000;
const PREVIEW_CHARS = 1500;

/** Submit one task; resolves to its id. With `wait`, exits 0 on SUCCESS, 1 on FAILED, 3 on no result in time. */
export async function submit(options: SubmitCommandOptions): Promise<string> {
  const print = options.print ?? ((line: string) => console.log(line));
  const warnings: string[] = [];
  const warn = (w: string) => {
    warnings.push(w);
    if (!options.json) (options.warn ?? ((line: string) => console.error(line)))(`warning: ${w}`);
  };
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const { config, warnings: loaded } = await loadRuntime({ config: options.config, name: 'submit' });
  for (const w of [...loaded, ...requireDiscordKeys(config, 'submit', { file })]) warn(w);

  const text = withTags(options.text, options.model, options.thinking);
  const parsed = parseTaskText(text);
  const empty = parsed.prompt === '';
  const problems = empty
    ? [
        'the task is empty: give the task text, e.g. dorch submit "Summarise the attached log" --file server.log',
        ...parsed.errors.filter((e) => e !== EMPTY_PROMPT_ERROR),
      ]
    : [...parsed.errors];
  const model = resolveModel(parsed.model, config.models);
  if (!model.ok) problems.push(model.error);
  const thinking = resolveThinking(parsed.thinking, config.models.defaultThinking);
  if (!thinking.ok) problems.push(thinking.error);
  if (problems.length) throw new ExitError(2, `error: ${problems.join('\n')}`);
  const files = await readFiles(options.file ?? []);

  let content = text;
  if (text.length > MESSAGE_LIMIT) {
    // Too long for one message: the whole prompt goes as TASK.txt, the message keeps the tags and a preview.
    files.push({ name: 'TASK.txt', data: Buffer.from(parsed.prompt) });
    const tags = text.match(/\[(model|thinking)\s*:[^\]]*\]/gi)?.join(' ') ?? '';
    content = `${tags} ${parsed.prompt.slice(0, PREVIEW_CHARS)}… (full task in TASK.txt)`.trim();
  }

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
  const token = config.discord.submitterToken ?? config.discord.botToken!;
  // Waiting follows the task from copy to copy, trusting only the fleet's threads: that needs to know the fleet.
  const { bus, discord } = await createResilientBus(config, {
    token,
    role: options.wait ? 'worker' : 'submitter',
    actor: 'operator',
  });
  try {
    const submitted = await bus.submit(content, { files }).catch((error: unknown) => {
      throw explain(
        error,
        'TASK_QUEUE_CHANNEL',
        config.discord.taskQueueChannel,
        SUBMITTER_NEEDS.TASK_QUEUE_CHANNEL,
      );
    });
    const report: SubmitReport = { ok: true, taskId: submitted.taskId, via: submitted.via, warnings };
    if (submitted.via !== 'discord')
      warn(
        `Discord is unreachable; the task was queued locally in ${config.worker.runtimeDir}/queue and will be ` +
          'posted to #task-queue by a worker on this machine when Discord is back (workers here run it meanwhile)',
      );
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
      const extra = end.taskId === submitted.taskId ? {} : { resultTaskId: end.taskId };
      if (options.json)
        print(
          JSON.stringify({
            ...report,
            ...extra,
            ok: end.outcome === 'SUCCESS',
            outcome: end.outcome,
            result: end.content,
          }),
        );
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
    await bus.close();
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

/** Read the `--file` attachments, or fail naming the one that cannot be read. */
async function readFiles(paths: readonly string[]): Promise<ReportFile[]> {
  const files: ReportFile[] = [];
  for (const path of paths) {
    try {
      files.push({ name: basename(path), data: await readFile(path) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EISDIR'
            ? 'is a folder; attach files one by one (or zip the folder)'
            : code === 'EACCES'
              ? 'not readable (permission denied)'
              : `cannot be read (${code ?? errorMessage(error)})`;
      throw new ExitError(2, `error: --file ${path}: ${why}; nothing was posted`);
    }
  }
  return files;
}

/** Append positional model/thinking as tags (the seed's `submit "Task" model thinking`). */
function withTags(text: string, model?: string, thinking?: string): string {
  let out = text;
  if (model) out += ` [model:${model}]`;
  if (thinking) out += ` [thinking:${thinking}]`;
  return out;
}
