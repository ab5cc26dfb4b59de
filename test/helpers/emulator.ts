/** Test helpers: start one emulator per test file, and build `@discordjs/rest` clients against it. */
import { REST, type RESTOptions } from '@discordjs/rest';
import { afterAll, beforeAll } from 'vitest';
import {
  startEmulator,
  type EmulatorAdmin,
  type EmulatorOptions,
  type EmulatorWorld,
  type RunningEmulator,
} from '../../src/emulator/index.js';

/** Access to the file's emulator; read the getters inside tests or hooks, not at collection time. */
export interface EmulatorHandle {
  readonly running: RunningEmulator;
  readonly world: EmulatorWorld;
  readonly admin: EmulatorAdmin;
}

/** Start an emulator before the file's tests and close it after them. */
export function useEmulator(options: EmulatorOptions = {}): EmulatorHandle {
  let running: RunningEmulator | undefined;
  beforeAll(async () => {
    running = await startEmulator(options);
  });
  afterAll(async () => {
    await running?.close();
  });
  const get = (): RunningEmulator => {
    if (!running)
      throw new Error('useEmulator: the emulator is not started yet (use it inside a test or hook)');
    return running;
  };
  return {
    get running() {
      return get();
    },
    get world() {
      return get().world;
    },
    get admin() {
      return get().admin;
    },
  };
}

/** A REST client for `token` against the emulator. */
export function restFor(
  world: Pick<EmulatorWorld, 'apiUrl'>,
  token: string,
  options: Partial<RESTOptions> = {},
): REST {
  return new REST({ ...options, api: world.apiUrl }).setToken(token);
}
