/**
 * What the manager does with the claim of a worker that died holding it: a report still waiting in the worker's
 * outbox is delivered (the task finished; that is a completion, not a hand-back); otherwise the task is handed back
 * on the bus it belongs to (a `local-…` claim on the local queue, a Discord claim on Discord).
 */
import type { Bus, Claim } from '../bus/bus.js';
import type { Outbox } from '../worker/outbox.js';

/** What {@link recoverClaim} did. */
export type Recovery =
  /** The dead worker's report was in its outbox and is delivered now (`reported`, or dropped as `superseded`). */
  | { action: 'delivered'; outcome: 'reported' | 'superseded'; detail: string }
  /** Handed back: requeued, reported FAILED (out of attempts), refused, or lost (someone else was first). */
  | { action: 'requeued' | 'failed' | 'refused' | 'lost'; detail: string };

/** Recover a dead worker's claim (see the module comment). Bus errors propagate: the caller reports them. */
export async function recoverClaim(
  bus: Bus,
  outbox: Outbox,
  claim: Claim,
  reason: string,
): Promise<Recovery> {
  const entry = await outbox.get(claim.task.id);
  if (entry) {
    const done = await bus.complete(entry.claim, entry.report, { replay: true });
    await outbox.remove(claim.task.id);
    return done.outcome === 'reported'
      ? {
          action: 'delivered',
          outcome: 'reported',
          detail: `its report was in the outbox; reported as ${done.taskId}`,
        }
      : {
          action: 'delivered',
          outcome: 'superseded',
          detail: `its report was in the outbox; dropped: ${done.reason}`,
        };
  }
  const result = await bus.handBack(claim, reason);
  return result.action === 'requeued' || result.action === 'failed'
    ? { action: result.action, detail: `as ${result.taskId}` }
    : { action: result.action, detail: result.reason };
}
