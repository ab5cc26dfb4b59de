/** Helpers for tests that look at the processes a fleet runs (through the product's own process search). */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentScope, byScope, killMarked } from '../../src/lib/processes/agent-marker.js';
import { findDorchProcesses, type DorchProcess } from '../../src/lib/processes/dorch-processes.js';
import { procTable } from '../../src/lib/processes/process-table.js';
import { signalIfSame } from '../../src/lib/processes/signal.js';

/** The dorch workers and managers running with HOME `home` (spawnCli uses the test's folder as HOME). */
export function dorchProcesses(home: string): DorchProcess[] {
  return findDorchProcesses({ table: procTable(), home });
}

/** The pid of the worker with id `workerId` running with HOME `home`, if any. */
export function workerPid(home: string, workerId: string): number | undefined {
  return dorchProcesses(home).find((p) => p.role === 'worker' && p.workerId === workerId)?.pid;
}

/** SIGKILL every dorch process and agent of HOME `home`: cleanup after a test, whatever state it left. */
export function killFleet(home: string): void {
  const table = procTable();
  for (const p of dorchProcesses(home)) signalIfSame(table, p, 'SIGKILL');
  killMarked(table, byScope(agentScope({ HOME: home })));
}

/** The number printed by a fixture agent as `<label> <n>` in a task's agent-output.log, if it is there yet. */
export async function pidInAgentLog(
  dir: string,
  workerId: string,
  taskId: string,
  label: string,
): Promise<number | undefined> {
  const file = join(dir, 'workers', workerId, 'tasks', taskId, 'agent-output.log');
  const text = await readFile(file, 'utf8').catch(() => '');
  const match = new RegExp(`${label} (\\d+)`).exec(text);
  return match ? Number(match[1]) : undefined;
}
