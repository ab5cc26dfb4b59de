/**
 * What `dorch status` reads, from Discord only (so it works on any machine with the config): the queue through the
 * task-life module's reading of states, the newest results, and the workers' latest status lines. Usually three
 * requests: one page of each channel (the queue reads on while a page still has tasks waiting or running, results
 * while a page is still today's).
 */
import type { APIMessage } from 'discord-api-types/v10';
import type { DiscordBus } from '../../../bus/discord/discord-bus.js';
import type { TaskState } from '../../../bus/discord/task-life/state.js';
import type { Config } from '../../../config/schema.js';
import { parseReportHeader, parseStatus, readResultLine } from '../../../task/format.js';
import { resolveModel } from '../../../task/models.js';

/** A task waiting or running. */
export interface QueuedTask {
  taskId: string;
  /** The first attempt's id, for a retry copy. */
  origin?: string;
  /** 1 for a first attempt. */
  attempt: number;
  /** The model it asks for (resolved; the configured default when it names none). */
  model: string;
  /** A short preview of the prompt. */
  prompt: string;
  /** When it was posted (ISO). */
  submittedAt: string;
  /** Running: the worker, its machine (from its status line) and when it claimed the task (ISO). */
  worker?: string;
  machine?: string;
  claimedAt?: string;
}

/** One result from `#results`. */
export interface RecentResult {
  taskId: string;
  outcome: 'SUCCESS' | 'FAILED' | 'CANCELLED';
  /** The worker that ran it, or who cancelled it. */
  by: string;
  machine?: string;
  model?: string;
  costUsd?: number;
  /** When it was posted (ISO). */
  at: string;
}

/** A worker's latest status line in `#worker-pool`. */
export interface WorkerLine {
  workerId: string;
  status: string;
  detail: string;
  machine?: string;
  /** When it was posted or last edited (ISO). */
  at: string;
}

/** Everything `dorch status` shows (and `--json` prints). */
export interface FleetStatus {
  /** When it was read (ISO). */
  at: string;
  queue: { waiting: QueuedTask[]; running: QueuedTask[] };
  /** Newest first. */
  results: RecentResult[];
  /** Results posted today (UTC day): how many, which way, what they cost. */
  today: {
    day: string;
    results: number;
    SUCCESS: number;
    FAILED: number;
    CANCELLED: number;
    spendUsd: number;
    /** False when there were more results today than the pages read (the numbers are a lower bound). */
    complete: boolean;
  };
  /** By worker id. */
  workers: WorkerLine[];
}

/** Options of {@link readFleetStatus}. */
export interface ReadStatusOptions {
  /** Results to list. @defaultValue 10 */
  results?: number;
  /** Pages of `#results` read at most for today's numbers. @defaultValue 5 */
  resultPages?: number;
  now?: () => number;
}

/** Read the fleet's status (see the module comment). */
export async function readFleetStatus(
  bus: Pick<DiscordBus, 'survey' | 'history'>,
  config: Config,
  options: ReadStatusOptions = {},
): Promise<FleetStatus> {
  const now = (options.now ?? Date.now)();
  const d = config.discord;
  const workers = d.workerPoolChannel ? await readWorkers(bus, d.workerPoolChannel) : [];
  const machines = new Map(workers.filter((w) => w.machine).map((w) => [w.workerId, w.machine!]));
  const { tasks } = await bus.survey();
  const queued = (s: TaskState): QueuedTask => {
    const model = resolveModel(s.task.model, config.models);
    const row: QueuedTask = {
      taskId: s.task.id,
      attempt: s.task.retry + 1,
      model: model.ok ? model.model : (s.task.model ?? config.models.defaultModel),
      prompt: preview(s.task.prompt),
      submittedAt: s.task.submittedAt,
    };
    if (s.task.origin) row.origin = s.task.origin;
    if (s.worker) row.worker = s.worker;
    const machine = s.worker ? machines.get(s.worker) : undefined;
    if (machine) row.machine = machine;
    if (s.claimedAt !== undefined) row.claimedAt = new Date(s.claimedAt).toISOString();
    return row;
  };
  // Oldest first: the order workers take them.
  const oldest = [...tasks].reverse();
  const waiting = oldest.filter((s) => s.state === 'waiting').map(queued);
  const running = oldest.filter((s) => s.state === 'running').map(queued);
  const { results, today } = d.resultsChannel
    ? await readResults(bus, d.resultsChannel, now, options)
    : { results: [], today: emptyDay(now) };
  return { at: new Date(now).toISOString(), queue: { waiting, running }, results, today, workers };
}

