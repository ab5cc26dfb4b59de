/**
 * `discord-config.env` is also read by people's shells (the seed's scripts `source` it): what `writeEnvFile` writes,
 * a POSIX shell reads back identically. Runs `sh`, a process: an integration test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEnvFile } from '../../../src/config/env-file.js';

describe('writeEnvFile and a POSIX shell', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dorch-env-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Needs `sh`: not available on Windows.
  it.runIf(process.platform !== 'win32')('writes a file a POSIX shell reads back identically', () => {
    const entries = {
      WORKER1_TOKEN: 'abc.def.ghi',
      SPACES: 'a b  c',
      SHELLY: 'it\'s "$HOME" `cmd` \\ # not comment',
      EMPTY: '',
    };
    const path = join(dir, 'discord-config.env');
    writeEnvFile(path, entries);
    const script = `. "${path}"; printf '%s\\0' "$WORKER1_TOKEN" "$SPACES" "$SHELLY" "$EMPTY"`;
    const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' }).split('\0');
    expect(out.slice(0, 4)).toEqual([entries.WORKER1_TOKEN, entries.SPACES, entries.SHELLY, '']);
  });
});
