import { describe, expect, it } from 'vitest';
import {
  fleetRecords,
  snowflakeTime,
  type FleetMessage,
  type ResultHeader,
} from '../../../src/cost/fleet.js';

async function* from(items: FleetMessage[]): AsyncIterable<FleetMessage> {
  yield* items;
}

// A stand-in for `parseReportHeader`: "OUTCOME taskId worker model in cached out cost".
function parse(content: string): ResultHeader | null {
  const p = content.split(' ');
  if (p.length !== 8) return null;
  return {
    outcome: p[0]!,
    taskId: p[1]!,
    workerId: p[2]!,
    model: p[3]!,
    thinking: 'low',
    tokensIn: Number(p[4]),
    cached: Number(p[5]),
    tokensOut: Number(p[6]),
    costUsd: Number(p[7]),
  };
}

describe('fleetRecords', () => {
  it('turns result messages into records: newest report per task wins, oldest first, input excludes cached', async () => {
    const records = await fleetRecords(
      from([
        {
          content: 'SUCCESS discord-2 worker-2 m/a 1234 200 56 0.004002',
          timestamp: '2026-03-02T10:00:00.000Z',
        },
        'hello, not a result',
        { content: 'FAILED discord-2 worker-1 m/a 10 0 1 0.1', timestamp: '2026-03-02T09:00:00.000Z' },
        { content: 'SUCCESS discord-1 worker-1 m/b 100 0 10 0.5', timestamp: '2026-03-01T09:00:00.000Z' },
      ]),
      parse,
    );
    expect(records.map((r) => r.taskId)).toEqual(['discord-1', 'discord-2']);
    expect(records[1]).toMatchObject({
      ts: '2026-03-02T10:00:00.000Z',
      workerId: 'worker-2',
      outcome: 'SUCCESS',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
    });
  });

  it('dates plain-string messages by the snowflake in the task id', async () => {
    // 175928847299117063 is Discord's documented example snowflake: 2016-04-30T11:18:25.796Z.
    expect(snowflakeTime('discord-175928847299117063')).toBe('2016-04-30T11:18:25.796Z');
    expect(snowflakeTime('local-12')).toBeUndefined();
    const records = await fleetRecords(from(['SUCCESS discord-175928847299117063 w m 1 0 1 0']), parse);
    expect(records[0]?.ts).toBe('2016-04-30T11:18:25.796Z');
  });

  it('marks an unreadable cost as unknown', async () => {
    const records = await fleetRecords(from(['SUCCESS local-5 w m 1 0 1 x']), parse);
    expect(records[0]).toMatchObject({ costUsd: 0, costSource: 'unknown', ts: '' });
  });
});
