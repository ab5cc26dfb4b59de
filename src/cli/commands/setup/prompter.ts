/**
 * The questions `dorch setup` asks, behind one small interface: the default implementation is `@clack/prompts` on
 * the terminal (or on any streams: tests type into it through a stream), and a test may pass its own.
 */
import type { Readable, Writable } from 'node:stream';

/** The user pressed Ctrl-C or Escape at a prompt. */
export class SetupCancelled extends Error {
  constructor() {
    super('setup cancelled');
    this.name = 'SetupCancelled';
  }
}

/** A validation: `undefined` accepts, a string is shown under the input and the question stays open. */
export type Validate = (value: string) => string | undefined | Promise<string | undefined>;

/** One choice of {@link Prompter.select}. */
export interface Choice<T extends string> {
  value: T;
  label: string;
  hint?: string;
}

/** What setup needs from a user interface. Every question throws {@link SetupCancelled} on cancel. */
export interface Prompter {
  intro(title: string): void;
  outro(message: string): void;
  note(message: string, title?: string): void;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  text(question: {
    message: string;
    placeholder?: string;
    /** Returned for an empty answer (and shown as the placeholder). */
    defaultValue?: string;
    validate?: Validate;
  }): Promise<string>;
  /** Masked input (tokens). */
  password(question: { message: string; validate?: Validate }): Promise<string>;
  confirm(question: { message: string; initialValue?: boolean }): Promise<boolean>;
  select<T extends string>(question: { message: string; options: Choice<T>[]; initialValue?: T }): Promise<T>;
}

/** Streams for {@link clackPrompter}. */
export interface PrompterStreams {
  /** @defaultValue `process.stdin` */
  input?: Readable;
  /** @defaultValue `process.stdout` */
  output?: Writable;
}

/** The `@clack/prompts` implementation. */
export async function clackPrompter(streams: PrompterStreams = {}): Promise<Prompter> {
  const clack = await import('@clack/prompts');
  const io = { input: streams.input ?? process.stdin, output: streams.output ?? process.stdout };
  const out = { output: io.output };
  const answer = <T>(value: T): Exclude<T, symbol> => {
    if (clack.isCancel(value)) throw new SetupCancelled();
    return value as Exclude<T, symbol>;
  };
  const wrap = (validate?: Validate, fallback?: string) =>
    validate ? (value: string | undefined) => validate((value ?? '').trim() || (fallback ?? '')) : undefined;
  return {
    intro: (title) => clack.intro(title, out),
    outro: (message) => clack.outro(message, out),
    note: (message, title) => clack.note(message, title, out),
    info: (message) => clack.log.info(message, out),
    success: (message) => clack.log.success(message, out),
    warn: (message) => clack.log.warn(message, out),
    error: (message) => clack.log.error(message, out),
    text: async (q) => {
      const value = answer(
        await clack.text({
          ...io,
          message: q.message,
          placeholder: q.placeholder ?? q.defaultValue,
          defaultValue: q.defaultValue,
          validate: wrap(q.validate, q.defaultValue),
        }),
      );
      return (value ?? '').trim() || (q.defaultValue ?? '');
    },
    password: async (q) =>
      answer(await clack.password({ ...io, message: q.message, validate: wrap(q.validate) })).trim(),
    confirm: async (q) =>
      answer(await clack.confirm({ ...io, message: q.message, initialValue: q.initialValue })),
    select: async <T extends string>(q: { message: string; options: Choice<T>[]; initialValue?: T }) =>
      answer(
        await clack.select<T>({
          ...io,
          message: q.message,
          // clack's Option type is conditional on the value type; these are plain strings.
          options: q.options as Parameters<typeof clack.select<T>>[0]['options'],
          initialValue: q.initialValue,
        }),
      ),
  };
}
