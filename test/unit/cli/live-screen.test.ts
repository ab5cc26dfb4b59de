/** The terminal driver of the live view: each frame replaces the last one in place, lines fit the width. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveScreen } from '../../../src/cli/commands/manager/live-screen.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('LiveScreen', () => {
  it('draws, moves up over the last frame and clears before the next, and gives the cursor back', async () => {
    const out: string[] = [];
    let frame = 0;
    const widths: number[] = [];
    const screen = new LiveScreen({ write: (t: string) => out.push(t), columns: 72 }, (width) => {
      widths.push(width);
      frame++;
      return frame === 1 ? ['a', 'b', 'c'] : ['x', 'y'];
    });
    screen.start();
    expect(out).toEqual(['\u001b[?25l', '\u001b[Ja\nb\nc\n']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(out.at(-1)).toBe('\u001b[3F\u001b[Jx\ny\n');
    screen.schedule();
    screen.schedule(); // a burst of events: one frame
    await vi.advanceTimersByTimeAsync(60);
    expect(out.filter((t) => t.includes('\u001b[2F'))).toHaveLength(1);
    screen.stop();
    expect(out.at(-1)).toBe('\u001b[?25h');
    expect(widths.every((w) => w === 71)).toBe(true);
    const count = out.length;
    await vi.advanceTimersByTimeAsync(5000);
    expect(out).toHaveLength(count);
  });
});
