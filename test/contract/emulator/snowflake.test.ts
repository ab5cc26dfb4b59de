import { describe, expect, it } from 'vitest';
import {
  DISCORD_EPOCH,
  SnowflakeGenerator,
  isSnowflake,
  snowflakeTime,
} from '../../../src/emulator/snowflake.js';

describe('snowflakes', () => {
  it('encode the millisecond since the Discord epoch in the top bits', () => {
    const ms = Date.UTC(2026, 0, 1);
    const id = new SnowflakeGenerator({ now: () => ms }).next();
    expect(snowflakeTime(id)).toBe(ms);
    expect(BigInt(id) >> 22n).toBe(BigInt(ms) - DISCORD_EPOCH);
    expect(id).toMatch(/^\d{19}$/);
  });

  it('stay unique and increasing within one millisecond, past the 4096 increment limit', () => {
    const gen = new SnowflakeGenerator({ now: () => Date.UTC(2026, 0, 1) });
    let last = 0n;
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = gen.next();
      expect(BigInt(id) > last).toBe(true);
      last = BigInt(id);
      seen.add(id);
    }
    expect(seen.size).toBe(10_000);
  });

  it('never go backwards when the clock does', () => {
    let now = Date.UTC(2026, 0, 1);
    const gen = new SnowflakeGenerator({ now: () => now });
    const a = gen.next();
    now -= 1000;
    expect(BigInt(gen.next()) > BigInt(a)).toBe(true);
  });

  it('recognise decimal ids and 0 as cursors', () => {
    expect(isSnowflake('0')).toBe(true);
    expect(isSnowflake('1574707216097869824')).toBe(true);
    expect(isSnowflake('abc')).toBe(false);
    expect(isSnowflake('99999999999999999999')).toBe(false);
  });
});
