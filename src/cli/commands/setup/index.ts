/**
 * `dorch setup` (the seed's `setup-discord.sh`): connect this machine to Discord and write `discord-config.env`.
 *
 * Interactive on a terminal: it explains how to make the bots and find the ids, asks one question at a time and
 * checks each answer live (whose token, Message Content intent, the bots in the server, text channels there, each
 * bot's permissions in each channel). `--non-interactive` takes the same answers from flags and the environment and
 * runs the same checks at once. Either way the file is written only when every check passes: mode 0600, git told to
 * ignore it, and an existing file replaced only when the user says so, with a backup kept. Then it offers
 * `dorch doctor` and a first test task.
 */
import { existsSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_CONFIG_FILE, DEFAULT_DISCORD_API_URL } from '../../../config/defaults.js';
import { writeConfigFile, type GitRunner, type WrittenConfig } from '../../../config/write-config.js';
import { renderCheck, tally } from '../../checks/check.js';
import type { DiscordCheckDeps } from '../../checks/discord.js';
import { ExitError } from '../../errors.js';
import { configEntries, configHeader, BOT_GUIDE, type SetupAnswers } from './answers.js';
import { answersFromFlags, verifyAnswers, type SetupFlags } from './from-flags.js';
import { askAnswers } from './interactive.js';
import { clackPrompter, SetupCancelled, type Prompter } from './prompter.js';

/** Options of `dorch setup` (the command table passes its flags here). */
export interface SetupOptions extends SetupFlags {
  /** The file to write. @defaultValue `discord-config.env` */
  config?: string;
  /** Take every answer from flags and the environment; ask nothing. @defaultValue false */
  nonInteractive?: boolean;
  /** Replace an existing file (a backup is kept). Interactive setup asks instead. @defaultValue false */
  force?: boolean;
  /** After writing, run `dorch doctor` (non-interactive; interactive setup asks). @defaultValue false */
  doctor?: boolean;
  /** After writing, send a first test task and run one worker here for it (non-interactive). @defaultValue false */
  testTask?: boolean;
}

/** Seams of {@link setup}. */
export interface SetupDeps {
  /** @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** The questions. @defaultValue `@clack/prompts` on `input`/`output` */
  prompter?: Prompter;
  /** @defaultValue `process.stdin` */
  input?: Readable;
  /** @defaultValue `process.stdout` */
  output?: Writable;
  /** Plain output lines. @defaultValue writes to `output` */
  print?: (line: string) => void;
  discord?: DiscordCheckDeps;
  now?: () => Date;
  git?: GitRunner;
  /** @defaultValue `dorch doctor` on the new file */
  runDoctor?: (config: string, print: (line: string) => void) => Promise<void>;
  /** @defaultValue posts a task and runs `dorch worker --once` here (see `test-task.ts`) */
  runTestTask?: (config: string, print: (line: string) => void) => Promise<void>;
}

/** Run setup; resolves to what was written. Throws `ExitError` (2: answers failed a check, 1: cancelled). */
export async function setup(options: SetupOptions = {}, deps: SetupDeps = {}): Promise<WrittenConfig> {
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const output = deps.output ?? process.stdout;
  const print = deps.print ?? ((line: string) => void output.write(`${line}\n`));
  const steps = {
    doctor: deps.runDoctor ?? defaultDoctor,
    testTask: deps.runTestTask ?? defaultTestTask,
  };
  if (options.nonInteractive) return nonInteractive(file, options, deps, print, steps);

  const input = deps.input ?? process.stdin;
  if (!deps.prompter && !deps.input && !process.stdin.isTTY)
    throw new ExitError(
      2,
      'error: `dorch setup` asks questions, but stdin is not a terminal. Run it in a terminal, or pass ' +
        '--non-interactive with the answers as flags and the tokens in the environment (`dorch setup --help`).',
    );
  const p = deps.prompter ?? (await clackPrompter({ input, output }));
  let written: WrittenConfig | undefined;
  try {
    p.intro('dorch setup: connect this machine to Discord');
    p.note(BOT_GUIDE, 'Before you start');
    const exists = existsSync(file);
    if (exists) {
      const replace = await p.confirm({
        message: `${file} already exists. Replace it when setup is done? (the old one is kept as a backup)`,
        initialValue: false,
      });
      if (!replace) throw new SetupCancelled();
    }
    const apiUrl = options.apiUrl ?? (deps.env ?? process.env).DISCORD_API_URL ?? DEFAULT_DISCORD_API_URL;
    const answers = await askAnswers({ prompter: p, apiUrl, discord: deps.discord });
    p.note(summary(answers), `About to write ${file}`);
    if (!(await p.confirm({ message: `Write ${file}?`, initialValue: true }))) throw new SetupCancelled();
    written = await write(file, answers, exists, deps);
    p.success(describeWritten(file, written));
    if (await p.confirm({ message: 'Run `dorch doctor` now (checks the agent runner and prices too)?' }))
      await steps
        .doctor(file, print)
        .catch(() => p.warn('`dorch doctor` found problems: see the ✗ lines above.'));
    if (await p.confirm({ message: 'Send a first test task now? (starts one worker here to run it)' })) {
      try {
        await steps.testTask(file, print);
        p.success('The test task went all the way through: the fleet works.');
      } catch (error) {
        p.error(
          `The test task did not succeed${error instanceof ExitError && error.message ? `: ${error.message}` : ''}; the lines above say why.`,
        );
      }
    }
    p.outro(nextSteps(answers));
    return written;
  } catch (error) {
    if (error instanceof SetupCancelled)
      throw new ExitError(
        1,
        written ? `Setup ended; ${written.path} was written.` : 'Setup cancelled; nothing was written.',
      );
    throw error;
  }
}

