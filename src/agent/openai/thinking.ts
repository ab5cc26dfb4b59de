/**
 * Thinking levels to OpenAI's `reasoning_effort`. The API knows `low`, `medium` and `high` everywhere (newer
 * models and OpenRouter know more), so the outer levels fold inward: `minimal` → `low`, `xhigh` → `high`.
 */
import type { ThinkingLevel } from '../../task/task.js';

/** Values of `reasoning_effort` this runner sends. */
export type ReasoningEffort = 'low' | 'medium' | 'high';

/** The effort for a thinking level; undefined for `off` (no reasoning parameter at all). */
export function reasoningEffortFor(level: ThinkingLevel): ReasoningEffort | undefined {
  switch (level) {
    case 'off':
      return undefined;
    case 'minimal':
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
    case 'xhigh':
      return 'high';
  }
}

/** The note added to a result when a model cannot reason. */
export function thinkingDowngradedNote(model: string): string {
  return `thinking downgraded to off: ${model} does not support reasoning`;
}
