/** The run log the chaos fixture agent (`test/fixtures/agents/chaos.mjs`) writes: one JSON line per event. */
import { readFile } from 'node:fs/promises';

/** One agent run as logged. */
export interface AgentRun {
  /** The task id it ran as (`discord-…`, `local-…`). */
  task: string;
  /** The `chaos-…` marker of its prompt: a task and its retry copies share it. */
  chain: string;
  worker: string;
  pid: number;
  /** The worker process that started it. */
  ppid: number;
  /** Its start time in /proc: with the pid, the process's identity. */
  pstart: string;
  startedAt: number;
  /** When it finished; undefined while it runs, or when it was killed. */
  endedAt?: number;
  /** Older runs of the same chain that were alive when this one started (must be empty). */
  beside: { task: string; pid: number }[];
}

interface Line {
  ev: 'start' | 'end' | 'beside';
  task: string;
  chain: string;
  worker: string;
  pid: number;
  ppid: number;
  pstart: string;
  at: number;
  beside?: { task: string; pid: number }[];
}

/** Every run in the log, in start order. A missing log is no runs. */
export async function readAgentRuns(file: string): Promise<AgentRun[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const runs = new Map<string, AgentRun>();
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    const line = JSON.parse(raw) as Line;
    const key = `${line.pid}.${line.pstart}`;
    if (line.ev === 'start')
      runs.set(key, {
        task: line.task,
        chain: line.chain,
        worker: line.worker,
        pid: line.pid,
        ppid: line.ppid,
        pstart: line.pstart,
        startedAt: line.at,
        beside: [],
      });
    const run = runs.get(key);
    if (!run) continue;
    if (line.ev === 'end') run.endedAt = line.at;
    if (line.ev === 'beside') run.beside.push(...(line.beside ?? []));
  }
  return [...runs.values()];
}