async function nonInteractive(
  file: string,
  options: SetupOptions,
  deps: SetupDeps,
  print: (line: string) => void,
  steps: { doctor: NonNullable<SetupDeps['runDoctor']>; testTask: NonNullable<SetupDeps['runTestTask']> },
): Promise<WrittenConfig> {
  const exists = existsSync(file);
  if (exists && !options.force)
    throw new ExitError(
      2,
      `error: ${file} already exists and was left unchanged; pass --force to replace it (a backup is kept), or --config <other file>.`,
    );
  const { answers, problems } = answersFromFlags(options, deps.env ?? process.env);
  if (!answers)
    throw new ExitError(
      2,
      `error: setup needs:\n${problems.map((p) => `  - ${p}`).join('\n')}\nNothing was written.`,
    );
  const checks = await verifyAnswers(answers, deps.discord);
  for (const c of checks) print(renderCheck(c));
  const failed = tally(checks).fail;
  if (failed > 0)
    throw new ExitError(
      2,
      `error: ${failed} check(s) failed (✗ above, each with its fix); nothing was written.`,
    );
  const written = await write(file, answers, exists, deps);
  print(describeWritten(file, written));
  if (options.doctor) await steps.doctor(file, print);
  if (options.testTask) await steps.testTask(file, print);
  print(nextSteps(answers));
  return written;
}

function write(
  file: string,
  answers: SetupAnswers,
  exists: boolean,
  deps: SetupDeps,
): Promise<WrittenConfig> {
  const now = (deps.now ?? (() => new Date()))();
  return writeConfigFile(file, configEntries(answers), {
    overwrite: exists,
    header: configHeader(now),
    now: () => now,
    git: deps.git,
  });
}

function describeWritten(file: string, written: WrittenConfig): string {
  const parts = [`Wrote ${file} (mode 600).`];
  if (written.backup) parts.push(`The previous file is kept as ${written.backup}.`);
  if (written.gitignore.status === 'added')
    parts.push(
      `Added ${written.gitignore.patterns.join(' and ')} to ${written.gitignore.file} so git never commits tokens.`,
    );
  else if (written.gitignore.status === 'ignored') parts.push('git already ignores it.');
  return parts.join(' ');
}

function summary(a: SetupAnswers): string {
  return [
    `Server ${a.guildId}`,
    `Channels: task queue ${a.taskQueueChannel}, results ${a.resultsChannel}, worker pool ${a.workerPoolChannel}`,
    `Bots: submitter + ${a.workerTokens.length} worker(s) (tokens are written, never shown)`,
    `Allowed submitters: ${a.allowedSubmitters.join(', ') || 'none (only `dorch submit`)'}`,
    `Agent runner: ${a.runner}${a.agentCommand ? ` (${a.agentCommand})` : ''}`,
    ...(a.apiUrl !== DEFAULT_DISCORD_API_URL ? [`Discord API: ${a.apiUrl}`] : []),
  ].join('\n');
}

function nextSteps(a: SetupAnswers): string {
  return (
    `Next: \`npm start\` (or \`dorch manager --workers ${a.workerTokens.length}\`) runs the workers; ` +
    '`dorch submit "…"` posts a task; `dorch service install` starts the workers at every boot.'
  );
}

async function defaultDoctor(config: string, print: (line: string) => void): Promise<void> {
  const { doctor } = await import('../doctor/index.js');
  await doctor({ config, print });
}

async function defaultTestTask(config: string, print: (line: string) => void): Promise<void> {
  const { runTestTask } = await import('./test-task.js');
  await runTestTask({ config, print });
}
