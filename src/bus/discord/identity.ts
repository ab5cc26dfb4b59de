/**
 * Resolves bot tokens to user ids (`GET /users/@me`), with a small disk cache keyed by a hash of the token,
 * because workers restart after every task and would otherwise ask again each time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Routes, type APIUser } from 'discord-api-types/v10';
import { createRest } from './rest.js';
import { toBusError } from './errors.js';

/** Hash a token for use as a cache key: the token itself is never written to disk. */
function tokenKey(apiUrl: string, token: string): string {
  return createHash('sha256').update(`${apiUrl}\0${token}`).digest('hex').slice(0, 32);
}

/** Options for {@link resolveUserIds}. */
export interface ResolveOptions {
  apiUrl: string;
  /** Cache file; undefined disables the cache. */
  cacheFile?: string;
}

/** The user id behind each token, in the same order. Throws the mapped REST error (401 for a bad token). */
export async function resolveUserIds(tokens: string[], options: ResolveOptions): Promise<string[]> {
  const cache = options.cacheFile ? await readCache(options.cacheFile) : {};
  let changed = false;
  const ids: string[] = [];
  for (const token of tokens) {
    const key = tokenKey(options.apiUrl, token);
    let id = cache[key];
    if (!id) {
      const rest = createRest({ apiUrl: options.apiUrl, token, retries: 1 });
      try {
        id = ((await rest.get(Routes.user('@me'))) as APIUser).id;
      } catch (error) {
        throw toBusError(error, 'GET', '/users/@me');
      }
      cache[key] = id;
      changed = true;
    }
    ids.push(id);
  }
  // The cache only saves requests: failing to write it must not stop a worker.
  if (changed && options.cacheFile) await writeCache(options.cacheFile, cache).catch(() => undefined);
  return ids;
}

async function readCache(file: string): Promise<Record<string, string>> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    // No cache yet, or a broken one: ask Discord (the cache only saves requests).
    return {};
  }
}

async function writeCache(file: string, cache: Record<string, string>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Unique per call: several workers in one process may write at the same moment.
  const tmp = join(dirname(file), `.identities.${randomUUID()}.tmp`);
  await writeFile(tmp, JSON.stringify(cache, null, 2), { mode: 0o600 });
  await rename(tmp, file);
}
