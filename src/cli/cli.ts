/**
 * The command table. Each action only normalises options and lazily imports its command module, so start-up
 * stays fast and every command is a plain async function that tests can call without the CLI.
 */
import { createRequire } from 'node:module';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes.js';

// package.json sits two folders up from both src/cli/cli.ts and dist/cli/cli.js.
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function usd(value: string): number {
  const n = Number(value.replace(/^\$/, ''));
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected an amount in USD >= 0, got "${value}"`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port 0-65535, got "${value}"`);
  return n;
}

/** Options of {@link buildProgram}. */
export interface ProgramOptions {
  /** Do not print usage errors (`--json`: `cli/index.ts` prints them as JSON). @defaultValue false */
  quietErrors?: boolean;
}

/** Build the `dorch` program. Each action lazily imports its command module and calls it. */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('dorch');
  // Before any subcommand exists: subcommands copy these settings when they are created.
  if (options.quietErrors) program.configureOutput({ outputError: () => undefined });
  program
    .description('Run AI-agent tasks on many machines, coordinated through Discord.')
    .version(VERSION, '-V, --version', 'print the version')
    .option('--config <path>', 'path of discord-config.env', 'discord-config.env')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError(!options.quietErrors)
    .exitOverride();

  program
    .command('setup')
    .description(
      'Connect this machine to Discord: ask for (or take) bots, server and channels, check them live, write discord-config.env',
    )
    .option(
      '--non-interactive',
      'ask nothing: answers from the flags below, tokens from WORKERn_TOKEN/SUBMITTER_TOKEN in the environment',
    )
    .option(
      '-w, --workers <n>',
      'worker bots (WORKER1_TOKEN … WORKERn_TOKEN; default: as many as are set)',
      positiveInt,
    )
    .option('--guild <id>', 'server id (GUILD_ID)')
    .option('--task-queue <id>', 'the #task-queue channel id (TASK_QUEUE_CHANNEL)')
    .option('--results <id>', 'the #results channel id (RESULTS_CHANNEL)')
    .option('--worker-pool <id>', 'the #worker-pool channel id (WORKER_POOL_CHANNEL)')
    .option(
      '--allowed-submitters <ids>',
      'user ids whose typed tasks run, comma-separated (ALLOWED_SUBMITTERS)',
    )
    .option('--allowed-roles <ids>', 'role ids whose members may submit (ALLOWED_ROLES)')
    .option('--runner <name>', 'agent runner: openclaw, openai, command, demo (AGENT_RUNNER)')
    .option('--agent-command <command>', 'the command line for the command runner (AGENT_COMMAND)')
    .option('--api-url <url>', 'Discord REST base (DISCORD_API_URL; e.g. an emulator)')
    .option('--force', 'replace an existing config file (a backup is kept)')
    .option('--doctor', 'run `dorch doctor` after writing')
    .option('--test-task', 'after writing, send a first test task and run one worker here for it')
    .action(async (opts) => {
      const { setup } = await import('./commands/setup/index.js');
      await setup({ ...program.opts(), ...opts });
    });

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
    .option(
      '--restart-per-task',
      "restart each worker's process after every task (the seed's design); workers stay up by default",
    )
    .option('--keep-alive', 'workers stay up between tasks (the default; kept for old scripts)')
    .option(
      '--no-push',
      'poll only: no gateway session (push mode wakes workers the moment a task is posted)',
    )
    .option('--json', 'print one JSON object per event instead of the live view or plain lines')
    .action(async (opts) => {
      const { manager } = await import('./commands/manager/index.js');
      await manager({ ...program.opts(), ...opts });
    });

  program
    .command('worker')
    .description('Run one worker: poll #task-queue, claim a task, run the agent, report')
    .option('--id <worker-id>', 'worker id (default: WORKER_ID or worker-<pid>)')
    .option('--restart-per-task', "exit after every task for a fresh process (the seed's design)")
    .option('--keep-alive', 'stay up between tasks (the default; kept for old scripts)')
    .option('--once', 'exit after one task or when the queue is empty')
    .option(
      '--no-push',
      'poll only: no gateway session (a keep-alive worker hears new tasks at once by default)',
    )
    .addOption(new Option('--push-from <source>', 'set by the manager').choices(['manager']).hideHelp())
    .action(async (opts) => {
      const { worker } = await import('./commands/worker/index.js');
      await worker({ ...program.opts(), ...opts });
    });

  program
    .command('submit')
    .description(
      'Post a task to #task-queue; prints its task id. Several tasks (--task, --stdin) run in parallel; from inside a running task it goes through its worker',
    )
    .argument('[text]', 'the task; may contain [model:X] [thinking:Y]')
    .argument('[model]', 'model alias or provider/model id')
    .argument('[thinking]', 'thinking level: off, minimal, low, medium, high, xhigh')
    .option(
      '--wait',
      'wait for the result(s), print them, exit 0 when all SUCCESS, 1 when one FAILED or was CANCELLED, 3 when one had none in time',
    )
    .option(
      '--timeout <seconds>',
      'with --wait: give up after this long (for the whole batch)',
      positiveInt,
      600,
    )
    .option('--file <path...>', 'attach files to the task')
    .option('--task <prompt>', 'one more task (repeatable); may contain [model:X] [thinking:Y]', collect)
    .option(
      '--stdin',
      'read tasks from stdin, one JSON object per line: {"prompt","model","thinking","files"}',
    )
    .option(
      '--max-cost <usd>',
      'with --wait: cancel the remaining tasks once the finished ones cost this much',
      usd,
    )
    .option(
      '--at-end',
      'with --wait --json and several tasks: one object at the end instead of a line per result',
    )
    .option(
      '--json',
      'print JSON: one object per task (task id, and with --wait the outcome, text, model, tokens, cost, attachments); errors too',
    )
    .action(async function (this: Command, text, model, thinking, opts) {
      // The text may be left out only for --task or --stdin: without them it is missing, a usage error as before.
      if (text === undefined && !opts.task && !opts.stdin)
        this.error("error: missing required argument 'text' (or give tasks with --task or --stdin)", {
          code: 'commander.missingArgument',
          // As commander's own usage errors: cli/index.ts maps every one to exit 2.
          exitCode: 1,
        });
      const { submit } = await import('./commands/submit/index.js');
      await submit({ ...program.opts(), ...opts, text, model, thinking });
    });

  program
    .command('wait')
    .description(
      'Wait for tasks submitted earlier and print their results as they finish (exit codes as submit --wait)',
    )
    .argument('<task-id...>', 'task ids, as submit printed them')
    .option('--timeout <seconds>', 'give up after this long', positiveInt, 600)
    .option('--max-cost <usd>', 'cancel the remaining tasks once the finished ones cost this much', usd)
    .option('--json', 'one JSON object per result, as it comes')
    .option('--at-end', 'with --json: one object at the end instead')
    .action(async (ids, opts) => {
      const { waitCommand } = await import('./commands/wait/index.js');
      await waitCommand({ ...program.opts(), ...opts, ids });
    });

  program
    .command('result')
    .description("Print a task's result now: exit 0 SUCCESS, 1 FAILED/CANCELLED/refused, 3 no result yet")
    .argument('<task-id>', 'the task id, as submit printed it')
    .option('--json', 'print one JSON object (the result, or {"outcome":null} while there is none)')
    .action(async (taskId, opts) => {
      const { resultCommand } = await import('./commands/result/index.js');
      await resultCommand({ ...program.opts(), ...opts, taskId });
    });

  const skill = program
    .command('skill')
    .description('The OpenClaw skill that teaches an agent to delegate through the fleet');
  skill
    .command('install')
    .description(
      "Write the dorch-delegate skill (SKILL.md and its command wrapper) into OpenClaw's shared skills folder",
    )
    .option('--dir <path>', 'the skills folder (default: $OPENCLAW_STATE_DIR/skills or ~/.openclaw/skills)')
    .action(async (opts) => {
      const { skillInstall } = await import('./commands/skill/index.js');
      await skillInstall({ ...program.opts(), ...opts });
    });

  program
    .command('clear')
    .description('Delete waiting (unclaimed) tasks from #task-queue and the local queue')
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
    .command('cancel')
    .description(
      'Cancel a task: a waiting one never runs, a running one stops within a heartbeat; its result says CANCELLED',
    )
    .argument('<task-id>', 'the task id (as submit printed it), e.g. discord-1471241464699945010')
    .option('--json', 'print one JSON object')
    .action(async (taskId, opts) => {
      const { cancel } = await import('./commands/cancel/index.js');
      await cancel({ ...program.opts(), ...opts, taskId });
    });

  program
    .command('status')
    .description(
      'The fleet at a glance, from any machine with the config: queue, tasks in flight, recent results, workers, spend today',
    )
    .option('--json', 'print one JSON object')
    .option('--results <n>', 'recent results to show', positiveInt, 10)
    .action(async (opts) => {
      const { status } = await import('./commands/status/index.js');
      await status({ ...program.opts(), ...opts });
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
    .description(
      "Check every bot (token, Message Content intent, server), every channel and each bot's permissions there, the agent runner and prices; exit 1 on any ✗",
    )
    .option('--json', 'print one JSON object with every check')
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

  const service = program
    .command('service')
    .description(
      "Start this machine's workers at boot: a systemd user unit (Linux) or a launchd agent (macOS)",
    );
  service
    .command('install')
    .description('Write the service (dorch manager --workers N here, with this config), enable and start it')
    .option('-w, --workers <n>', 'workers to run (default: the number of WORKERn_TOKEN keys)', positiveInt)
    .option('--name <name>', 'service name, for several fleets on one machine', 'dorch')
    .option('--files-only', 'only write the file; do not call systemctl/launchctl')
    .action(async (opts) => {
      const { service: run } = await import('./commands/service/index.js');
      await run({ ...program.opts(), ...opts, action: 'install' });
    });
  service
    .command('uninstall')
    .description('Stop and disable the service, remove its file')
    .option('--name <name>', 'service name', 'dorch')
    .option('--files-only', 'only remove the file; do not call systemctl/launchctl')
    .action(async (opts) => {
      const { service: run } = await import('./commands/service/index.js');
      await run({ ...program.opts(), ...opts, action: 'uninstall' });
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
    .option('--force', 'with --write-env: replace an existing file (a backup is kept)')
    .option('--no-rate-limits', 'turn rate limiting off')
    .action(async (opts) => {
      const { emulator } = await import('./commands/emulator/index.js');
      await emulator({ ...opts, envFile: opts.writeEnv ?? opts.envFile });
    });

  return program;
}
