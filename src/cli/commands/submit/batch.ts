/**
 * Several tasks at once: `dorch submit --task A --task B [--wait]`, `dorch submit --stdin` (one JSON object per line),
 * `dorch wait <task-id>…`, and any submit from inside a running task (through its worker). Submits through the
 * library API, waits for all of them in parallel, prints each result as it comes (JSON lines with `--json`) or all
 * at the end (`--at-end`). Exit code: 0 when every task succeeded, 1 when one FAILED, was CANCELLED or refused, 3
 * when one had no result in time (and none failed).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { connect, delegateUrl, type FleetClient } from '../../../api/index.js';
import { AbortedError, DelegationRefusedError } from '../../../api/errors.js';
import type { GatherReport } from '../../../api/gather.js';
import type { TaskResult } from '../../../api/result.js';
import { loadConfig } from '../../../config/load.js';
import { errorMessage, TaskInvalidError } from '../../../lib/errors.js';
import type { ReportFile } from '../../../task/report.js';
import { prepareTask, type TaskSpec } from '../../../task/spec.js';
import { formatUsd } from '../../../cost/format-usd.js';
import { ExitError } from '../../errors.js';

/** Options of {@link runBatch}. */
export interface BatchOptions {
  config?: string;
  /** Tasks to submit. */
  specs?: TaskSpec[];
  /** Tasks submitted earlier, to wait for. */
  ids?: string[];
  wait?: boolean;
  json?: boolean;
  /** With `wait` and `json`: one object at the end instead of a line per result. @defaultValue false */
  atEnd?: boolean;
  /** Seconds to wait for all. @defaultValue 600 */
  timeout?: number;
  /** USD: cancel the remaining tasks once the finished ones cost this much. */
  maxCost?: number;
  /** Time between looks, ms. @defaultValue 2000 */
  pollMs?: number;
  print?: (line: string) => void;
  warn?: (line: string) => void;
  /** Stops waiting and cancels the unfinished tasks (default: Ctrl-C). */
  signal?: AbortSignal;
  /** Use this fleet (tests); default {@link connect}. */
  fleet?: FleetClient;
  /** The environment. @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

/** Submit (and with `wait` gather) a batch; see the module comment. */
export async function runBatch(options: BatchOptions): Promise<GatherReport | null> {
  const print = options.print ?? ((line: string) => console.log(line));
  const warn = options.warn ?? ((line: string) => console.error(line));
  const env = options.env ?? process.env;
  const specs = options.specs ?? [];
  const delegated = Boolean(delegateUrl(env));
  if (specs.length > 0 && !delegated) {
    // Check every task before posting any: a batch with one bad task posts nothing.
    const { config } = loadConfig({ file: options.config, env });
    const problems = specs.flatMap((spec, i) => {
      const prepared = prepareTask(spec, config.models);
      return prepared.ok ? [] : prepared.errors.map((e) => `task ${i + 1}: ${e}`);
    });
    if (problems.length > 0) throw new ExitError(2, `error: ${problems.join('\n')}; nothing was posted`);
  }
  const fleet = options.fleet ?? (await connect({ config: options.config, env }));
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted (Ctrl-C)'));
  options.signal?.addEventListener('abort', () => controller.abort(options.signal!.reason), { once: true });
  if (!options.signal) process.on('SIGINT', onSigint);
  try {
    if (!options.wait) {
      for (const spec of specs) {
        const s = await fleet.submit(spec).catch(mapRefusal);
        print(options.json ? JSON.stringify({ ok: true, taskId: s.taskId, via: s.via }) : s.taskId);
      }
      return null;
    }
    const lines = options.json && !options.atEnd;
    let report: GatherReport;
    try {
      report = await fleet.gather([...specs, ...(options.ids ?? [])], {
        signal: controller.signal,
        timeoutMs: (options.timeout ?? 600) * 1000,
        ...(options.maxCost !== undefined ? { maxCostUsd: options.maxCost } : {}),
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        onResult: (r) => {
          if (lines) print(JSON.stringify(r));
          else if (!options.json) print(describe(r));
        },
      });
    } catch (error) {
      if (error instanceof AbortedError) {
        const why = `stopped waiting (${errorMessage(error.cause)}); cancelled ${error.cancelled.length ? error.cancelled.join(', ') : 'nothing'}`;
        if (options.json) print(JSON.stringify({ ok: false, error: why, cancelled: error.cancelled }));
        throw new ExitError(1, options.json ? '' : `error: ${why}`);
      }
      return mapRefusal(error);
    }
    if (options.json && options.atEnd) print(JSON.stringify(report));
    if (!options.json) {
      const stopped =
        report.stopped === 'max-cost'
          ? `; cost limit reached, cancelled ${report.cancelled.join(', ') || 'nothing'}`
          : report.stopped === 'timeout'
            ? '; some had no result in time (still queued or running)'
            : '';
      warn(
        `${report.results.filter((r) => r.ok).length}/${report.results.length} succeeded, ${formatUsd(report.totalCostUsd)} in total${stopped}`,
      );
    }
    const code = exitCodeOf(report);
    if (code !== 0) throw new ExitError(code);
    return report;
  } finally {
    process.off('SIGINT', onSigint);
    if (!options.fleet) await fleet.close();
  }
}

/** 0 all succeeded, 1 one failed (FAILED, CANCELLED, REFUSED), else 3 (one had no result in time). */
export function exitCodeOf(report: Pick<GatherReport, 'results'>): number {
  if (report.results.every((r) => r.ok)) return 0;
  if (report.results.some((r) => r.outcome !== null && !r.ok)) return 1;
  return 3;
}

function describe(r: TaskResult): string {
  const head =
    `── ${r.taskId}${r.resultTaskId !== r.taskId ? ` (as ${r.resultTaskId})` : ''} ${r.outcome ?? 'NO RESULT'}` +
    `${r.model ? ` · ${r.model}` : ''} · ${formatUsd(r.costUsd)}` +
    (r.childrenCostUsd ? ` (+ ${formatUsd(r.childrenCostUsd)} children)` : '');
  return [head, r.error ? `error: ${r.error}` : '', r.text].filter(Boolean).join('\n');
}

function mapRefusal(error: unknown): never {
  if (error instanceof TaskInvalidError || error instanceof DelegationRefusedError)
    throw new ExitError(2, `error: ${error.message}`);
  throw error;
}

/** Read `--stdin`: one JSON object per line, `{"prompt": "…", "model"?, "thinking"?, "files"?: [paths]}`. */
export async function readStdinSpecs(text: string): Promise<TaskSpec[]> {
  const specs: TaskSpec[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new ExitError(
        2,
        `error: --stdin line ${i + 1} is not JSON; write one object per line, like {"prompt":"…","model":"cheap"}`,
      );
    }
    const o = value as Record<string, unknown>;
    const bad = (what: string) =>
      new ExitError(2, `error: --stdin line ${i + 1}: ${what}; nothing was posted`);
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw bad('expected an object');
    const unknown = Object.keys(o).filter((k) => !['prompt', 'model', 'thinking', 'files'].includes(k));
    if (unknown.length) throw bad(`unknown key "${unknown[0]}" (keys: prompt, model, thinking, files)`);
    if (typeof o.prompt !== 'string') throw bad('"prompt" must be text');
    for (const key of ['model', 'thinking'] as const)
      if (o[key] !== undefined && typeof o[key] !== 'string') throw bad(`"${key}" must be text`);
    if (o.files !== undefined && (!Array.isArray(o.files) || o.files.some((f) => typeof f !== 'string')))
      throw bad('"files" must be a list of paths');
    specs.push({
      prompt: o.prompt,
      ...(o.model !== undefined ? { model: o.model as string } : {}),
      ...(o.thinking !== undefined ? { thinking: o.thinking as string } : {}),
      ...(o.files ? { files: await readFiles(o.files as string[]) } : {}),
    });
  }
  return specs;
}

/** Read `--file` attachments, or fail naming the one that cannot be read. */
export async function readFiles(paths: readonly string[]): Promise<ReportFile[]> {
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
