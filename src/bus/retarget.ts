/**
 * A late run's report, retold as the live retry copy's: when a claim was handed back while its holder was still
 * running, and the holder then won the copy's claim, its result counts for the copy.
 */
import { MAX_CONTENT_LENGTH } from '../task/format.js';

/**
 * The result of a late run, reported as the live copy: the header names the copy's id and a note says why. Stays
 * within Discord's 2000 characters by cutting the end of the prompt block (the prompt is in the task message).
 */
export function retargetReport(content: string, fromId: string, toId: string, note: string): string {
  const lines = content.split('\n');
  const head = lines.findIndex((l) => l.includes(`] ${fromId} by `));
  if (head < 0) return content;
  lines[head] = lines[head]!.replace(`] ${fromId} by `, `] ${toId} by `);
  // After the model line, before the blank line and the prompt.
  lines.splice(head + 2, 0, `Note: ${note}`);
  let out = lines.join('\n');
  const over = out.length - MAX_CONTENT_LENGTH;
  if (over > 0) {
    const open = lines.indexOf('```', lines.indexOf('Task Prompt:'));
    const close = lines.indexOf('```', open + 1);
    if (open >= 0 && close > open) {
      const prompt = lines.slice(open + 1, close).join('\n');
      const kept = `${prompt.slice(0, Math.max(0, prompt.length - over - 2))}…`;
      lines.splice(open + 1, close - open - 1, kept);
      out = lines.join('\n');
    }
  }
  return out.length > MAX_CONTENT_LENGTH ? out.slice(0, MAX_CONTENT_LENGTH) : out;
}

/** The note a late run's report carries. */
export function lateNote(firstRunId: string): string {
  return `first run as ${firstRunId}; handed back while it was still running, this run's result counts`;
}
