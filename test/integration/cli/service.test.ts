/**
 * `dorch service`: the files it writes (checked by `systemd-analyze verify` and Python's plistlib where present)
 * and the systemctl/launchctl calls it makes (recorded through the `run` seam: no real service is started).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { service, type RunResult, type ServiceDeps } from '../../../src/cli/commands/service/index.js';
import { ExitError } from '../../../src/cli/errors.js';
import { writeEnvFile } from '../../../src/config/env-file.js';

const TOKEN = (n: number) => `MTIzNDU2Nzg5MDEyMzQ1Njc${n}.Gabcde.abcdefghijklmnopqrstuvwxyz0123456789`;

/** A folder (with awkward characters) holding a valid config with `workers` worker tokens. */
function fleetDir(workers = 2): { dir: string; config: string; home: string } {
  const root = mkdtempSync(join(tmpdir(), 'dorch-service-'));
  const dir = join(root, 'my fleet & co $HOME 100%');
  mkdirSync(dir);
  const config = join(dir, 'discord-config.env');
  const tokens: Record<string, string> = {};
  for (let i = 1; i <= workers; i++) tokens[`WORKER${i}_TOKEN`] = TOKEN(i);
  writeEnvFile(config, {
    TASK_QUEUE_CHANNEL: '1471241464699945010',
    RESULTS_CHANNEL: '1471241464699945011',
    WORKER_POOL_CHANNEL: '1471241464699945012',
    SUBMITTER_TOKEN: TOKEN(9),
    ...tokens,
  });
  const home = join(root, 'home');
  mkdirSync(home);
  return { dir, config, home };
}

function recorder(fail?: (command: string, args: string[]) => RunResult | undefined) {
  const calls: string[] = [];
  const run: ServiceDeps['run'] = async (command, args) => {
    calls.push([command, ...args].join(' '));
    return fail?.(command, args) ?? { code: 0, output: '' };
  };
  return { calls, run };
}

const CLI = [process.execPath, '/opt/dorch/dist/cli/index.js'];

async function exitOf(promise: Promise<unknown>): Promise<ExitError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExitError);
  return error as ExitError;
}

