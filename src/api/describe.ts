/** One line for where a pending task is: `running on box-2 (attempt 2, as discord-…)`. */
import type { TaskLook } from '../bus/look.js';

/** Describe a pending look for people. */
export function describeLook(look: Extract<TaskLook, { state: 'pending' }>): string {
  const live = look.live;
  if (!live) return 'queued';
  const attempt =
    look.chain && look.chain.length > 1 ? ` (attempt ${look.chain.length}, as ${live.task.id})` : '';
  if (live.state === 'running') return `running on ${live.worker ?? 'a worker'}${attempt}`;
  if (live.state === 'waiting') return `waiting in #task-queue${attempt}`;
  return `${live.state}${attempt}`;
}
