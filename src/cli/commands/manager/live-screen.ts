/**
 * Draws the manager's live view on a terminal: each frame replaces the last one in place (cursor up, clear to the
 * end of the screen), once a second and soon after each event, with lines cut to the terminal's width so nothing
 * wraps and the cursor arithmetic stays right.
 */

/** A terminal stream (stdout). */
export interface TerminalStream {
  write(text: string): unknown;
  columns?: number;
}

/** Redraws `render(width)` in place until stopped. */
export class LiveScreen {
  readonly #out: TerminalStream;
  readonly #render: (width: number) => string[];
  #height = 0;
  #timer: NodeJS.Timeout | null = null;
  #pending: NodeJS.Timeout | null = null;

  /**
   * @param out the terminal
   * @param render the frame's lines for a width
   * @param intervalMs time between redraws @defaultValue 1000
   */
  constructor(
    out: TerminalStream,
    render: (width: number) => string[],
    readonly intervalMs = 1000,
  ) {
    this.#out = out;
    this.#render = render;
  }

  /** Hide the cursor, draw, and redraw every `intervalMs`. */
  start(): void {
    if (this.#timer) return;
    this.#out.write('\u001b[?25l');
    this.draw();
    this.#timer = setInterval(() => this.draw(), this.intervalMs);
    this.#timer.unref();
  }

  /** Redraw soon (events come in bursts: one frame for a burst). */
  schedule(): void {
    if (this.#pending || !this.#timer) return;
    this.#pending = setTimeout(() => {
      this.#pending = null;
      this.draw();
    }, 50);
    this.#pending.unref();
  }

  /** Draw one frame over the last. */
  draw(): void {
    const width = Math.max(40, (this.#out.columns ?? 100) - 1);
    const lines = this.#render(width);
    const up = this.#height > 0 ? `\u001b[${this.#height}F` : '';
    this.#out.write(`${up}\u001b[J${lines.join('\n')}\n`);
    this.#height = lines.length;
  }

  /** Draw the last frame and give the cursor back; later output goes under it. */
  stop(): void {
    if (!this.#timer) return;
    clearInterval(this.#timer);
    if (this.#pending) clearTimeout(this.#pending);
    this.#timer = null;
    this.#pending = null;
    this.draw();
    this.#out.write('\u001b[?25h');
    this.#height = 0;
  }
}
