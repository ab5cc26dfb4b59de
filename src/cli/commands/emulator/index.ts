/** `dorch emulator`: run the Discord API emulator until SIGINT/SIGTERM. */
import { existsSync } from 'node:fs';
import { writeConfigFile } from '../../../config/write-config.js';
import { startEmulator } from '../../../emulator/index.js';
import { worldConfig } from '../../../emulator/world-env.js';
import { ExitError } from '../../errors.js';

/** Options of {@link emulator}, as the command table passes them. */
export interface EmulatorCommandOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @defaultValue 0 */
  port?: number;
  /** Worker bots to seed. @defaultValue 3 */
  workers?: number;
  /** Also write a `discord-config.env` (mode 0600) pointing at the emulator. */
  envFile?: string;
  /** Replace an existing `envFile` (a backup is kept); without it an existing file is an error. @defaultValue false */
  force?: boolean;
  /** `false` (from `--no-rate-limits`) turns rate limiting off. @defaultValue true */
  rateLimits?: boolean;
  /** Resolves when the emulator should stop. @defaultValue the first SIGINT or SIGTERM */
  until?: Promise<unknown>;
}

const HEADER = [
  'Written by `dorch emulator`: points the fleet at a local Discord emulator. Contains tokens; keep it private.',
];

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Start the emulator, print the world as the first stdout line (JSON), then notes; stop on a signal. */
export async function emulator(options: EmulatorCommandOptions = {}): Promise<void> {
  if (options.envFile && existsSync(options.envFile) && !options.force)
    throw new ExitError(
      2,
      `error: ${options.envFile} already exists and was left unchanged; pass --force to replace it (a backup is ` +
        'kept), or --write-env <another file>',
    );
  const stop = options.until ?? signalled();
  const running = await startEmulator({
    port: options.port ?? 0,
    workers: options.workers ?? 3,
    rateLimits: options.rateLimits !== false,
    onInternalError: (error) =>
      console.error(
        'emulator internal error:',
        error instanceof Error ? (error.stack ?? error.message) : error,
      ),
  });
  try {
    const { world } = running;
    console.log(JSON.stringify(world));
    const written = options.envFile
      ? await writeConfigFile(options.envFile, worldConfig(world), {
          overwrite: options.force,
          header: HEADER,
        })
      : undefined;
    console.log(`Discord API emulator on ${world.apiUrl} (admin: ${world.adminUrl})`);
    console.log(
      `guild ${world.guildId}; ${world.tokens.workers.length} worker bots; rate limits ${options.rateLimits === false ? 'off' : 'on'}`,
    );
    if (written)
      console.log(
        `wrote ${options.envFile} (mode 0600)${written.backup ? `; the previous file is kept as ${written.backup}` : ''}`,
      );
    console.log('Ctrl-C or SIGTERM stops it.');
    await stop;
  } finally {
    await running.close();
  }
}
