/**
 * The command table. Each action only normalises options and lazily imports its command module, so start-up
 * stays fast and every command is a plain async function that tests can call without the CLI.
 */
import { Command, InvalidArgumentError } from 'commander';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

/** Build the `dorch` program. `run` receives the command name and options; tests replace it. */
export function buildProgram(): Command {
  const program = new Command('dorch')
    .description('Run AI-agent tasks on many machines, coordinated through Discord.')
    .option('--config <path>', 'path of discord-config.env', 'discord-config.env')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('Run the manager when discord-config.env exists, otherwise the offline demo (npm start)')
    .option('-w, --workers <n>', 'number of workers', positiveInt, 3)
    .action(async (opts) => {
      const { start } = await import('./commands/start/index.js');
      await start({ ...program.opts(), ...opts });
    });

  program
    .command('demo')
    .description('Offline demo: embedded Discord emulator, demo agents, sample tasks; no account needed')
    .option('-w, --workers <n>', 'number of workers', positiveInt, 3)
    .action(async (opts) => {
      const { demo } = await import('./commands/demo/index.js');
      await demo(opts);
    });

  program
    .command('manager')
    .description('Start N local workers and keep them alive (q, Ctrl-C or SIGTERM stops gracefully)')
    .option('-w, --workers <n>', 'number of workers', positiveInt, 3)
    .option('--keep-alive', 'workers stay up between tasks instead of restarting after each one')
    .action(async (opts) => {
      const { manager } = await import('./commands/manager/index.js');
      await manager({ ...program.opts(), ...opts });
    });

  program
    .command('worker')
    .description('Run one worker: poll #task-queue, claim a task, run the agent, report')
    .option('--id <worker-id>', 'worker id (default: WORKER_ID or worker-<pid>)')
    .option('--keep-alive', 'stay up after a task instead of exiting for a fresh restart')
    .option('--once', 'exit after one task or when the queue is empty')
    .action(async (opts) => {
      const { worker } = await import('./commands/worker/index.js');
      await worker({ ...program.opts(), ...opts });
    });

  program
    .command('submit')
    .description('Post a task to #task-queue; prints its task id')
    .argument('<text>', 'the task; may contain [model:X] [thinking:Y]')
    .argument('[model]', 'model alias or provider/model id')
    .argument('[thinking]', 'thinking level: off, minimal, low, medium, high, xhigh')
    .option('--wait', 'wait for the result, print it, exit 0 on SUCCESS and 1 on FAILED')
    .option('--timeout <seconds>', 'with --wait: give up after this long', positiveInt, 600)
    .option('--file <path...>', 'attach files to the task')
    .action(async (text, model, thinking, opts) => {
      const { submit } = await import('./commands/submit/index.js');
      await submit({ ...program.opts(), ...opts, text, model, thinking });
    });

  program
    .command('clear')
    .description('Delete unclaimed tasks from #task-queue')
    .option('--all', 'delete claimed and finished task messages too')
    .action(async (opts) => {
      const { clear } = await import('./commands/clear/index.js');
      await clear({ ...program.opts(), ...opts });
    });

  program
    .command('requeue')
    .description('Run a refused (🚫) or failed (❌) task again, if its author is allowed now')
    .argument('<task-id>', 'the task id, e.g. discord-1471241464699945010')
    .action(async (taskId, opts) => {
      const { requeue } = await import('./commands/requeue/index.js');
      await requeue({ ...program.opts(), ...opts, taskId });
    });

  program
    .command('stop')
    .description('Stop every worker on this machine gracefully')
    .option('--force', 'emergency stop: kill workers and agents at once')
    .action(async (opts) => {
      const { stop } = await import('./commands/stop/index.js');
      await stop({ ...program.opts(), ...opts });
    });

  program
    .command('doctor')
    .description('Check config, token, channels, permissions, intents and the agent runner')
    .action(async (opts) => {
      const { doctor } = await import('./commands/doctor/index.js');
      await doctor({ ...program.opts(), ...opts });
    });

  program
    .command('costs')
    .description('Summarise spend by day, model and worker')
    .option('--json', 'print JSON instead of a table')
    .option('--fleet', 'read #results history for the whole fleet instead of the local ledger')
    .option('--ledger <path>', 'ledger file (default .runtime/ledger.jsonl)')
    .action(async (opts) => {
      const { costs } = await import('./commands/costs/index.js');
      await costs({ ...program.opts(), ...opts });
    });

  program
    .command('emulator')
    .description('Run the Discord API emulator on 127.0.0.1 (first stdout line: JSON describing the world)')
    .option('-p, --port <port>', 'port (0 picks a free one)', port, 0)
    .option('-w, --workers <n>', 'number of worker bots to seed', positiveInt, 3)
    // `--write-env` first: Node 20 scans a script's own arguments for `--env-file` and exits when that file does
    // not exist yet, so the issue's `--env-file` spelling only works on newer Node or for an existing file.
    .option('--write-env <path>', 'also write a discord-config.env (mode 600) pointing at the emulator')
    .option(
      '--env-file <path>',
      'same as --write-env (on Node 20, node itself rejects it unless the file exists)',
    )
    .option('--no-rate-limits', 'turn rate limiting off')
    .action(async (opts) => {
      const { emulator } = await import('./commands/emulator/index.js');
      await emulator({ ...opts, envFile: opts.writeEnv ?? opts.envFile });
    });

  return program;
}
