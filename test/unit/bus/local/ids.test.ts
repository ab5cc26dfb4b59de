import { describe, expect, it } from 'vitest';
import {
  SNOWFLAKE_EPOCH_MS,
  compareLocalIds,
  createIdGenerator,
  isLocalTaskId,
  localIdNumber,
  snowflakeTime,
} from '../../../../src/bus/local/ids.js';
import { isSafeTaskId } from '../../../../src/task/task.js';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('createIdGenerator', () => {
  it('returns digits that encode the time and make safe task ids', () => {
    const next = createIdGenerator(
      () => NOW,
      () => 0.5,
    );
    const digits = next();
    expect(digits).toMatch(/^\d{1,20}$/);
    expect(isSafeTaskId(`local-${digits}`)).toBe(true);
    expect(snowflakeTime(digits)).toBe(NOW);
  });

  it('stays strictly increasing within one millisecond, past the counter size', () => {
    const next = createIdGenerator(
      () => NOW,
      () => 0.1,
    );
    const ids = Array.from({ length: 3000 }, () => BigInt(next()));
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('stays increasing when the clock goes back', () => {
    let now = NOW;
    const next = createIdGenerator(
      () => now,
      () => 0.1,
    );
    const first = BigInt(next());
    now -= 60_000;
    expect(BigInt(next()) > first).toBe(true);
  });

  it('gives two processes in the same millisecond different ids', () => {
    const a = createIdGenerator(
      () => NOW,
      () => 0.1,
    )();
    const b = createIdGenerator(
      () => NOW,
      () => 0.9,
    )();
    expect(a).not.toBe(b);
  });

  it('orders ids from later milliseconds after earlier ones', () => {
    const early = createIdGenerator(
      () => NOW,
      () => 0.99,
    )();
    const late = createIdGenerator(
      () => NOW + 1,
      () => 0,
    )();
    expect(compareLocalIds(`local-${early}`, `local-${late}`)).toBe(-1);
    expect(compareLocalIds(`local-${late}`, `local-${early}`)).toBe(1);
    expect(compareLocalIds(`local-${late}`, `local-${late}`)).toBe(0);
  });

  it('clamps times before the epoch instead of producing negative ids', () => {
    const digits = createIdGenerator(
      () => SNOWFLAKE_EPOCH_MS - 5,
      () => 0,
    )();
    expect(BigInt(digits) >= 0n).toBe(true);
  });
});

describe('local task ids', () => {
  it('accepts only local-<digits>', () => {
    expect(isLocalTaskId('local-123')).toBe(true);
    for (const bad of ['discord-123', 'local-', 'local-12a', 'local-../x', 'local-123456789012345678901']) {
      expect(isLocalTaskId(bad)).toBe(false);
    }
  });

  it('localIdNumber throws TypeError on other ids (numeric order, not string order)', () => {
    expect(localIdNumber('local-90')).toBe(90n);
    expect(compareLocalIds('local-90', 'local-100')).toBe(-1);
    expect(() => localIdNumber('discord-1')).toThrow(TypeError);
  });
});