describe('dorch service on Linux (systemd user unit)', () => {
  it('install writes a unit that runs the manager here with this config, enables and (re)starts it', async () => {
    const { dir, config, home } = fleetDir(2);
    const { calls, run } = recorder();
    const lines: string[] = [];
    const file = await service(
      { action: 'install', config, print: (l) => lines.push(l) },
      { platform: 'linux', home, env: { PATH: '/usr/bin:/opt/open claw/bin' }, run, cli: CLI },
    );
    expect(file).toBe(join(home, '.config/systemd/user/dorch.service'));
    const unit = readFileSync(file, 'utf8');
    expect(unit).toContain(
      `ExecStart=${process.execPath} /opt/dorch/dist/cli/index.js --config "${config.replace(/\$/g, '$$$$').replace(/%/g, '%%')}" manager --workers 2`,
    );
    expect(unit).toContain(`WorkingDirectory=${dir.replace(/%/g, '%%')}\n`);
    expect(unit).toContain('Environment="PATH=/usr/bin:/opt/open claw/bin"');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^TimeoutStopSec=90$/m);
    expect(unit).toMatch(/^WantedBy=default.target$/m);
    expect(unit).not.toContain(TOKEN(1)); // tokens stay in the config file
    expect(calls).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable dorch.service',
      'systemctl --user restart dorch.service',
    ]);
    expect(lines.join('\n')).toContain('loginctl enable-linger');
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  it.skipIf(!analyze)(
    'systemd-analyze verify accepts the unit (quoting of spaces, $ and % included)',
    async () => {
      const { config, home } = fleetDir(1);
      const file = await service(
        { action: 'install', config, filesOnly: true, print: () => undefined },
        { platform: 'linux', home, env: { PATH: '/usr/bin:/bin' }, run: recorder().run },
      );
      // `verify` resolves ExecStart's executable (node, which exists); a bad line is a warning on stderr.
      const copy = join(mkdtempSync(join(tmpdir(), 'dorch-unit-')), 'dorch.service');
      copyFileSync(file, copy);
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('--workers and --name; --files-only calls nothing; re-install updates; uninstall disables and removes', async () => {
    const { config, home } = fleetDir(3);
    const { calls, run } = recorder();
    const deps: ServiceDeps = {
      platform: 'linux',
      home,
      env: { XDG_CONFIG_HOME: join(home, 'xdg') },
      run,
      cli: CLI,
    };
    const quiet = { print: () => undefined };
    const file = await service(
      { action: 'install', config, workers: 3, name: 'fleet-b', filesOnly: true, ...quiet },
      deps,
    );
    expect(file).toBe(join(home, 'xdg/systemd/user/fleet-b.service'));
    expect(readFileSync(file, 'utf8')).toContain('manager --workers 3');
    expect(calls).toEqual([]);
    await service({ action: 'install', config, workers: 1, name: 'fleet-b', ...quiet }, deps);
    expect(readFileSync(file, 'utf8')).toContain('manager --workers 1');
    calls.length = 0;
    await service({ action: 'uninstall', name: 'fleet-b', ...quiet }, deps);
    expect(existsSync(file)).toBe(false);
    expect(calls).toEqual([
      'systemctl --user disable --now fleet-b.service',
      'systemctl --user daemon-reload',
    ]);
    const lines: string[] = [];
    await service({ action: 'uninstall', name: 'fleet-b', print: (l) => lines.push(l) }, deps);
    expect(lines).toEqual([`No service "fleet-b" is installed (looked for ${file}).`]);
  });

  it('refuses: a unit it did not write, a missing config, too few worker tokens, an unknown platform', async () => {
    const { config, home } = fleetDir(1);
    const deps: ServiceDeps = { platform: 'linux', home, env: {}, run: recorder().run, cli: CLI };
    const foreign = join(home, '.config/systemd/user/dorch.service');
    mkdirSync(join(home, '.config/systemd/user'), { recursive: true });
    writeFileSync(foreign, '[Service]\nExecStart=/bin/true\n');
    const e1 = await exitOf(service({ action: 'install', config }, deps));
    expect([e1.exitCode, e1.message]).toEqual([
      2,
      expect.stringContaining('was not written by dorch; it was left unchanged'),
    ]);
    expect(readFileSync(foreign, 'utf8')).toBe('[Service]\nExecStart=/bin/true\n');
    await exitOf(service({ action: 'uninstall' }, deps));
    expect(existsSync(foreign)).toBe(true);

    const e2 = await exitOf(service({ action: 'install', config: join(home, 'nope.env'), name: 'x' }, deps));
    expect([e2.exitCode, e2.message]).toEqual([2, expect.stringContaining('run `dorch setup` first')]);
    const e3 = await service({ action: 'install', config, workers: 3, name: 'x' }, deps).catch(
      (e: unknown) => e,
    );
    expect(String(e3)).toMatch(/WORKER2_TOKEN, WORKER3_TOKEN: missing/);
    const e4 = await exitOf(service({ action: 'install', config }, { ...deps, platform: 'win32' }));
    expect([e4.exitCode, e4.message]).toEqual([2, expect.stringContaining('not win32')]);
  });

  it('a failing systemctl is exit 1 naming the command; the file stays for a manual start', async () => {
    const { config, home } = fleetDir(1);
    const { run } = recorder((command, args) =>
      args.includes('restart') ? { code: 1, output: 'Failed to connect to bus: No medium found' } : undefined,
    );
    const e = await exitOf(
      service(
        { action: 'install', config, print: () => undefined },
        { platform: 'linux', home, env: {}, run, cli: CLI },
      ),
    );
    expect(e.exitCode).toBe(1);
    expect(e.message).toContain(
      'systemctl --user restart dorch.service failed (exit 1): Failed to connect to bus',
    );
    expect(existsSync(join(home, '.config/systemd/user/dorch.service'))).toBe(true);
  });
});

describe('dorch service on macOS (launchd agent)', () => {
  it('install writes a plist that runs the manager here, then bootstraps it; re-install boots out first', async () => {
    const { dir, config, home } = fleetDir(2);
    const { calls, run } = recorder();
    const deps: ServiceDeps = {
      platform: 'darwin',
      home,
      env: { PATH: '/usr/bin:/a&b' },
      run,
      uid: 501,
      cli: CLI,
    };
    const file = await service({ action: 'install', config, print: () => undefined }, deps);
    expect(file).toBe(join(home, 'Library/LaunchAgents/com.discord-orchestration.dorch.plist'));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('<string>/usr/bin:/a&amp;b</string>');
    expect(text).toContain('<key>SuccessfulExit</key>');
    expect(calls).toEqual([`launchctl bootstrap gui/501 ${file}`]);
    calls.length = 0;
    await service({ action: 'install', config, print: () => undefined }, deps);
    expect(calls).toEqual([
      'launchctl bootout gui/501/com.discord-orchestration.dorch',
      `launchctl bootstrap gui/501 ${file}`,
    ]);

    const python = spawnSync('python3', ['-c', 'import plistlib'], { encoding: 'utf8' }).status === 0;
    if (python) {
      // A real plist parser reads back exactly what was meant, escapes included.
      const parsed = JSON.parse(
        execFileSync('python3', [
          '-c',
          'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))',
          file,
        ]).toString(),
      ) as Record<string, unknown>;
      expect(parsed).toMatchObject({
        Label: 'com.discord-orchestration.dorch',
        ProgramArguments: [...CLI, '--config', config, 'manager', '--workers', '2'],
        WorkingDirectory: dir,
        EnvironmentVariables: { PATH: '/usr/bin:/a&b' },
        RunAtLoad: true,
        KeepAlive: { SuccessfulExit: false },
        ExitTimeOut: 90,
        StandardErrorPath: join(dir, '.runtime/logs/service.err.log'),
      });
    }

    calls.length = 0;
    await service({ action: 'uninstall', print: () => undefined }, deps);
    expect(calls).toEqual(['launchctl bootout gui/501/com.discord-orchestration.dorch']);
    expect(existsSync(file)).toBe(false);
  });
});
