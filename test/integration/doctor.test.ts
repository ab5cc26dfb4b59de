/**
 * `dorch doctor` against the emulator: every bot, every channel, every permission its role needs, each intent.
 * Faults are made the way an operator would make them in Discord: through the emulator's admin API (a channel
 * overwrite that denies one permission to one bot, the intent switch).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermissionFlagsBits as P, Routes } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { diagnose, doctor, type DoctorReport } from '../../src/cli/commands/doctor/index.js';
import { ExitError } from '../../src/cli/errors.js';
import { writeEnvFile } from '../../src/config/env-file.js';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { emulatorEnv, scratch } from '../helpers/fleet.js';

const emu = useEmulator({ workers: 2 });

/** A config file for the emulator world in a fresh folder; `over` replaces keys. */
async function configFile(over: Record<string, string | undefined> = {}): Promise<string> {
  const dir = await scratch();
  const file = join(dir, 'discord-config.env');
  writeEnvFile(file, {
    ...emulatorEnv(emu.world),
    AGENT_RUNNER: 'demo',
    OPENCLAW_CONFIG_PATH: join(dir, 'no-openclaw.json'),
    ...over,
  });
  return file;
}

/** Run doctor; resolves to the report and the printed lines, whether it passed or not. */
async function run(file: string, json = false) {
  const lines: string[] = [];
  const options = { config: file, env: {}, json, print: (l: string) => lines.push(l) };
  let report = await diagnose(options);
  const output = lines.join('\n');
  if (json) report = JSON.parse(output) as DoctorReport;
  // The command itself: the same report, and ExitError(1) exactly when something failed.
  const exitCode = await doctor({ ...options, print: () => undefined }).then(
    () => 0,
    (error: unknown) => {
      if (error instanceof ExitError) return error.exitCode;
      throw error;
    },
  );
  return { report, output, exitCode, lines };
}

function failures(report: DoctorReport) {
  return report.checks.filter((c) => c.status === 'fail');
}

