/**
 * What a chaos run must leave behind, read from Discord's state (the emulator's admin API), the agents' run log, the
 * process table and the runtime folder once the fleet has stopped: every submission once in `#task-queue`, exactly
 * one result per task chain (SUCCESS, or FAILED after its attempts), no chain run more often than its attempts, no
 * run beside an older run of its chain, no agent alive, empty outboxes and local queue, no thread left active.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawMessage } from '../../src/emulator/admin/routes.js';
import { Marks, namedCopy } from '../../src/bus/discord/task-life/names.js';
import { parseReportHeader } from '../../src/task/format.js';
import type { AgentRun } from './agent-log.js';
import { isRunning } from './processes.js';
import type { Submission } from './submissions.js';

/** The markers a text names. */
export function markersIn(text: string): string[] {
  return text.match(/\bchaos-[0-9a-f]{6}-\d{3}\b/g) ?? [];
}

/** Everything the checks read. */
export interface FinalState {
  submissions: Submission[];
  queue: RawMessage[];
  results: RawMessage[];
  runs: AgentRun[];
  /** Tasks (markers) whose every run was killed. */
  hunted: readonly string[];
  maxAttempts: number;
  /** `RUNTIME_DIR` of the fleet. */
  runtimeDir: string;
}

/** What the checks count. */
export interface StateFigures {
  results: number;
  success: number;
  /** FAILED after the last attempt ("gave up after N attempts"). */
  gaveUp: number;
  runs: number;
  /** Chains that ran more than once (a retry ran). */
  rerun: number;
  /** Retry copies in `#task-queue`. */
  retries: number;
  /** Task messages marked ↩️ (handed back). */
  handBacks: number;
  /** Copies marked ♻️ (not the live copy). */
  duplicates: number;
  /** Copies that are not the live one and carry no ♻️ yet (a later poll marks them; never run: the claim checks). */
  unmarkedCopies: number;
  /** Handed-back tasks (their thread names the live copy) without the ↩️ mark (the mark is a courtesy). */
  unmarkedHandBacks: number;
  /** Results of a run that was handed back while it ran and then won its copy. */
  lateReports: number;
  /** Tasks submitted during the outage that ran from the local queue (their result published later). */
  localRuns: number;
  /** Largest number of runs of one chain. */
  maxRunsPerTask: number;
}

/** The checks' verdict: figures, and the broken guarantees (empty when all hold). */
export interface StateCheck {
  figures: StateFigures;
  problems: string[];
}

const RETRY_TAG = /\[retry:\s*(\d+)\]/;

