/**
 * An agent's result made fit to leave the machine. Every string in it came from the agent (its answer, the model
 * it claims in USAGE.json, its error output, notes quoting its files), so each is redacted and stripped of control
 * characters once, before the worker posts, logs or stores any of it (the report, the ledger, `dorch costs`).
 */
import type { AgentResult } from '../agent/runner.js';
import { stripControls, stripControlsOneLine } from '../lib/control-chars.js';

// Longer model ids are not ids; the ledger keeps records small.
const MAX_MODEL_CHARS = 200;

/** The result with text, error, notes and model redacted and without control characters. */
export function cleanResult(result: AgentResult, redact: (text: string) => string): AgentResult {
  const clean = (text: string) => stripControls(redact(text));
  const model = stripControlsOneLine(redact(result.model)).trim().slice(0, MAX_MODEL_CHARS);
  const out: AgentResult = {
    ...result,
    text: clean(result.text),
    model: model || 'unknown',
    notes: result.notes.map(clean),
  };
  if (result.error !== undefined) out.error = clean(result.error);
  return out;
}
