/**
 * Inline task tags: `[model:X]`, `[thinking:Y]`, `[retry:N]`, `[origin:<task id>]`, `[author:<user id>]`,
 * `[parent:<task id>]` and `[depth:N]`, anywhere in the task text, in any order, case-insensitive names, whitespace tolerated (`[ Model : coder ]`).
 * Recognised tags are stripped from the prompt; any other bracketed text (`[foo:bar]`, `arr[0]`) stays exactly as
 * written.
 *
 * `[retry]`, `[origin]` and `[author]` describe a copy the fleet made of someone's task; `[parent]` and `[depth]` a
 * task a running task delegated (posted by its worker). They are honoured only in messages a fleet bot wrote
 * (`trusted`); in anyone else's message they are stripped and ignored, so a person can never claim to be a retry of,
 * a child of, or to speak for, someone else.
 */
import { DEFAULT_MODEL_ALIASES, isModelId } from './models.js';
import { isSafeTaskId, THINKING_LEVELS } from './task.js';

/** What {@link parseTaskText} read from a task message. */
export interface ParsedTaskText {
  /** The text with every recognised tag removed and the leftover whitespace tidied. */
  prompt: string;
  /** `[model:X]` as written (an alias or a `provider/model` id), not yet resolved. */
  model?: string;
  /** `[thinking:Y]` lower-cased, not yet validated. */
  thinking?: string;
  /** `[retry:N]`, 0 when absent. */
  retry: number;
  /** `[origin:<task id>]`, the first attempt's task id. */
  origin?: string;
  /** `[author:<user id>]`, the user who posted the first attempt (whose right to run the task counts). */
  author?: string;
  /** `[parent:<task id>]`, the running task that delegated this one. */
  parent?: string;
  /** `[depth:N]`, how many delegations deep this task is (absent: 0, submitted by a person or a program). */
  depth?: number;
  /** One sentence per malformed tag; a non-empty list means the task should be reported FAILED. */
  errors: string[];
}

/** Fields for {@link buildTaskText}. */
export interface TaskTextParts {
  prompt: string;
  model?: string;
  thinking?: string;
  retry?: number;
  origin?: string;
  author?: string;
  parent?: string;
  depth?: number;
}

/** Options of {@link parseTaskText}. */
export interface ParseTaskTextOptions {
  /**
   * The message was written by a fleet bot: `[retry]`, `[origin]` and `[author]` count. Otherwise they are stripped
   * from the prompt and ignored (no value, no error).
   * @defaultValue true
   */
  trusted?: boolean;
}

/** The error for a task without a prompt (callers that say it in their own words filter it out). */
export const EMPTY_PROMPT_ERROR = 'The task has no prompt: it is empty or holds only tags.';

type TagName = 'model' | 'thinking' | 'retry' | 'origin' | 'author' | 'parent' | 'depth';

/** Tags only a fleet bot's message may carry. */
const FLEET_TAGS: ReadonlySet<TagName> = new Set(['retry', 'origin', 'author', 'parent', 'depth']);

// A tag never spans lines and its value never contains `]` or `[` (so `[model:a [thinking:b]` is an unclosed model
// tag followed by a thinking tag, not a model named "a [thinking:b").
const TAG = /\[[ \t]*(model|thinking|retry|origin|author|parent|depth)[ \t]*:([^\][\n]*)\]/gi;

// A known tag opened and never closed on its line: `[model:coder fix this`.
const UNCLOSED = /\[[ \t]*(model|thinking|retry|origin|author|parent|depth)[ \t]*:(?![^\][\n]*\])/gi;

// Any `[name:value]`, to spot misspelt tags (`[modle:coder]`).
const NAMED = /\[[ \t]*([A-Za-z][A-Za-z_-]{0,19})[ \t]*:([^\][\n]*)\]/g;

/** The aliases and levels that make a near-miss name a misspelt tag (see {@link misspeltTag}). */
const MODEL_WORDS = new Set(Object.keys(DEFAULT_MODEL_ALIASES));

