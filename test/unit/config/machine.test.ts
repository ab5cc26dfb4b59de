import { describe, expect, it } from 'vitest';
import { machineName, slotWorkerId } from '../../../src/config/machine.js';
import { loadConfig } from '../../../src/config/load.js';

const config = (machine?: string) =>
  ({ worker: { machineName: machine } }) as Parameters<typeof machineName>[0];

describe('machine names and worker ids', () => {
  it('MACHINE_NAME wins; else the host name’s first label, made safe for a worker id', () => {
    expect(machineName(config('lab'), () => 'ignored')).toBe('lab');
    expect(machineName(config(), () => 'build-box.example.com')).toBe('build-box');
    expect(machineName(config(), () => 'My Mac (2)')).toBe('My-Mac-2');
    expect(machineName(config(), () => 'a'.repeat(40))).toBe('a'.repeat(24));
    expect(machineName(config(), () => '...')).toBe('host');
  });

  it('slot ids fit a worker id ([A-Za-z0-9_-]{1,32})', () => {
    const id = slotWorkerId(
      machineName(config(), () => 'x'.repeat(60)),
      999,
    );
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
  });

  it('MACHINE_NAME is checked, naming the key', () => {
    expect(() => loadConfig({ file: '/nonexistent/x.env', env: { MACHINE_NAME: 'bad name!' } })).toThrow(
      /MACHINE_NAME: expected 1-24 letters, digits, - or _/,
    );
    expect(
      loadConfig({ file: '/nonexistent/x.env', env: { MACHINE_NAME: 'box-7' } }).config.worker.machineName,
    ).toBe('box-7');
  });
});
