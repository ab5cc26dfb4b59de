/** Test helpers: start one emulator per test file, and build `@discordjs/rest` clients against it. */
import { DiscordAPIError, REST, type RESTOptions } from '@discordjs/rest';
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

/** A raw answer from {@link rawRequest}. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One HTTP request to the emulator's API without `@discordjs/rest` (no queueing, no retries): for checking headers. */
export async function rawRequest(
  world: Pick<EmulatorWorld, 'apiUrl'>,
  init: { method: string; path: string; token?: string; authorization?: string; body?: unknown },
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const authorization = init.authorization ?? (init.token ? `Bot ${init.token}` : undefined);
  if (authorization) headers.Authorization = authorization;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${world.apiUrl}/v10${init.path}`, {
    method: init.method,
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Resolve to the `DiscordAPIError` `promise` rejects with; fail on success or on any other error. */
export async function discordError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiscordAPIError) return error;
    throw error;
  }
  throw new Error('expected a DiscordAPIError, but the request succeeded');
}
