/**
 * This machine's name, and the worker ids made from it. Many machines may run from one copied config: worker ids
 * must differ between them (a claim thread's name carries the id, and a worker that lost the answer to its claim
 * reads that name back to learn whether it won), so by default an id is `<machine>-<slot>`.
 */
import { hostname } from 'node:os';
import type { Config } from './schema.js';

/** Longest machine name: it must leave room for `-<slot>` in a 32-character worker id. */
export const MAX_MACHINE_NAME = 24;

/**
 * `MACHINE_NAME`, else the host name's first label reduced to letters, digits, `-` and `_` (`build-box` for
 * `build-box.example.com`), else `host`.
 */
export function machineName(config: Pick<Config, 'worker'>, host: () => string = hostname): string {
  if (config.worker.machineName) return config.worker.machineName;
  const label = (host().split('.')[0] ?? '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_MACHINE_NAME)
    .replace(/-+$/, '');
  return label || 'host';
}

/** The default id of worker slot `slot` (1-based) on `machine`: `build-box-1`. */
export function slotWorkerId(machine: string, slot: number): string {
  return `${machine}-${slot}`;
}
