/**
 * A scripted terminal for prompt libraries that read an input stream and draw on an output stream
 * (`@clack/prompts`): wait until the screen shows a question, then type the answer's keystrokes.
 */
import { PassThrough } from 'node:stream';

/** Keystrokes. */
export const KEY = {
  enter: '\r',
  down: '\u001b[B',
  up: '\u001b[A',
  ctrlC: '\u0003',
  backspace: '\u007f',
} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

/** A fake terminal: `input`/`output` go to the prompts; `answer` waits for text on screen and types. */
export interface Terminal {
  input: PassThrough;
  output: PassThrough;
  /** Everything drawn so far, without colours and cursor moves. */
  screen(): string;
  /** Wait until `text` appears after what earlier waits consumed; rejects after `timeoutMs` with the screen. */
  see(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Wait for `text`, then type `keys`. */
  answer(text: string | RegExp, keys: string, timeoutMs?: number): Promise<void>;
}

/** A new terminal, wide enough that no line wraps. */
export function terminal(): Terminal {
  const input = new PassThrough();
  const output = new PassThrough();
  // Prompt libraries wrap at the output's width: make it wide, so a message is never split by a line break.
  Object.assign(output, { columns: 10_000, rows: 1000 });
  let screen = '';
  let consumed = 0;
  const listeners = new Set<() => void>();
  output.on('data', (chunk: Buffer) => {
    screen += chunk.toString().replace(ANSI, '');
    for (const l of [...listeners]) l();
  });
  const see = (text: string | RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const rest = screen.slice(consumed);
        const match =
          typeof text === 'string' ? { index: rest.indexOf(text), length: text.length } : rest.match(text);
        const index = match && 'index' in match ? (match.index ?? -1) : -1;
        if (index < 0) return;
        consumed += index + (typeof text === 'string' ? text.length : (match as RegExpMatchArray)[0].length);
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(
            `terminal: "${String(text)}" did not appear; the screen after the last match:\n${screen.slice(consumed)}`,
          ),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  return {
    input,
    output,
    screen: () => screen,
    see,
    answer: async (text, keys, timeoutMs) => {
      await see(text, timeoutMs);
      // The prompt listens for keys before it draws, but registers its "submitted" handler after drawing: type once
      // the drawing call has returned.
      await new Promise((r) => setImmediate(r));
      input.write(keys);
    },
  };
}
