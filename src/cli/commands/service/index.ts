/**
 * `dorch service install [--workers N]` / `dorch service uninstall`: make this machine's workers come back after a
 * reboot or a crash. Linux: a systemd user unit; macOS: a launchd agent. The service runs `dorch manager` in this
 * folder with this config file (absolute paths, so it does not depend on where it is started from).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { loadConfig } from '../../../config/load.js';
import { requireDiscordKeys } from '../../../config/require-discord.js';
import { cliCommand } from '../../../lib/cli-entry.js';
import { ExitError } from '../../errors.js';
import { launchdLabel, launchdPlist, MARKER, systemdUnit, type ServiceSpec } from './units.js';

/** Options of `dorch service`. */
export interface ServiceOptions {
  action: 'install' | 'uninstall';
  /** The config file the service uses. @defaultValue `discord-config.env` */
  config?: string;
  /** Workers the service runs. @defaultValue the number of `WORKERn_TOKEN`s (at least 1) */
  workers?: number;
  /** Service name (several fleets on one machine need different names). @defaultValue `dorch` */
  name?: string;
  /** Only write (or remove) the file; do not call systemctl/launchctl. @defaultValue false */
  filesOnly?: boolean;
  /** @defaultValue `console.log` */
  print?: (line: string) => void;
}

/** A command's outcome: exit code (127 when it is not installed) and its combined output. */
export interface RunResult {
  code: number;
  output: string;
}

/** Seams of {@link service}. */
export interface ServiceDeps {
  /** @defaultValue `process.platform` */
  platform?: NodeJS.Platform;
  /** @defaultValue `os.homedir()` */
  home?: string;
  /** @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** @defaultValue `os.userInfo().uid` */
  uid?: number;
  /** Runs systemctl/launchctl. @defaultValue `execFile` */
  run?: (command: string, args: string[]) => Promise<RunResult>;
  /** How to start `dorch`. @defaultValue {@link cliCommand} */
  cli?: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const defaultRun = (command: string, args: string[]): Promise<RunResult> =>
  new Promise((done) => {
    execFile(command, args, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      done({
        code: !error ? 0 : code === 'ENOENT' ? 127 : typeof code === 'number' ? code : 1,
        output: `${stdout}${stderr}`.trim() || (error ? error.message : ''),
      });
    });
  });

/** Where the service file goes on this platform. */
export function serviceFile(
  platform: NodeJS.Platform,
  name: string,
  home: string,
  env: NodeJS.ProcessEnv,
): string {
  if (platform === 'darwin') return join(home, 'Library', 'LaunchAgents', `${launchdLabel(name)}.plist`);
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user', `${name}.service`);
}