const EXAMPLES: Record<TagName, string> = {
  model: '[model:coder]',
  thinking: '[thinking:high]',
  retry: '[retry:1]',
  origin: '[origin:discord-1471241464699945010]',
  author: '[author:1471241464699945010]',
  parent: '[parent:discord-1471241464699945010]',
  depth: '[depth:1]',
};

/** Read the tags out of a task message and return the prompt without them. Never throws. */
export function parseTaskText(text: string, options: ParseTaskTextOptions = {}): ParsedTaskText {
  const trusted = options.trusted ?? true;
  const values: Partial<Record<TagName, string>> = {};
  const errors: string[] = [];

  const record = (name: TagName, raw: string): void => {
    if (!trusted && FLEET_TAGS.has(name)) return;
    const value = raw.trim();
    if (value === '') {
      errors.push(`The [${name}:] tag has no value; write it like ${EXAMPLES[name]}.`);
      return;
    }
    const normalized = name === 'thinking' ? value.toLowerCase() : value;
    const previous = values[name];
    // Repeating a tag is harmless; only a different value (ignoring case, as aliases do) is a conflict.
    if (previous === undefined) {
      values[name] = normalized;
    } else if (previous.toLowerCase() !== normalized.toLowerCase()) {
      const message = `Conflicting [${name}:] tags ("${clip(previous)}" and "${clip(normalized)}"); keep only one.`;
      if (!errors.includes(message)) errors.push(message);
    }
  };

  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    const spans: Array<[number, number]> = [];
    for (const match of line.matchAll(TAG)) {
      record(match[1]!.toLowerCase() as TagName, match[2]!);
      spans.push([match.index, match.index + match[0].length]);
    }
    if (spans.length === 0) {
      kept.push(line);
      continue;
    }
    const stripped = removeSpans(line, spans);
    if (stripped.trim() !== '') kept.push(stripped);
  }
  for (const line of lines) {
    for (const match of line.matchAll(UNCLOSED)) {
      const name = match[1]!.toLowerCase() as TagName;
      if (!trusted && FLEET_TAGS.has(name)) continue;
      addOnce(
        errors,
        `The [${name}: tag is not closed (no "]" after it on its line); write it like ${EXAMPLES[name]}.`,
      );
    }
    for (const match of line.matchAll(NAMED)) {
      const meant = misspeltTag(match[1]!, match[2]!);
      if (meant)
        addOnce(
          errors,
          `Unknown tag [${match[1]}:]; did you mean [${meant}:]? The tags are [model:X] and [thinking:Y], e.g. ` +
            `${EXAMPLES[meant]}.`,
        );
    }
  }

  // A fleet tag's value: valid, or an error naming what it needs (and the value is left out).
  const checked = (name: TagName, valid: (v: string) => boolean, needs: string): string | undefined => {
    const value = values[name];
    if (value === undefined || valid(value)) return value;
    errors.push(`The [${name}:] tag needs ${needs}; got "${clip(value)}".`);
    return undefined;
  };
  const wholeNumber = (digits: number) => (v: string) => new RegExp(`^\\d{1,${digits}}$`).test(v);
  const retryText = checked('retry', wholeNumber(4), 'a whole number, like [retry:1]');
  const retry = retryText === undefined ? 0 : Number(retryText);
  const origin = checked('origin', isSafeTaskId, `a task id like ${EXAMPLES.origin}`);
  const author = checked('author', wholeNumber(20), `a user id like ${EXAMPLES.author}`);
  const parent = checked('parent', isSafeTaskId, `a task id like ${EXAMPLES.parent}`);
  const depthText = checked('depth', wholeNumber(2), 'a whole number, like [depth:1]');
  const depth = depthText === undefined ? undefined : Number(depthText);
  const prompt = kept.join('\n').trim();
  if (prompt === '') errors.push(EMPTY_PROMPT_ERROR);

  const result: ParsedTaskText = { prompt, retry, errors };
  if (values.model !== undefined) result.model = values.model;
  if (values.thinking !== undefined) result.thinking = values.thinking;
  if (origin !== undefined) result.origin = origin;
  if (author !== undefined) result.author = author;
  if (parent !== undefined) result.parent = parent;
  if (depth !== undefined) result.depth = depth;
  return result;
}