/** Check the final state (see the module comment). */
export async function checkFinalState(state: FinalState): Promise<StateCheck> {
  const problems: string[] = [];
  const known = new Set(state.submissions.map((s) => s.marker));
  const byMarker = <T>(items: T[], text: (t: T) => string) => {
    const map = new Map<string, T[]>();
    for (const item of items)
      for (const m of new Set(markersIn(text(item)))) map.set(m, [...(map.get(m) ?? []), item]);
    return map;
  };
  const firsts = byMarker(
    state.queue.filter((m) => !RETRY_TAG.test(m.content)),
    (m) => m.content,
  );
  const results = byMarker(state.results, (m) => m.content);
  const runs = byMarker(state.runs, (r) => r.chain);

  for (const s of state.submissions)
    if (s.error) problems.push(`${s.marker}: dorch submit failed (${s.way}): ${s.error}`);
  for (const m of [...firsts.keys(), ...results.keys(), ...runs.keys()])
    if (!known.has(m)) problems.push(`${m}: appears in Discord or the run log but was never submitted`);

  let success = 0;
  let gaveUp = 0;
  let localRuns = 0;
  for (const s of state.submissions) {
    const posted = firsts.get(s.marker)?.length ?? 0;
    const reported = results.get(s.marker) ?? [];
    const header = reported[0] ? parseReportHeader(reported[0].content) : null;
    const ranLocally = header?.taskId.startsWith('local-') ?? false;
    if (ranLocally) localRuns++;
    // A task queued locally during the outage and claimed there (a run as `local-…`) never reaches #task-queue as a
    // first attempt: its result does, or, when that run was cut short and handed back, a retry copy carries it on
    // there. One that waited until Discord was back is posted by the drain: one first attempt.
    const claimedLocally = (runs.get(s.marker) ?? []).some((r) => r.task.startsWith('local-'));
    const expectedPosts = s.via === 'local' && (ranLocally || claimedLocally) ? 0 : 1;
    if (posted !== expectedPosts)
      problems.push(`${s.marker}: ${posted} first attempt(s) in #task-queue, expected ${expectedPosts}`);
    if (reported.length !== 1)
      problems.push(`${s.marker}: ${reported.length} result(s), expected exactly one`);
    if (header?.outcome === 'SUCCESS') success++;
    else if (header?.outcome === 'FAILED') {
      const given = /gave up after (\d+) attempts?/.exec(reported[0]!.content);
      if (given && Number(given[1]) === state.maxAttempts) gaveUp++;
      else problems.push(`${s.marker}: FAILED, but not after its ${state.maxAttempts} attempts`);
    } else if (reported.length > 0) problems.push(`${s.marker}: its result has no readable header`);
    if (state.hunted.includes(s.marker) && header?.outcome !== 'FAILED')
      problems.push(`${s.marker}: every run was killed, yet it reported ${header?.outcome ?? 'nothing'}`);
    const ran = runs.get(s.marker) ?? [];
    if (ran.length > state.maxAttempts)
      problems.push(`${s.marker}: ran ${ran.length} times, more than its ${state.maxAttempts} attempts`);
  }

  for (const run of state.runs) {
    if (run.beside.length > 0)
      problems.push(
        `${run.chain}: run ${run.task} (pid ${run.pid}) started while ${run.beside.map((b) => `${b.task} (pid ${b.pid})`).join(', ')} still ran`,
      );
    if (isRunning(run.pid, run.pstart))
      problems.push(`${run.chain}: agent ${run.pid} (${run.task}) is still running after the fleet stopped`);
  }

  for (const m of state.queue) {
    const thread = m.thread as { id: string; thread_metadata?: { archived: boolean } } | undefined;
    if (thread && !thread.thread_metadata?.archived)
      problems.push(`thread ${thread.id} of ${markersIn(m.content)[0] ?? m.id} is still active`);
  }

  const left = await leftovers(state.runtimeDir);
  for (const file of left) problems.push(`left behind in ${state.runtimeDir}: ${file}`);

  const byId = new Map(state.queue.map((m) => [m.id, m]));
  const hasMark = (m: RawMessage, emoji: string) => (m.reactions ?? []).some((r) => r.emoji.name === emoji);
  const threadName = (m: RawMessage | undefined) => (m?.thread as { name?: string } | undefined)?.name;
  let unmarkedCopies = 0;
  for (const m of state.queue) {
    if (Number(RETRY_TAG.exec(m.content)?.[1] ?? 0) < 1) continue;
    const original = byId.get((m.message_reference as { message_id?: string } | undefined)?.message_id ?? '');
    if (namedCopy(threadName(original)) !== m.id && !hasMark(m, Marks.duplicate)) unmarkedCopies++;
  }
  const unmarkedHandBacks = state.queue.filter(
    (m) => namedCopy(threadName(m)) && !hasMark(m, Marks.handedBack),
  ).length;
  const reactionCount = (emoji: string) =>
    state.queue.filter((m) => (m.reactions ?? []).some((r) => r.emoji.name === emoji)).length;
  const chainRuns = [...runs.values()].map((r) => r.length);
  return {
    figures: {
      results: state.results.length,
      success,
      gaveUp,
      runs: state.runs.length,
      rerun: chainRuns.filter((n) => n > 1).length,
      retries: state.queue.filter((m) => Number(RETRY_TAG.exec(m.content)?.[1] ?? 0) > 0).length,
      handBacks: reactionCount(Marks.handedBack),
      duplicates: reactionCount(Marks.duplicate),
      unmarkedCopies,
      unmarkedHandBacks,
      lateReports: state.results.filter((m) => m.content.includes('handed back while it was still running'))
        .length,
      localRuns,
      maxRunsPerTask: Math.max(0, ...chainRuns),
    },
    problems,
  };
}

/** Undelivered reports (outboxes, set aside or not) and local tasks still queued or held. */
async function leftovers(runtimeDir: string): Promise<string[]> {
  const out: string[] = [];
  const list = async (dir: string) =>
    (await readdir(dir).catch(() => [] as string[])).map((f) => join(dir, f));
  for (const worker of await list(join(runtimeDir, 'outbox'))) {
    for (const f of await list(worker)) if (f.endsWith('.json')) out.push(f.slice(runtimeDir.length + 1));
    for (const f of await list(join(worker, 'set-aside'))) out.push(f.slice(runtimeDir.length + 1));
  }
  for (const sub of ['pending', 'claimed'])
    for (const f of await list(join(runtimeDir, 'queue', sub))) out.push(f.slice(runtimeDir.length + 1));
  return out;
}
