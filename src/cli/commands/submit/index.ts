/**
 * `dorch submit "text" [model] [thinking]`: post a task, print its id, optionally wait for the result.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ReportFile } from '../../../bus/bus.js';
import { createResilientBus } from '../../../bus/create-bus.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { sleep } from '../../../lib/sleep.js';
import { parseReportHeader } from '../../../task/format.js';
import { resolveModel, resolveThinking } from '../../../task/models.js';
import { parseTaskText } from '../../../task/tags.js';
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
  /** Print a line (default console.log). */
  print?: (line: string) => void;
}

/** Discord's message limit; longer tasks travel as a TASK.txt attachment. */
const MESSAGE_LIMIT = 2000;
const PREVIEW_CHARS = 1500;

/** Submit one task. With `wait`, exits 0 on SUCCESS and 1 on FAILED. */
export async function submit(options: SubmitCommandOptions): Promise<string> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config, warnings } = await loadRuntime({ config: options.config, name: 'submit' });
  for (const w of [...warnings, ...requireDiscordKeys(config, 'submit', { file: options.config })])
    console.error(`warning: ${w}`);

  const text = withTags(options.text, options.model, options.thinking);
  const parsed = parseTaskText(text);
  const problems = [...parsed.errors];
  const model = resolveModel(parsed.model, config.models);
  if (!model.ok) problems.push(model.error);
  const thinking = resolveThinking(parsed.thinking, config.models.defaultThinking);
  if (!thinking.ok) problems.push(thinking.error);
  if (parsed.prompt.trim() === '' && !options.file?.length) problems.push('the task is empty');
  if (problems.length) throw new ExitError(2, `error: ${problems.join('\n')}`);

  const files: ReportFile[] = [];
  for (const path of options.file ?? []) files.push({ name: basename(path), data: await readFile(path) });
  let content = text;
  if (text.length > MESSAGE_LIMIT) {
    // Too long for one message: the whole prompt goes as TASK.txt, the message keeps the tags and a preview.
    files.push({ name: 'TASK.txt', data: Buffer.from(parsed.prompt) });
    const tags = text.match(/\[(model|thinking)\s*:[^\]]*\]/gi)?.join(' ') ?? '';
    content = `${tags} ${parsed.prompt.slice(0, PREVIEW_CHARS)}… (full task in TASK.txt)`.trim();
  }

  const token = config.discord.submitterToken ?? config.discord.botToken!;
  const { bus } = await createResilientBus(config, { token, role: 'submitter' });
  try {
    const submitted = await bus.submit(content, { files });
    if (submitted.via !== 'discord')
      console.error(
        `warning: Discord is unreachable; the task was queued locally in ${config.worker.runtimeDir}/queue and will be ` +
          'posted to #task-queue by a worker on this machine when Discord is back (workers here run it meanwhile)',
      );
    print(submitted.taskId);
    if (!options.wait) return submitted.taskId;
    const deadline = Date.now() + (options.timeout ?? 600) * 1000;
    while (Date.now() < deadline) {
      const result = await bus.findResult(submitted.taskId).catch(() => null);
      if (result) {
        print(result);
        const header = parseReportHeader(result);
        if (header?.outcome !== 'SUCCESS') throw new ExitError(1);
        return submitted.taskId;
      }
      await sleep(2000);
    }
    throw new ExitError(
      3,
      `error: no result for ${submitted.taskId} after ${options.timeout ?? 600} s (it is still queued or running)`,
    );
  } finally {
    await bus.close();
  }
}

/** Append positional model/thinking as tags (the seed's `submit "Task" model thinking`). */
function withTags(text: string, model?: string, thinking?: string): string {
  let out = text;
  if (model) out += ` [model:${model}]`;
  if (thinking) out += ` [thinking:${thinking}]`;
  return out;
}