// Remove tag spans from one line. Tags separated only by blanks form one group; a group at the start keeps the
// line's indentation, one at the end takes its leading blanks along, one in the middle leaves a single space.
function removeSpans(line: string, spans: Array<[number, number]>): string {
  const groups: Array<[number, number]> = [];
  for (const [start, end] of spans) {
    const last = groups.at(-1);
    if (last && /^[ \t]*$/.test(line.slice(last[1], start))) last[1] = end;
    else groups.push([start, end]);
  }
  let out = '';
  let cursor = 0;
  for (const [start, end] of groups) {
    let before = start;
    while (before > cursor && (line[before - 1] === ' ' || line[before - 1] === '\t')) before--;
    let after = end;
    while (after < line.length && (line[after] === ' ' || line[after] === '\t')) after++;
    const atStart = line.slice(0, before).trim() === '' && out.trim() === '';
    const atEnd = after === line.length;
    if (atStart) out += line.slice(cursor, start);
    else if (atEnd) out += line.slice(cursor, before);
    else out += line.slice(cursor, before) + (before < start || after > end ? ' ' : '');
    cursor = after;
  }
  return (out + line.slice(cursor)).trimEnd();
}

function addOnce(errors: string[], message: string): void {
  if (!errors.includes(message)) errors.push(message);
}

/**
 * The tag a `[name:value]` was probably meant to be, or `undefined`. A misspelling is a name close to `model` or
 * `thinking` (at most two typos, or a prefix such as `think`) carrying a value that tag takes: a default alias or a
 * `provider/model` id, a thinking level. Other bracketed text (`[mode:fast]`, `[note:x]`) stays text.
 */
export function misspeltTag(name: string, value: string): 'model' | 'thinking' | undefined {
  const n = name.toLowerCase();
  const v = value.trim();
  if (n === 'model' || n === 'thinking' || FLEET_TAGS.has(n as TagName)) return undefined;
  const near = (tag: string) => typoDistance(n, tag) <= 2 || (n.length >= 4 && tag.startsWith(n));
  if (near('model') && (MODEL_WORDS.has(v.toLowerCase()) || isModelId(v))) return 'model';
  if (near('thinking') && (THINKING_LEVELS as readonly string[]).includes(v.toLowerCase())) return 'thinking';
  return undefined;
}

// Edits (insert, delete, substitute, swap two neighbours) between two short words: optimal string alignment.
function typoDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/**
 * Build task text that {@link parseTaskText} reads back to the same parts: the prompt, then the tags (on the same
 * line for a one-line prompt, on a line of their own otherwise). `retry: 0` writes no tag. Throws `TypeError` for a
 * tag value that could not be read back (empty, or containing `]` or a line break).
 */
export function buildTaskText(parts: TaskTextParts): string {
  const tags: string[] = [];
  const add = (name: TagName, value: string | undefined): void => {
    if (value === undefined) return;
    const v = value.trim();
    if (v === '' || /[\]\n\r]/.test(v))
      throw new TypeError(`Expected a one-line [${name}:] value, got \`${value}\``);
    tags.push(`[${name}:${v}]`);
  };
  add('model', parts.model);
  add('thinking', parts.thinking);
  if (parts.retry !== undefined && parts.retry !== 0) {
    if (!Number.isInteger(parts.retry) || parts.retry < 0) {
      throw new TypeError(`Expected \`retry\` to be a whole number >= 0, got \`${parts.retry}\``);
    }
    add('retry', String(parts.retry));
  }
  add('origin', parts.origin);
  add('author', parts.author);
  add('parent', parts.parent);
  if (parts.depth !== undefined && parts.depth !== 0) {
    if (!Number.isInteger(parts.depth) || parts.depth < 0 || parts.depth > 99)
      throw new TypeError(`Expected \`depth\` to be a whole number 0-99, got \`${parts.depth}\``);
    add('depth', String(parts.depth));
  }
  const prompt = parts.prompt.trim();
  if (tags.length === 0) return prompt;
  return `${prompt}${prompt.includes('\n') ? '\n\n' : ' '}${tags.join(' ')}`;
}
