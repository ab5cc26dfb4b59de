/**
 * `dorch setup` against the emulator, both ways: interactive (the real `@clack/prompts` questions, typed into
 * through a scripted terminal) and non-interactive (flags and environment). A good run writes a working config
 * (a task then runs end to end with the demo runner); a wrong token, a wrong channel id, a missing permission
 * (denied through the admin API) and a missing intent (the admin switch) each give a clear message and write no file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { setup, type SetupDeps, type SetupOptions } from '../../src/cli/commands/setup/index.js';
import { ExitError } from '../../src/cli/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { useEmulator } from '../helpers/emulator.js';
import { scratch } from '../helpers/fleet.js';
import { KEY, terminal } from '../helpers/terminal.js';

const emu = useEmulator({ workers: 2 });
const BOGUS = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-xxxxxxxxxxxxxxx';

/** A scratch folder that is a git work tree (setup must make git ignore the file). */
async function repo(): Promise<string> {
  const dir = await scratch('dorch-setup-');
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

function tokensEnv(over: Record<string, string> = {}): Record<string, string> {
  const w = emu.world;
  return {
    SUBMITTER_TOKEN: w.tokens.submitter,
    WORKER1_TOKEN: w.tokens.workers[0]!,
    WORKER2_TOKEN: w.tokens.workers[1]!,
    ...over,
  };
}

function flags(dir: string, over: Partial<SetupOptions> = {}): SetupOptions {
  const w = emu.world;
  return {
    config: join(dir, 'discord-config.env'),
    nonInteractive: true,
    apiUrl: w.apiUrl,
    guild: w.guildId,
    taskQueue: w.channels.taskQueue,
    results: w.channels.results,
    workerPool: w.channels.workerPool,
    allowedSubmitters: w.users.operator,
    runner: 'demo',
    ...over,
  };
}

/** Run setup; resolves to the exit code (0 when it returned) and everything printed. */
async function run(options: SetupOptions, deps: SetupDeps = {}) {
  const lines: string[] = [];
  const code = await setup(options, { print: (l) => lines.push(l), ...deps }).then(
    () => 0,
    (error: unknown) => {
      if (!(error instanceof ExitError)) throw error;
      if (error.message) lines.push(error.message);
      return error.exitCode;
    },
  );
  return { code, output: lines.join('\n') };
}

describe('dorch setup --non-interactive', () => {
  it('a good run writes a working config (mode 600, git-ignored), and a first task runs end to end', async () => {
    const dir = await repo();
    const file = join(dir, 'discord-config.env');
    const { code, output } = await run(flags(dir, { testTask: true }), { env: tokensEnv() });
    expect(code, output).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { config } = loadConfig({ file, env: {} });
    expect(config.discord).toMatchObject({
      apiUrl: emu.world.apiUrl,
      guildId: emu.world.guildId,
      taskQueueChannel: emu.world.channels.taskQueue,
      submitterToken: emu.world.tokens.submitter,
      workerTokens: emu.world.tokens.workers,
      allowedSubmitters: [emu.world.users.operator],
    });
    expect(config.agent.runner).toBe('demo');
    expect(execFileSync('git', ['check-ignore', 'discord-config.env'], { cwd: dir }).toString().trim()).toBe(
      'discord-config.env',
    );
    // The test task: posted, claimed by the worker setup started, answered by the demo runner.
    expect(output).toMatch(/Posted test task discord-\d+/);
    expect(output).toMatch(/\[SUCCESS\] discord-\d+ by setup-test/);
    // Tokens are never printed.
    for (const t of [emu.world.tokens.submitter, ...emu.world.tokens.workers])
      expect(output).not.toContain(t);
  }, 120_000);

  const faults: {
    name: string;
    env?: Record<string, string>;
    over?: Partial<SetupOptions>;
    before?: () => Promise<void>;
    after?: () => Promise<void>;
    expected: RegExp;
  }[] = [
    {
      name: 'a wrong token',
      env: { WORKER2_TOKEN: BOGUS },
      expected: /✗ WORKER2_TOKEN: Discord rejected WORKER2_TOKEN \(401 Unauthorized\).* Fix: .*Reset Token/,
    },
    {
      name: 'a wrong channel id',
      over: { results: '123456789012345678' },
      expected:
        /✗ RESULTS_CHANNEL: .*finds no channel RESULTS_CHANNEL \(123456789012345678\).* Fix: .*Copy Channel ID/,
    },
    {
      name: 'a missing permission',
      before: () =>
        emu.admin.denyPermission(emu.world.channels.results, emu.world.users.workers[0]!, P.AttachFiles),
      after: () => emu.admin.clearPermissions(emu.world.channels.results, emu.world.users.workers[0]!),
      expected: /✗ WORKER1_TOKEN · RESULTS_CHANNEL: bot "worker-1" lacks Attach Files in #results\. Fix: /,
    },
    {
      name: 'a missing Message Content intent',
      before: () => emu.admin.setMessageContentIntent(emu.world.users.submitter, false),
      after: () => emu.admin.setMessageContentIntent(emu.world.users.submitter, true),
      expected:
        /✗ SUBMITTER_TOKEN · intent: bot "submitter" has the Message Content intent off.* Fix: .*Message Content Intent/,
    },
  ];

  it.each(faults)('$name: a clear ✗ naming the key, exit 2, no file', async (fault) => {
    const dir = await repo();
    await fault.before?.();
    try {
      const { code, output } = await run(flags(dir, fault.over), { env: tokensEnv(fault.env) });
      expect(code).toBe(2);
      expect(output).toMatch(fault.expected);
      expect(output).toContain('nothing was written');
      expect(output).not.toContain(BOGUS);
      expect(readdirSync(dir).filter((f) => f !== '.git')).toEqual([]);
    } finally {
      await fault.after?.();
    }
  });

  it('names each missing flag and token with its key; tokens are never taken from flags', async () => {
    const dir = await repo();
    const { code, output } = await run(
      {
        config: join(dir, 'discord-config.env'),
        nonInteractive: true,
        apiUrl: emu.world.apiUrl,
        taskQueue: 'abc',
      },
      { env: {} },
    );
    expect(code).toBe(2);
    expect(output).toContain('--guild (GUILD_ID): missing');
    expect(output).toContain('--results (RESULTS_CHANNEL): missing');
    expect(output).toMatch(/--task-queue \(TASK_QUEUE_CHANNEL\): .*channel id/);
    expect(output).toContain('SUBMITTER_TOKEN: missing from the environment');
    expect(output).toContain('WORKER1_TOKEN: missing from the environment');
    expect(readdirSync(dir).filter((f) => f !== '.git')).toEqual([]);
  });

  it('never replaces an existing file without --force; with it, the old one is kept as a 0600 backup', async () => {
    const dir = await repo();
    const file = join(dir, 'discord-config.env');
    writeFileSync(file, 'WORKER1_TOKEN=old\n', { mode: 0o600 });
    const refused = await run(flags(dir), { env: tokensEnv() });
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/already exists and was left unchanged; pass --force/);
    expect(readFileSync(file, 'utf8')).toBe('WORKER1_TOKEN=old\n');

    const forced = await run(flags(dir, { force: true }), {
      env: tokensEnv(),
      now: () => new Date('2026-03-04T05:06:07.890Z'),
    });
    expect(forced.code, forced.output).toBe(0);
    const backup = `${file}.20260304T050607Z.bak`;
    expect(readFileSync(backup, 'utf8')).toBe('WORKER1_TOKEN=old\n');
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(forced.output).toContain(`kept as ${backup}`);
    expect(readFileSync(file, 'utf8')).toContain(`TASK_QUEUE_CHANNEL=${emu.world.channels.taskQueue}`);
    // The backup holds tokens too: git ignores it.
    execFileSync('git', ['check-ignore', '-q', 'discord-config.env.20260304T050607Z.bak'], { cwd: dir });
  });
});

