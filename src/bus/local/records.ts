/**
 * The JSON records of the local queue, as people see them in `.runtime/queue/` and as the code checks them when
 * reading (files are human-editable, so nothing is trusted without a parse).
 */
import { z } from 'zod';
import type { Task } from '../../task/task.js';
import { LOCAL_TASK_ID } from './ids.js';

/** Version written into every record, so a later format can tell old files apart. */
export const RECORD_VERSION = 1;

const taskSchema = z.object({
  id: z.string().regex(LOCAL_TASK_ID),
  messageId: z.string().regex(/^\d{1,20}$/),
  prompt: z.string(),
  rawText: z.string(),
  model: z.string().optional(),
  thinking: z.string().optional(),
  retry: z.number().int().min(0),
  origin: z.string().optional(),
  parent: z.string().optional(),
  depth: z.number().int().min(0).optional(),
  authorId: z.string(),
  submittedAt: z.string(),
  attachments: z.array(z.object({ filename: z.string(), url: z.string(), size: z.number().int().min(0) })),
});

/** A queued task: the content of `pending/<id>.json`, `claimed/<id>.json` and the transition files. */
export interface TaskRecord {
  version: number;
  task: Task;
  /**
   * The nonce the submission was first tried with on the other bus (Discord): draining reposts with it, so a post
   * Discord took while its answer was lost is not doubled (within Discord's nonce window).
   */
  nonce?: string;
}

const taskRecordSchema = z.object({ version: z.number(), task: taskSchema, nonce: z.string().optional() });

/** The lease beside a claimed task (`claimed/<id>.lease.json`), rewritten by every heartbeat. */
export interface LeaseRecord {
  version: number;
  taskId: string;
  workerId: string;
  /** Random token: the claim's `handle`, so only the holder may renew or finish it. */
  token: string;
  claimedAt: number;
  heartbeatAt: number;
  progress: string;
}

const leaseRecordSchema = z.object({
  version: z.number(),
  taskId: z.string(),
  workerId: z.string(),
  token: z.string(),
  claimedAt: z.number(),
  heartbeatAt: z.number(),
  progress: z.string(),
});

/** How a task left the queue. */
export type DoneState = 'completed' | 'released' | 'drained';

/** A task that left the queue for good (`done/<id>.json`). */
export interface DoneRecord {
  version: number;
  task: Task;
  state: DoneState;
  /** ISO time. */
  finishedAt: string;
  workerId?: string;
  /** `completed`: the report as delivered; `files` names what is stored in `done/<id>.files/`. */
  report?: { outcome: 'SUCCESS' | 'FAILED'; content: string; summary: string; files: string[] };
  /** `released`: why, and the id of the retry that replaced it. */
  reason?: string;
  requeuedAs?: string;
  /** `drained`: where the task went. */
  movedTo?: { bus: string; taskId: string };
}

const doneRecordSchema = z.object({
  version: z.number(),
  task: taskSchema,
  state: z.enum(['completed', 'released', 'drained']),
  finishedAt: z.string(),
  workerId: z.string().optional(),
  report: z
    .object({
      outcome: z.enum(['SUCCESS', 'FAILED']),
      content: z.string(),
      summary: z.string(),
      files: z.array(z.string()),
    })
    .optional(),
  reason: z.string().optional(),
  requeuedAs: z.string().optional(),
  movedTo: z.object({ bus: z.string(), taskId: z.string() }).optional(),
});

/** Parse a task record, or null when the value is not one. */
export function parseTaskRecord(value: unknown): TaskRecord | null {
  const result = taskRecordSchema.safeParse(value);
  return result.success ? result.data : null;
}

/** Parse a lease record, or null when the value is not one. */
export function parseLeaseRecord(value: unknown): LeaseRecord | null {
  const result = leaseRecordSchema.safeParse(value);
  return result.success ? result.data : null;
}

/** Parse a done record, or null when the value is not one. */
export function parseDoneRecord(value: unknown): DoneRecord | null {
  const result = doneRecordSchema.safeParse(value);
  return result.success ? result.data : null;
}
