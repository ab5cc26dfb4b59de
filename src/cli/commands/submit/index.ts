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
import { sleep } from '../../../lib/sleep.js';
import { parseReportHeader } from '../../../task/format.js';
import { resolveModel, resolveThinking } from '../../../task/models.js';
import { EMPTY_PROMPT_ERROR, parseTaskText } from '../../../task/tags.js';
import { ExitError } from '../../errors.js';
import { loadRuntime } from '../../runtime.js';

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
}

/** What `--json` prints. */
export interface SubmitReport {
  /** Posted (and, with `--wait`, finished with SUCCESS). */
  ok: boolean;
  taskId: string;
  /** `discord`, or `local` when Discord was unreachable and the task waits in the local queue. */
  via: string;
  warnings: string[];
  /** With `--wait`: the result's outcome, `null` when none came in time. */
  outcome?: 'SUCCESS' | 'FAILED' | null;
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
  const { bus } = await createResilientBus(config, { token, role: 'submitter' });
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
    const deadline = Date.now() + (options.timeout ?? 600) * 1000;
    while (Date.now() < deadline) {
      const result = await bus.findResult(submitted.taskId).catch((error: unknown) => {
        const mapped = explain(
          error,
          'RESULTS_CHANNEL',
          config.discord.resultsChannel,
          SUBMITTER_NEEDS.RESULTS_CHANNEL,
        );
        if (mapped instanceof ConfigError) throw mapped;
        return null;
      });
      if (result) {
        const header = parseReportHeader(result);
        const outcome = header?.outcome ?? 'FAILED';
        if (options.json) print(JSON.stringify({ ...report, ok: outcome === 'SUCCESS', outcome, result }));
        else print(result);
        if (outcome !== 'SUCCESS') throw new ExitError(1);
        return submitted.taskId;
      }
      await sleep(2000);
    }
    const late = `no result for ${submitted.taskId} after ${options.timeout ?? 600} s (it is still queued or running)`;
    if (options.json) {
      print(JSON.stringify({ ...report, ok: false, outcome: null, error: late }));
      throw new ExitError(3);
    }
    throw new ExitError(3, `error: ${late}`);
  } finally {
    await bus.close();
  }
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