describe('dorch doctor', () => {
  it('is all ✓ on a good config, with one line per bot, intent, membership, channel and right', async () => {
    const { report, exitCode, lines } = await run(await configFile());
    expect(failures(report)).toEqual([]);
    expect(exitCode).toBe(0);
    for (const key of ['SUBMITTER_TOKEN', 'WORKER1_TOKEN', 'WORKER2_TOKEN']) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✓ ${key}: bot "`)));
      expect(lines).toContain(`✓ ${key} · intent: Message Content intent is on`);
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^✓ ${key} · GUILD_ID: member of server`)),
      );
    }
    for (const key of ['TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'])
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✓ ${key}: #`)));
    // Every bot uses all three channels (the submitter reads #worker-pool for `dorch status`).
    const rights = report.checks.filter((c) => c.scope?.endsWith('_CHANNEL'));
    expect(rights.map((c) => `${c.key}·${c.scope}`).sort()).toEqual(
      [
        'SUBMITTER_TOKEN·RESULTS_CHANNEL',
        'SUBMITTER_TOKEN·TASK_QUEUE_CHANNEL',
        'SUBMITTER_TOKEN·WORKER_POOL_CHANNEL',
        'WORKER1_TOKEN·RESULTS_CHANNEL',
        'WORKER1_TOKEN·TASK_QUEUE_CHANNEL',
        'WORKER1_TOKEN·WORKER_POOL_CHANNEL',
        'WORKER2_TOKEN·RESULTS_CHANNEL',
        'WORKER2_TOKEN·TASK_QUEUE_CHANNEL',
        'WORKER2_TOKEN·WORKER_POOL_CHANNEL',
      ].sort(),
    );
    expect(rights.every((c) => c.status === 'ok')).toBe(true);
    // The price line names the file it looked for.
    expect(lines).toContainEqual(
      expect.stringMatching(/^! prices: no price table: .*no-openclaw\.json does not exist/),
    );
  });

  it('a permission denied to one worker in one channel is its own ✗, naming bot, channel, permission and fix', async () => {
    const worker2 = emu.world.users.workers[1]!;
    await emu.admin.denyPermission(emu.world.channels.taskQueue, worker2, P.ManageThreads);
    try {
      const { report, exitCode } = await run(await configFile());
      expect(exitCode).toBe(1);
      expect(failures(report)).toEqual([
        expect.objectContaining({
          key: 'WORKER2_TOKEN',
          scope: 'TASK_QUEUE_CHANNEL',
          message: expect.stringContaining('lacks Manage Threads in #task-queue'),
          fix: expect.stringContaining('Edit Channel → Permissions'),
        }),
      ]);
    } finally {
      await emu.admin.clearPermissions(emu.world.channels.taskQueue, worker2);
    }
  });

  it('one bot without the Message Content intent is its own ✗ with the Developer Portal fix', async () => {
    const worker1 = emu.world.users.workers[0]!;
    await emu.admin.setMessageContentIntent(worker1, false);
    try {
      const { report, exitCode, output } = await run(await configFile());
      expect(exitCode).toBe(1);
      expect(failures(report)).toEqual([
        expect.objectContaining({
          key: 'WORKER1_TOKEN',
          scope: 'intent',
          fix: expect.stringContaining('Message Content Intent'),
        }),
      ]);
      expect(output).toContain('✗ WORKER1_TOKEN · intent:');
    } finally {
      await emu.admin.setMessageContentIntent(worker1, true);
    }
  });

  it('the submitter without Manage Messages in #task-queue is a ✗ (dorch clear needs it)', async () => {
    const submitter = emu.world.users.submitter;
    await emu.admin.denyPermission(emu.world.channels.taskQueue, submitter, P.ManageMessages);
    try {
      const { report, exitCode } = await run(await configFile());
      expect(exitCode).toBe(1);
      expect(failures(report)).toEqual([
        expect.objectContaining({
          key: 'SUBMITTER_TOKEN',
          scope: 'TASK_QUEUE_CHANNEL',
          message: expect.stringContaining('lacks Manage Messages'),
        }),
      ]);
    } finally {
      await emu.admin.clearPermissions(emu.world.channels.taskQueue, submitter);
    }
  });

  it('a bot that cannot see a channel at all lacks everything there; the channel itself still checks ✓', async () => {
    const worker1 = emu.world.users.workers[0]!;
    await emu.admin.denyPermission(emu.world.channels.workerPool, worker1, P.ViewChannel);
    try {
      const { report } = await run(await configFile());
      expect(failures(report)).toEqual([
        expect.objectContaining({
          key: 'WORKER1_TOKEN',
          scope: 'WORKER_POOL_CHANNEL',
          message: expect.stringContaining('lacks View Channel, Send Messages'),
        }),
      ]);
      expect(report.checks).toContainEqual(
        expect.objectContaining({ key: 'WORKER_POOL_CHANNEL', status: 'ok' }),
      );
    } finally {
      await emu.admin.clearPermissions(emu.world.channels.workerPool, worker1);
    }
  });

  it("a rejected token names its key and never prints the token; that bot's other checks are not run", async () => {
    const bogus = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-xxxxxxxxxxxxxxx';
    const { report, exitCode, output } = await run(await configFile({ WORKER2_TOKEN: bogus }));
    expect(exitCode).toBe(1);
    expect(failures(report)).toEqual([
      expect.objectContaining({
        key: 'WORKER2_TOKEN',
        message: expect.stringContaining('401'),
        fix: expect.stringContaining('Reset Token'),
      }),
    ]);
    expect(report.checks.filter((c) => c.key === 'WORKER2_TOKEN')).toHaveLength(1);
    expect(output).not.toContain(bogus);
  });

  it('a wrong channel id and a thread given as a channel are each a ✗ naming the key', async () => {
    const rest = restFor(emu.world, emu.world.tokens.submitter);
    const message = (await rest.post(Routes.channelMessages(emu.world.channels.taskQueue), {
      body: { content: 'thread parent' },
    })) as { id: string };
    await rest.post(Routes.threads(emu.world.channels.taskQueue, message.id), { body: { name: 'a thread' } });
    const { report } = await run(
      await configFile({ TASK_QUEUE_CHANNEL: '123456789012345678', RESULTS_CHANNEL: message.id }),
    );
    const failed = failures(report);
    expect(failed).toContainEqual(
      expect.objectContaining({
        key: 'TASK_QUEUE_CHANNEL',
        message: expect.stringContaining('finds no channel'),
      }),
    );
    expect(failed).toContainEqual(
      expect.objectContaining({ key: 'RESULTS_CHANNEL', message: expect.stringContaining('is a thread') }),
    );
    // A channel that failed is not used for the rights checks.
    expect(report.checks.filter((c) => c.scope === 'TASK_QUEUE_CHANNEL')).toEqual([]);
  });

  it('a config file that does not exist is reported missing, not loaded', async () => {
    const dir = await scratch();
    const { report, exitCode, output } = await run(join(dir, 'discord-config.env'));
    expect(exitCode).toBe(1);
    expect(report.config.exists).toBe(false);
    expect(output).toMatch(/^✗ config: .*discord-config\.env does not exist.* Fix: run `dorch setup`/m);
    expect(output).not.toMatch(/loaded|✓ config/);
  });

  it('--json prints one JSON object with every check, also when something fails', async () => {
    const file = await configFile({ WORKER_POOL_CHANNEL: undefined });
    const { report, exitCode, lines } = await run(file, true);
    expect(lines).toHaveLength(1);
    expect(exitCode).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.config).toEqual({ file, exists: true });
    expect(report.checks).toContainEqual(
      expect.objectContaining({ status: 'fail', key: 'WORKER_POOL_CHANNEL', message: 'missing.' }),
    );
    expect(report.counts.fail).toBe(1);
  });

  it('prices: names the OpenClaw config it read', async () => {
    const dir = await scratch();
    const openclaw = join(dir, 'openclaw.json');
    await writeFile(
      openclaw,
      JSON.stringify({
        models: { providers: { p: { models: [{ id: 'm', cost: { input: 1, output: 2 } }] } } },
      }),
    );
    const { lines } = await run(await configFile({ OPENCLAW_CONFIG_PATH: openclaw }));
    expect(lines).toContain(`✓ prices: read ${openclaw}: 1 model price(s) (USD per 1M tokens)`);
  });

  it('prices: a config that cannot be parsed is said, not taken for "no prices"', async () => {
    const dir = await scratch();
    const openclaw = join(dir, 'openclaw.json');
    await writeFile(openclaw, '{ models: ');
    const { lines } = await run(await configFile({ OPENCLAW_CONFIG_PATH: openclaw }));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^! prices: no price table \(.*openclaw\.json: not valid JSON5: .*\): workers run without one/,
      ),
    );
  });
});
