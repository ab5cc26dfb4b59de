/**
 * `dorch demo` (and `npm start` without a config): the whole system offline. An embedded Discord emulator,
 * N workers with the demo runner, a few sample tasks, and the results as they appear in #results.
 */
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { DiscordBus } from '../../../bus/discord/discord-bus.js';
import { createRest } from '../../../bus/discord/rest.js';
import { startEmulator } from '../../../emulator/index.js';
import { sleep } from '../../../lib/sleep.js';
import { parseReportHeader } from '../../../task/format.js';
import { manager } from '../manager/index.js';

/** Options of `dorch demo`. */
export interface DemoOptions {
  workers: number;
  /** Give up waiting for results after this long. @defaultValue 120000 */
  timeoutMs?: number;
  print?: (line: string) => void;
}

/** The sample tasks: tags in different places, one that fails on purpose to show a clear FAILED result. */
export const DEMO_TASKS = [
  'What is 2+2?',
  '[model:coder] Write a haiku about distributed queues',
  'Summarise why a Discord thread can act as a lock [thinking:high]',
  '[model:cheap] [thinking:off] List three uses of a task queue',
  '[model:gpt-imaginary] This one asks for a model that does not exist',
];

/** Run the offline demo end to end and exit. */
export async function demo(options: DemoOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const emulator = await startEmulator({ workers: options.workers });
  const w = emulator.world;
  print(`Offline demo: Discord emulator on ${w.apiUrl} with #task-queue, #results and #worker-pool.`);
  // The demo's own process is the only reader of these variables: point the config at the emulator.
  Object.assign(process.env, {
    DISCORD_API_URL: w.apiUrl,
    GUILD_ID: w.guildId,
    TASK_QUEUE_CHANNEL: w.channels.taskQueue,
    RESULTS_CHANNEL: w.channels.results,
    WORKER_POOL_CHANNEL: w.channels.workerPool,
    SUBMITTER_TOKEN: w.tokens.submitter,
    ALLOWED_SUBMITTERS: w.users.operator,
    AGENT_RUNNER: 'demo',
    POLL_INTERVAL: '1',
    RUNTIME_DIR: '.runtime/demo',
  });
  w.tokens.workers.forEach((t: string, i: number) => (process.env[`WORKER${i + 1}_TOKEN`] = t));

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const running = manager({ config: 'demo-no-config.env', workers: options.workers, until: finished, print });

  const submitter = new DiscordBus({
    apiUrl: w.apiUrl,
    token: w.tokens.submitter,
    taskQueueChannel: w.channels.taskQueue,
  });
  const ids: string[] = [];
  for (const text of DEMO_TASKS) {
    const s = await submitter.submit(text);
    ids.push(s.taskId);
    print(`Submitted ${s.taskId}: ${text}`);
  }

  const rest = createRest({ apiUrl: w.apiUrl, token: w.tokens.submitter });
  const seen = new Set<string>();
  const perTask = new Map<string, number>();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  // The manager stops on Ctrl-C, q, SIGTERM, or when the reader of our output goes away (`dorch start | head`):
  // then stop waiting for results too.
  let interrupted = false;
  const stopWaiting = () => (interrupted = true);
  void running.then(stopWaiting, stopWaiting);
  while (seen.size < ids.length && Date.now() < deadline && !interrupted) {
    await sleep(500);
    const messages = (await rest.get(Routes.channelMessages(w.channels.results), {
      query: new URLSearchParams({ limit: '100' }),
    })) as APIMessage[];
    for (const m of messages.reverse()) {
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      const taskId = parseReportHeader(m.content)?.taskId ?? '?';
      perTask.set(taskId, (perTask.get(taskId) ?? 0) + 1);
      print(`\n#results\n${m.content}\n`);
    }
  }
  const stoppedEarly = interrupted && seen.size < ids.length;
  finish();
  await running;
  await submitter.close();
  await emulator.close();
  if (stoppedEarly) {
    print(`\nDemo stopped: ${seen.size} of ${ids.length} results had arrived.`);
    return;
  }
  // Say only what was checked: one result per submitted task, none twice, none missing.
  const missing = ids.filter((id) => !perTask.has(id));
  const doubled = [...perTask].filter(([, n]) => n > 1).map(([id]) => id);
  if (missing.length || doubled.length)
    throw new Error(
      `demo: missing results for [${missing.join(', ')}], duplicated for [${doubled.join(', ')}]`,
    );
  print(
    [
      '',
      `Demo done: ${ids.length} tasks, ${seen.size} results: exactly one per task.`,
      'To use real Discord: run `dorch setup`. It explains how to make the bots and find the ids, checks each',
      'answer live and writes discord-config.env; then run `npm start` again (README.md, "Connecting Discord").',
    ].join('\n'),
  );
}
