import { describe, expect, it } from 'vitest';
import { DEFAULT_THREAD_THROTTLE, ThreadThrottle } from '../../../src/emulator/thread-throttle.js';

function clock(start = 1_000_000) {
  const c = { now: start, advance: (ms: number) => (c.now += ms) };
  return c;
}

describe('ThreadThrottle', () => {
  it('is off by default, with a retry_after in the observed 145–280 s range when turned on', () => {
    expect(DEFAULT_THREAD_THROTTLE.enabled).toBe(false);
    expect(DEFAULT_THREAD_THROTTLE.retryAfterMs).toBeGreaterThanOrEqual(145_000);
    expect(DEFAULT_THREAD_THROTTLE.retryAfterMs).toBeLessThanOrEqual(280_000);
    const t = new ThreadThrottle();
    for (let i = 0; i < 100; i++) t.record('bot', 'guild');
    expect(t.check('bot', 'guild')).toBe(0);
  });

  it('engages after maxCreations within the window, per bot, and passes after retryAfterMs', () => {
    const c = clock();
    const t = new ThreadThrottle(
      { enabled: true, maxCreations: 3, windowMs: 10_000, retryAfterMs: 150_000 },
      () => c.now,
    );
    t.record('a', 'g');
    t.record('a', 'g');
    expect(t.check('a', 'g')).toBe(0);
    t.record('a', 'g');
    expect(t.check('a', 'g')).toBe(150_000);
    expect(t.check('b', 'g')).toBe(0);
    c.advance(149_999);
    expect(t.check('a', 'g')).toBe(1);
    c.advance(1);
    expect(t.check('a', 'g')).toBe(0);
    expect(t.active()).toEqual([]);
  });

  it('forgets creations older than the window', () => {
    const c = clock();
    const t = new ThreadThrottle({ enabled: true, maxCreations: 2, windowMs: 1000 }, () => c.now);
    t.record('a', 'g');
    c.advance(1000);
    t.record('a', 'g');
    expect(t.check('a', 'g')).toBe(0);
    c.advance(999);
    t.record('a', 'g');
    expect(t.check('a', 'g')).toBe(DEFAULT_THREAD_THROTTLE.retryAfterMs);
  });

  it('counts per guild when asked, throttling every bot of that guild', () => {
    const c = clock();
    const t = new ThreadThrottle({ enabled: true, maxCreations: 2, per: 'guild' }, () => c.now);
    t.record('a', 'g');
    t.record('b', 'g');
    expect(t.check('c', 'g')).toBeGreaterThan(0);
    expect(t.check('c', 'other')).toBe(0);
  });

  it('throttles right now for one bot, one guild or everyone, and lifts', () => {
    const c = clock();
    const t = new ThreadThrottle({}, () => c.now);
    t.throttleNow(5000, { userId: 'a' });
    expect(t.check('a', 'g')).toBe(5000);
    expect(t.check('b', 'g')).toBe(0);
    t.throttleNow(7000, { guildId: 'g' });
    expect(t.check('b', 'g')).toBe(7000);
    t.throttleNow(9000);
    expect(t.check('z', 'other')).toBe(9000);
    expect(
      t
        .active()
        .map((a) => a.key)
        .sort(),
    ).toEqual(['all', 'bot:a', 'guild:g']);
    t.lift();
    expect(t.check('a', 'g')).toBe(0);
  });

  it('rejects bad settings with a TypeError naming the key', () => {
    expect(() => new ThreadThrottle({ maxCreations: 0 })).toThrow(/`maxCreations`/);
    expect(() => new ThreadThrottle({ per: 'channel' as 'bot' })).toThrow(/`per`/);
    expect(() => new ThreadThrottle({ retryAfterMs: Number.NaN })).toThrow(/`retryAfterMs`/);
    expect(() => new ThreadThrottle().throttleNow(-1)).toThrow(/`durationMs`/);
  });
});
