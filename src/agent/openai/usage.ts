/**
 * OpenAI usage blocks to {@link AgentUsage}. `prompt_tokens` includes cached tokens (and, on OpenRouter, cache
 * writes), while our `input` means uncached prompt tokens, as in OpenClaw: 1234 prompt with 200 cached is input
 * 1034, cacheRead 200.
 */
import type { AgentUsage } from '../../task/usage.js';

/** Usage and, when the endpoint reports it (OpenRouter's `usage.cost`), its own cost in USD. */
export interface ParsedUsage {
  usage: AgentUsage;
  costUsd?: number;
}

/** Parse a `usage` object; undefined when it is not one. */
export function usageFromOpenAI(raw: unknown): ParsedUsage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const u = raw as Record<string, unknown>;
  const details = (
    u.prompt_tokens_details && typeof u.prompt_tokens_details === 'object' ? u.prompt_tokens_details : {}
  ) as Record<string, unknown>;
  const prompt = count(u.prompt_tokens);
  const cacheRead = Math.min(prompt, count(details.cached_tokens));
  const cacheWrite = Math.min(prompt - cacheRead, count(details.cache_write_tokens));
  const parsed: ParsedUsage = {
    usage: {
      input: prompt - cacheRead - cacheWrite,
      output: count(u.completion_tokens),
      cacheRead,
      cacheWrite,
    },
  };
  if (typeof u.cost === 'number' && Number.isFinite(u.cost) && u.cost >= 0) parsed.costUsd = u.cost;
  return parsed;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
