import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, vi } from 'vitest';
import { emulator } from '../../../src/cli/commands/emulator/index.js';
import { ExitError } from '../../../src/cli/errors.js';
import type { EmulatorWorld } from '../../../src/emulator/index.js';
import { CLI_ENTRY } from '../../helpers/fleet.js';

describe('dorch emulator', () => {
  it('prints the world as the first stdout line, serves it, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI_ENTRY, 'emulator', '--port', '0', '--workers', '2'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolve, reject) => {
        lines.once('line', resolve);
        child.once('exit', () => reject(new Error('emulator exited before printing')));
      });
      const world = JSON.parse(first) as EmulatorWorld;
      expect(world.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(world.tokens.workers).toHaveLength(2);
      const res = await fetch(`${world.apiUrl}/v10/users/@me`, {
        headers: { Authorization: `Bot ${world.tokens.submitter}` },
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('writes a 0600 discord-config.env pointing at the emulator', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dorch-emulator-'));
    const envFile = join(dir, 'discord-config.env');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    try {
      const done = emulator({ port: 0, workers: 3, envFile, rateLimits: false, until });
      await vi.waitFor(async () => expect((await stat(envFile)).size).toBeGreaterThan(0));
      const world = JSON.parse(String(log.mock.calls[0]![0])) as EmulatorWorld;
      expect((await stat(envFile)).mode & 0o777).toBe(0o600);
      const env = Object.fromEntries(
        (await readFile(envFile, 'utf8'))
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      expect(env).toEqual({
        DISCORD_API_URL: world.apiUrl,
        GUILD_ID: world.guildId,
        TASK_QUEUE_CHANNEL: world.channels.taskQueue,
        RESULTS_CHANNEL: world.channels.results,
        WORKER_POOL_CHANNEL: world.channels.workerPool,
        SUBMITTER_TOKEN: world.tokens.submitter,
        WORKER1_TOKEN: world.tokens.workers[0],
        WORKER2_TOKEN: world.tokens.workers[1],
        WORKER3_TOKEN: world.tokens.workers[2],
        ALLOWED_SUBMITTERS: world.users.operator,
        ALLOWED_ROLES: world.roles.operator,
      });
      stop();
      await done;
      await expect(fetch(`${world.apiUrl}/v10/gateway`)).rejects.toThrow();
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('dorch emulator --write-env on an existing file', () => {
  it('refuses without --force (exit 2, file untouched); with --force keeps a 0600 backup', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dorch-emulator-'));
    const envFile = join(dir, 'discord-config.env');
    await writeFile(envFile, 'WORKER1_TOKEN=mine\n', { mode: 0o600 });
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const refused = await emulator({ port: 0, envFile, until: Promise.resolve() }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ExitError);
      expect((refused as ExitError).exitCode).toBe(2);
      expect((refused as ExitError).message).toContain('already exists and was left unchanged; pass --force');
      expect(await readFile(envFile, 'utf8')).toBe('WORKER1_TOKEN=mine\n');
      expect(log).not.toHaveBeenCalled(); // refused before starting

      await emulator({ port: 0, envFile, force: true, until: Promise.resolve() });
      const backups = (await readdir(dir)).filter((f) => f.endsWith('.bak'));
      expect(backups).toHaveLength(1);
      expect(await readFile(join(dir, backups[0]!), 'utf8')).toBe('WORKER1_TOKEN=mine\n');
      expect((await stat(join(dir, backups[0]!))).mode & 0o777).toBe(0o600);
      expect(await readFile(envFile, 'utf8')).toMatch(/^TASK_QUEUE_CHANNEL=\d+$/m);
    } finally {
      log.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
