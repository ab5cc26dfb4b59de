/**
 * The first test task `dorch setup` offers: post one small task with the new config, start one worker here for it
 * (`dorch worker --once`), and wait for its result in #results. It proves the whole path: submitter → queue →
 * claim → agent → result.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { cliCommand } from '../../../lib/cli-entry.js';

/** The task text. */
export const TEST_TASK =
  'Reply with one short sentence confirming that this task reached you. [thinking:off]';

/** Options of {@link runTestTask}. */
export interface TestTaskOptions {
  /** The config file to use. */
  config: string;
  /** Seconds to wait for the result. @defaultValue 180 */
  timeoutSec?: number;
  /** @defaultValue `console.log` */
  print?: (line: string) => void;
}

/** Post the test task, run one worker for it, print the result. Throws `ExitError(1)` on FAILED, 3 on no result. */
export async function runTestTask(options: TestTaskOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const config = resolve(options.config);
  const [node, ...args] = cliCommand();
  let worker: ReturnType<typeof spawn> | undefined;
  let workerLog = '';
  const { submit } = await import('../submit/index.js');
  try {
    await submit({
      config,
      text: TEST_TASK,
      wait: true,
      timeout: options.timeoutSec ?? 180,
      print,
      onSubmitted: (taskId) => {
        print(`Posted test task ${taskId}; starting one worker here to run it…`);
        // Started after the post: `--once` exits at once on an empty queue.
        worker = spawn(node!, [...args, '--config', config, 'worker', '--once', '--id', 'setup-test'], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        worker.stderr?.on('data', (d: Buffer) => (workerLog = (workerLog + d.toString()).slice(-4000)));
      },
    });
  } catch (error) {
    if (workerLog && (worker as ReturnType<typeof spawn> | undefined)?.exitCode !== 0)
      print(`The worker said (last lines):\n${workerLog.trim()}`);
    throw error;
  } finally {
    const w = worker as ReturnType<typeof spawn> | undefined;
    if (w && w.exitCode === null && w.signalCode === null) {
      const exited = new Promise((done) => w.once('exit', done));
      w.kill('SIGTERM');
      await exited;
    }
  }
}
