/**
 * The seed-named shell shims (DESIGN §10): each one runs the matching `dorch` command with the caller's arguments.
 * Run against a fake `dorch` that prints its arguments.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/fleet.js';

const SHIMS: [shim: string, args: string[], dorch: string][] = [
  ['bin/setup-discord.sh', [], 'setup'],
  ['bin/worker-manager-discord-curl.sh', ['--workers', '2'], 'manager --workers 2'],
  ['bin/worker-reaction.sh', [], 'worker --keep-alive'],
  ['bin/submit-to-queue.sh', ['Fix it', 'coder', 'high'], 'submit Fix it coder high'],
  ['bin/clear-task-queue.sh', [], 'clear'],
  ['bin/emergency-stop.sh', [], 'stop --force'],
  ['bin/debug-discord.sh', ['--json'], 'doctor --json'],
  ['tests/debug-discord.sh', [], 'doctor'],
];

describe('seed shims', () => {
  it.each(SHIMS)('%s %j runs `dorch %s`', (shim, args, expected) => {
    expect(statSync(join(ROOT, shim)).mode & 0o111).not.toBe(0);
    const root = mkdtempSync(join(tmpdir(), 'dorch-shim-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tests'));
    writeFileSync(join(root, 'bin/dorch'), '#!/usr/bin/env bash\necho "$*"\n', { mode: 0o755 });
    copyFileSync(join(ROOT, shim), join(root, shim));
    const out = execFileSync('bash', [join(root, shim), ...args], { encoding: 'utf8' });
    expect(out.trim()).toBe(expected);
  });
});