/** Install or uninstall the service; returns the file written or removed. */
export async function service(options: ServiceOptions, deps: ServiceDeps = {}): Promise<string> {
  const print = options.print ?? ((line: string) => console.log(line));
  const platform = deps.platform ?? process.platform;
  if (platform !== 'linux' && platform !== 'darwin')
    throw new ExitError(
      2,
      `error: dorch service knows systemd (Linux) and launchd (macOS), not ${platform}; run \`dorch manager\` under ` +
        "your system's own service manager instead.",
    );
  const name = options.name ?? 'dorch';
  if (!NAME.test(name))
    throw new ExitError(
      2,
      `error: --name: "${name.slice(0, 70)}" is not a service name (letters, digits, . _ -)`,
    );
  const env = deps.env ?? process.env;
  const file = serviceFile(platform, name, deps.home ?? homedir(), env);
  const ours = () => existsSync(file) && readFileSync(file, 'utf8').includes(MARKER);
  if (existsSync(file) && !ours())
    throw new ExitError(
      2,
      `error: ${file} exists and was not written by dorch; it was left unchanged (pick another --name, or remove it)`,
    );
  const run = deps.run ?? defaultRun;
  const steps = new Steps(run, print);

  if (options.action === 'uninstall') {
    if (!existsSync(file)) {
      print(`No service "${name}" is installed (looked for ${file}).`);
      return file;
    }
    if (!options.filesOnly) {
      if (platform === 'linux')
        await steps.tryRun('systemctl', ['--user', 'disable', '--now', `${name}.service`]);
      else
        await steps.tryRun('launchctl', [
          'bootout',
          `gui/${deps.uid ?? userInfo().uid}/${launchdLabel(name)}`,
        ]);
    }
    rmSync(file);
    if (!options.filesOnly && platform === 'linux')
      await steps.tryRun('systemctl', ['--user', 'daemon-reload']);
    print(`Removed ${file}; the workers no longer start at boot.`);
    return file;
  }

  const configFile = resolve(options.config ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(configFile))
    throw new ExitError(
      2,
      `error: ${configFile} does not exist; run \`dorch setup\` first (or pass --config <file>)`,
    );
  const { config } = loadConfig({ file: configFile, env: {} });
  const workers = options.workers ?? Math.max(1, config.discord.workerTokens.length);
  for (const w of requireDiscordKeys(config, 'manager', { workers, file: configFile }))
    print(`warning: ${w}`);
  const workingDirectory = dirname(configFile);
  const spec: ServiceSpec = {
    name,
    command: [...(deps.cli ?? cliCommand()), '--config', configFile, 'manager', '--workers', String(workers)],
    workingDirectory,
    path: env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    logDirectory: resolve(workingDirectory, config.worker.runtimeDir, 'logs'),
    workers,
  };
  const updating = existsSync(file);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, platform === 'linux' ? systemdUnit(spec) : launchdPlist(spec), { mode: 0o644 });
  print(
    `${updating ? 'Updated' : 'Wrote'} ${file}: dorch manager --workers ${workers} in ${workingDirectory}.`,
  );
  if (options.filesOnly) {
    print(
      platform === 'linux'
        ? `Start it with: systemctl --user daemon-reload && systemctl --user enable --now ${name}.service`
        : `Start it with: launchctl bootstrap gui/$(id -u) ${file}`,
    );
    return file;
  }
  if (platform === 'linux') {
    await steps.mustRun('systemctl', ['--user', 'daemon-reload'], file);
    await steps.mustRun('systemctl', ['--user', 'enable', `${name}.service`], file);
    await steps.mustRun('systemctl', ['--user', 'restart', `${name}.service`], file);
    print(
      `Started. Status: systemctl --user status ${name}; logs: journalctl --user -u ${name} and ` +
        `${spec.logDirectory}/. To start at boot before you log in: loginctl enable-linger ${userInfo().username}`,
    );
  } else {
    const domain = `gui/${deps.uid ?? userInfo().uid}`;
    if (updating) await steps.tryRun('launchctl', ['bootout', `${domain}/${launchdLabel(name)}`]);
    await steps.mustRun('launchctl', ['bootstrap', domain, file], file);
    print(`Started; it starts again at every login. Logs: ${spec.logDirectory}/service.*.log`);
  }
  return file;
}

class Steps {
  constructor(
    readonly run: (command: string, args: string[]) => Promise<RunResult>,
    readonly print: (line: string) => void,
  ) {}

  async tryRun(command: string, args: string[]): Promise<boolean> {
    const r = await this.run(command, args);
    if (r.code !== 0) this.print(`warning: ${command} ${args.join(' ')} failed (${r.code}): ${r.output}`);
    return r.code === 0;
  }

  async mustRun(command: string, args: string[], file: string): Promise<void> {
    const r = await this.run(command, args);
    if (r.code === 0) return;
    throw new ExitError(
      1,
      `error: ${command} ${args.join(' ')} failed (${r.code === 127 ? `${command} is not installed` : `exit ${r.code}`})` +
        `${r.output ? `: ${r.output}` : ''}\n${file} is written; start it by hand once ${command} works, or remove ` +
        'it with `dorch service uninstall --files-only`.',
    );
  }
}
