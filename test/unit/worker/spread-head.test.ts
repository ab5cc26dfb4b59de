import { describe, expect, it } from 'vitest';
import { spreadHead } from '../../../src/worker/claim-order.js';

describe('spreadHead', () => {
  it('permutes only the first k items and keeps the rest in order', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const items = Array.from({ length: 10 }, (_, i) => i);
    const firsts = new Set<number>();
    for (let n = 0; n < 50; n++) {
      const out = spreadHead(items, 4, random);
      expect([...out.slice(0, 4)].sort()).toEqual([0, 1, 2, 3]);
      expect(out.slice(4)).toEqual([4, 5, 6, 7, 8, 9]);
      firsts.add(out[0]!);
    }
    // Different workers start at different tasks.
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('handles lists shorter than k', () => {
    expect(spreadHead([1], 4, () => 0.3)).toEqual([1]);
    expect(spreadHead([], 4, () => 0.3)).toEqual([]);
  });
});
