/**
 * The CLI as a user runs it: real processes, exit codes, messages. Against the emulator where Discord is needed.
 */
import { join } from 'node:path';
import { Routes } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { useEmulator, restFor } from '../helpers/emulator.js';
import { collect, emulatorEnv, scratch, spawnCli, waitFor } from '../helpers/fleet.js';

/** Run the CLI to completion. */
async function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const child = spawnCli(args, { cwd: options.cwd ?? (await scratch()), env: options.env ?? {} });
  const run = collect(child);
  const code = await run.exited;
  return { code, output: run.output() };
}

describe('dorch CLI', () => {
  const emu = useEmulator({ workers: 2 });

  it('submit without a config says which keys are missing and how to fix it (exit 2)', async () => {
    const { code, output } = await cli(['submit', 'hello']);
    expect(code).toBe(2);
    expect(output).toMatch(/SUBMITTER_TOKEN/);
    expect(output).toMatch(/TASK_QUEUE_CHANNEL/);
    expect(output).toMatch(/dorch setup|discord-config\.env/);
  });

  it('submit refuses an unknown model or thinking level before posting (exit 2)', async () => {
    const env = emulatorEnv(emu.world);
    const model = await cli(['submit', 'hello', 'gpt-imaginary'], { env });
    expect(model.code).toBe(2);
    expect(model.output).toContain('unknown model "gpt-imaginary"');
    const thinking = await cli(['submit', 'hello', 'coder', 'extreme'], { env });
    expect(thinking.code).toBe(2);
    expect(thinking.output).toMatch(/off, minimal, low, medium, high, xhigh/);
  });

  it('submit --wait prints the result and exits 0 on SUCCESS; a worker with a bad token fails clearly', async () => {
    const dir = await scratch();
    const env = { ...emulatorEnv(emu.world, 1), AGENT_RUNNER: 'demo', POLL_INTERVAL: '0.3' };
    const worker = spawnCli(['worker', '--id', 'worker-1', '--restart-per-task'], { cwd: dir, env });
    const workerRun = collect(worker);
    const submitted = await cli(['submit', 'What is 2+2?', '--wait', '--timeout', '60'], { cwd: dir, env });
    expect(submitted.output).toMatch(/^discord-\d+\n/);
    expect(submitted.output).toContain('[SUCCESS]');
    expect(submitted.code).toBe(0);
    expect(await workerRun.exited).toBe(0);

    const bogus = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-xxxxxxxxxxxxxxx';
    const bad = await cli(['worker', '--id', 'worker-9'], {
      cwd: dir,
      env: { ...env, WORKER1_TOKEN: bogus },
    });
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/401/);
    expect(bad.output).not.toContain(bogus);
  }, 120_000);

  it('doctor passes on a healthy setup and catches a bot without the Message Content intent', async () => {
    const dir = await scratch();
    const env = { ...emulatorEnv(emu.world, 2), AGENT_RUNNER: 'demo' };
    const healthy = await cli(['doctor'], { cwd: dir, env });
    expect(healthy.output).toMatch(/^✓ WORKER1_TOKEN: bot "worker-1"/m);
    expect(healthy.output).toMatch(/^✓ TASK_QUEUE_CHANNEL: #task-queue/m);
    expect(healthy.code).toBe(0);

    // A person's task in the queue, and worker-1 without the intent: its view of that message is empty.
    await restFor(emu.world, emu.world.tokens.operator).post(
      Routes.channelMessages(emu.world.channels.taskQueue),
      {
        body: { content: 'a typed task' },
      },
    );
    await emu.admin.setMessageContentIntent(emu.world.users.workers[0]!, false);
    try {
      const broken = await cli(['doctor'], { cwd: dir, env: { ...env, WORKER2_TOKEN: '' } });
      expect(broken.output).toMatch(/^✗ WORKER1_TOKEN · intent: .* Fix: .*Message Content Intent/m);
      expect(broken.code).toBe(1);
    } finally {
      await emu.admin.setMessageContentIntent(emu.world.users.workers[0]!, true);
    }
  }, 60_000);

  it('doctor names a rejected token without printing it', async () => {
    const dir = await scratch();
    const bogus = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.also-not-a-real-token-xxxxxxxxxxx';
    const { code, output } = await cli(['doctor'], {
      cwd: dir,
      env: { ...emulatorEnv(emu.world, 1), WORKER1_TOKEN: bogus, AGENT_RUNNER: 'demo' },
    });
    expect(code).toBe(1);
    expect(output).toMatch(/✗ WORKER1_TOKEN: Discord rejected WORKER1_TOKEN \(401 Unauthorized\)/);
    expect(output).not.toContain(bogus);
  });

  it('stop ends a running keep-alive worker gracefully', async () => {
    const dir = await scratch();
    const env = { ...emulatorEnv(emu.world, 1), AGENT_RUNNER: 'demo', POLL_INTERVAL: '0.3' };
    const worker = spawnCli(['worker', '--id', 'worker-1', '--keep-alive'], { cwd: dir, env });
    const run = collect(worker);
    await waitFor(async () => run.output().includes('Online and waiting'), 30_000, 'worker READY');
    const stopped = await cli(['stop'], { cwd: dir, env });
    expect(stopped.output).toContain('signalled 1 worker(s)');
    expect(stopped.output).toContain('All stopped.');
    expect(stopped.code).toBe(0);
    expect(await run.exited).toBe(0);
    const again = await cli(['stop'], { cwd: dir, env });
    expect(again.output).toContain('No workers or managers are running');
  }, 60_000);

  it('emulator --write-env writes a config the other commands can use', async () => {
    const dir = await scratch();
    const child = spawnCli(['emulator', '--port', '0', '--write-env', join(dir, 'discord-config.env')], {
      cwd: dir,
      env: {},
    });
    const run = collect(child);
    const world = await waitFor(
      async () => {
        const first = run.output().split('\n')[0];
        return first && run.output().includes('\n') ? (JSON.parse(first) as { apiUrl: string }) : null;
      },
      20_000,
      'emulator world line',
    );
    expect(world.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
    const doctor = await cli(['doctor'], { cwd: dir, env: { AGENT_RUNNER: 'demo' } });
    expect(doctor.output).toMatch(/^✓ SUBMITTER_TOKEN: bot "submitter"/m);
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  }, 60_000);
});