async function readWorkers(bus: Pick<DiscordBus, 'history'>, channel: string): Promise<WorkerLine[]> {
  const latest = new Map<string, WorkerLine>();
  const machineOf = new Map<string, string>();
  for await (const page of bus.history(channel, 1)) {
    for (const message of page) {
      const line = parseStatus(message.content);
      if (!line) continue;
      if (line.machine && !machineOf.has(line.workerId)) machineOf.set(line.workerId, line.machine);
      const at = changedAt(message);
      const seen = latest.get(line.workerId);
      if (seen && seen.at >= at) continue;
      latest.set(line.workerId, {
        workerId: line.workerId,
        status: line.status,
        detail: line.detail,
        ...(line.machine ? { machine: line.machine } : {}),
        at,
      });
    }
  }
  // A worker's machine stays known from an older line when its latest does not name it.
  for (const line of latest.values()) {
    const machine = line.machine ?? machineOf.get(line.workerId);
    if (machine) line.machine = machine;
  }
  const collator = new Intl.Collator('en', { numeric: true });
  return [...latest.values()].sort((a, b) => collator.compare(a.workerId, b.workerId));
}

async function readResults(
  bus: Pick<DiscordBus, 'history'>,
  channel: string,
  now: number,
  options: ReadStatusOptions,
): Promise<{ results: RecentResult[]; today: FleetStatus['today'] }> {
  const today = emptyDay(now);
  const maxPages = options.resultPages ?? 5;
  const wanted = options.results ?? 10;
  const messages: APIMessage[] = [];
  let pages = 0;
  let ended = false;
  // Newest first: once a page reaches yesterday, every later one is older still.
  for await (const page of bus.history(channel, maxPages)) {
    pages++;
    messages.push(...page);
    if (page.some((m) => !m.timestamp.startsWith(today.day))) {
      ended = true;
      break;
    }
  }
  const results: RecentResult[] = [];
  const seen = new Set<string>();
  let nano = 0;
  for (const message of messages) {
    const line = readResultLine(message.content);
    // A task reported twice (a replay the nonce window missed) counts once.
    if (!line || seen.has(line.taskId)) continue;
    seen.add(line.taskId);
    const header = parseReportHeader(message.content);
    const entry: RecentResult = {
      taskId: line.taskId,
      outcome: line.outcome,
      by: line.by,
      at: message.timestamp,
    };
    if (line.machine) entry.machine = line.machine;
    if (header) {
      entry.model = header.model;
      entry.costUsd = header.costUsd;
    }
    if (results.length < wanted) results.push(entry);
    if (!message.timestamp.startsWith(today.day)) continue;
    today.results++;
    today[line.outcome]++;
    if (header) nano += Math.round(header.costUsd * 1e9);
  }
  today.spendUsd = nano / 1e9;
  today.complete = ended || pages < maxPages || messages.length % 100 !== 0;
  return { results, today };
}

function emptyDay(now: number): FleetStatus['today'] {
  return {
    day: new Date(now).toISOString().slice(0, 10),
    results: 0,
    SUCCESS: 0,
    FAILED: 0,
    CANCELLED: 0,
    spendUsd: 0,
    complete: true,
  };
}

// When a status message last changed: a worker may edit one message in place instead of posting a new one.
function changedAt(message: APIMessage): string {
  const posted = new Date(message.timestamp).toISOString();
  const edited = message.edited_timestamp ? new Date(message.edited_timestamp).toISOString() : '';
  return edited > posted ? edited : posted;
}

function preview(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
