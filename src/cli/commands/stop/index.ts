/**
 * `dorch stop`: stop every worker and manager on this machine. Graceful by default (running tasks finish or
 * are requeued); `--force` is the emergency stop: agents are killed at once and their tasks requeued, and
 * anything still alive after a few seconds gets SIGKILL.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../config/load.js';
import { sleep } from '../../../lib/sleep.js';

/** Options of `dorch stop`. */
export interface StopOptions {
  config?: string;
  force?: boolean;
  /** How long to wait for processes to exit. @defaultValue 45000 (graceful), 10000 (force) */
  waitMs?: number;
  print?: (line: string) => void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signal all registered processes and wait for them to exit. Returns how many were running. */
export async function stop(options: StopOptions): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const { config } = await loadConfig({ file: options.config });
  const dir = join(config.worker.runtimeDir, 'pids');
  const entries: { name: string; pid: number; file: string }[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.pid')) continue;
    const file = join(dir, name);
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) entries.push({ name: name.slice(0, -4), pid, file });
    else await rm(file, { force: true }); // stale
  }
  if (entries.length === 0) {
    print('No workers or managers are running on this machine.');
    return 0;
  }
  const workers = entries.filter((e) => e.name !== 'manager');
  const managers = entries.filter((e) => e.name === 'manager');
  // Workers first: under --force they must get SIGUSR2 (kill the agent, requeue) before the manager's SIGTERM.
  for (const w of workers) process.kill(w.pid, options.force ? 'SIGUSR2' : 'SIGTERM');
  for (const m of managers) process.kill(m.pid, 'SIGTERM');
  print(
    `${options.force ? 'Emergency stop' : 'Stopping'}: signalled ${workers.length} worker(s), ${managers.length} manager(s).`,
  );
  const deadline = Date.now() + (options.waitMs ?? (options.force ? 10_000 : 45_000));
  while (entries.some((e) => alive(e.pid)) && Date.now() < deadline) await sleep(200);
  const left = entries.filter((e) => alive(e.pid));
  for (const e of left) {
    process.kill(e.pid, 'SIGKILL');
    await rm(e.file, { force: true });
  }
  if (left.length) print(`Killed ${left.length} process(es) that did not stop in time.`);
  print('All stopped.');
  return entries.length;
}