/** Start interactive setup on a scripted terminal; resolves when it ends, with the exit code. */
function interactive(dir: string, deps: SetupDeps = {}) {
  const term = terminal();
  const done = setup(
    { config: join(dir, 'discord-config.env'), apiUrl: emu.world.apiUrl },
    { input: term.input, output: term.output, ...deps },
  ).then(
    () => 0,
    (error: unknown) => {
      if (error instanceof ExitError) {
        term.output.write(`\n[exit ${error.exitCode}] ${error.message}\n`);
        return error.exitCode;
      }
      throw error;
    },
  );
  return { term, done };
}

describe('dorch setup (interactive)', () => {
  it('explains, asks, checks each answer, writes the config, runs doctor and a first task', async () => {
    const dir = await repo();
    const w = emu.world;
    const { term, done } = interactive(dir);
    await term.see('Reset Token → Copy'); // the walk-through for first-timers
    await term.answer('How many worker bots?', `2${KEY.enter}`);
    await term.answer("Worker 1's bot token (WORKER1_TOKEN)", `${w.tokens.workers[0]}${KEY.enter}`);
    await term.see('WORKER1_TOKEN: bot "worker-1", Message Content intent on.');
    await term.answer("Worker 2's bot token (WORKER2_TOKEN)", `${w.tokens.workers[1]}${KEY.enter}`);
    await term.answer("The submitter bot's token (SUBMITTER_TOKEN)", `${w.tokens.submitter}${KEY.enter}`);
    await term.see(/oauth2\/authorize\?client_id=\d+&scope=bot&permissions=\d+/);
    await term.answer('all bots are in "dorch-emulator", Enter takes it', KEY.enter);
    await term.answer('(TASK_QUEUE_CHANNEL)', KEY.enter); // #task-queue is preselected
    await term.answer('(RESULTS_CHANNEL)', KEY.enter);
    await term.answer('(WORKER_POOL_CHANNEL)', KEY.enter);
    await term.see('Every bot has the permissions its role needs in every channel.');
    await term.answer('Who may post tasks by typing', `${w.users.operator}${KEY.enter}`);
    await term.answer('Which agent runs the tasks?', `${KEY.down}${KEY.down}${KEY.down}${KEY.enter}`);
    await term.answer('Write ', KEY.enter);
    await term.see('Wrote ');
    await term.answer('Run `dorch doctor` now', KEY.enter);
    await term.see('No problems');
    await term.answer('Send a first test task now?', KEY.enter);
    await term.see(/\[SUCCESS\] discord-\d+ by setup-test/, 90_000);
    expect(await done, term.screen()).toBe(0);
    const { config } = loadConfig({ file: join(dir, 'discord-config.env'), env: {} });
    expect(config.discord.taskQueueChannel).toBe(w.channels.taskQueue);
    expect(config.discord.workerPoolChannel).toBe(w.channels.workerPool);
    expect(config.discord.workerTokens).toEqual(w.tokens.workers);
    expect(config.discord.allowedSubmitters).toEqual([w.users.operator]);
    expect(config.agent.runner).toBe('demo');
    expect(statSync(join(dir, 'discord-config.env')).mode & 0o777).toBe(0o600);
    for (const t of [w.tokens.submitter, ...w.tokens.workers]) expect(term.screen()).not.toContain(t);
  }, 120_000);

  it('a wrong token: says Discord rejected it, keeps asking; cancelling writes nothing', async () => {
    const dir = await repo();
    const { term, done } = interactive(dir);
    await term.answer('How many worker bots?', `1${KEY.enter}`);
    await term.answer('(WORKER1_TOKEN)', `${BOGUS}${KEY.enter}`);
    await term.see('Discord rejected WORKER1_TOKEN (401 Unauthorized)');
    term.input.write(KEY.ctrlC);
    expect(await done).toBe(1);
    expect(term.screen()).toContain('Setup cancelled; nothing was written.');
    expect(term.screen()).not.toContain(BOGUS);
    expect(existsSync(join(dir, 'discord-config.env'))).toBe(false);
  });

  it('a missing intent: names the fix; Enter checks again once it is switched on', async () => {
    const dir = await repo();
    const w = emu.world;
    await emu.admin.setMessageContentIntent(w.users.workers[0]!, false);
    try {
      const { term, done } = interactive(dir);
      await term.answer('How many worker bots?', `1${KEY.enter}`);
      await term.answer('(WORKER1_TOKEN)', `${w.tokens.workers[0]}${KEY.enter}`);
      await term.see('has the Message Content intent off');
      await term.see('Then press Enter here to check again.');
      await emu.admin.setMessageContentIntent(w.users.workers[0]!, true);
      term.input.write(KEY.enter);
      await term.see('WORKER1_TOKEN: bot "worker-1", Message Content intent on.');
      await term.answer('(SUBMITTER_TOKEN)', KEY.ctrlC);
      expect(await done).toBe(1);
      expect(existsSync(join(dir, 'discord-config.env'))).toBe(false);
    } finally {
      await emu.admin.setMessageContentIntent(w.users.workers[0]!, true);
    }
  });

  it('a wrong channel id: says there is no such channel and keeps asking; cancelling writes nothing', async () => {
    const dir = await repo();
    const w = emu.world;
    const { term, done } = interactive(dir);
    await term.answer('How many worker bots?', `1${KEY.enter}`);
    await term.answer('(WORKER1_TOKEN)', `${w.tokens.workers[0]}${KEY.enter}`);
    await term.answer('(SUBMITTER_TOKEN)', `${w.tokens.submitter}${KEY.enter}`);
    await term.answer('Enter takes it', KEY.enter);
    // From #task-queue (preselected) down past #results and #worker-pool to "paste its id".
    await term.answer('(TASK_QUEUE_CHANNEL)', `${KEY.down}${KEY.down}${KEY.down}${KEY.enter}`);
    await term.answer(
      'TASK_QUEUE_CHANNEL: the id of the channel where tasks',
      `123456789012345678${KEY.enter}`,
    );
    await term.see('finds no channel TASK_QUEUE_CHANNEL (123456789012345678)');
    term.input.write(KEY.ctrlC);
    expect(await done).toBe(1);
    expect(existsSync(join(dir, 'discord-config.env'))).toBe(false);
  });

  it('a missing permission: lists it with the fix; "Check again" passes once it is granted; cancel writes nothing', async () => {
    const dir = await repo();
    const w = emu.world;
    await emu.admin.denyPermission(w.channels.taskQueue, w.users.workers[0]!, P.AddReactions);
    try {
      const { term, done } = interactive(dir);
      await term.answer('How many worker bots?', `1${KEY.enter}`);
      await term.answer('(WORKER1_TOKEN)', `${w.tokens.workers[0]}${KEY.enter}`);
      await term.answer('(SUBMITTER_TOKEN)', `${w.tokens.submitter}${KEY.enter}`);
      await term.answer('Enter takes it', KEY.enter);
      await term.answer('(TASK_QUEUE_CHANNEL)', KEY.enter);
      await term.answer('(RESULTS_CHANNEL)', KEY.enter);
      await term.answer('(WORKER_POOL_CHANNEL)', KEY.enter);
      await term.see(
        'WORKER1_TOKEN · TASK_QUEUE_CHANNEL: bot "worker-1" lacks Add Reactions in #task-queue.',
      );
      await term.see('Fix the permissions above in Discord, then:');
      await emu.admin.clearPermissions(w.channels.taskQueue, w.users.workers[0]!);
      term.input.write(KEY.enter); // "Check again"
      await term.see('Every bot has the permissions its role needs in every channel.');
      await term.answer('Who may post tasks', KEY.ctrlC);
      expect(await done).toBe(1);
      expect(existsSync(join(dir, 'discord-config.env'))).toBe(false);
    } finally {
      await emu.admin.clearPermissions(w.channels.taskQueue, w.users.workers[0]!);
    }
  });

  it('an existing file: asks first; "No" leaves it untouched', async () => {
    const dir = await repo();
    const file = join(dir, 'discord-config.env');
    writeFileSync(file, 'WORKER1_TOKEN=old\n', { mode: 0o600 });
    const { term, done } = interactive(dir);
    await term.answer('already exists. Replace it', KEY.enter); // the default is No
    expect(await done).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('WORKER1_TOKEN=old\n');
    expect(readdirSync(dir).filter((f) => f !== '.git')).toEqual(['discord-config.env']);
  });
});
