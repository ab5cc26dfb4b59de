/**
 * The manager's live view, pinned down by a snapshot of the pure render function over slot states: a running task
 * with its elapsed time, a finished one, totals, a slot stopped for a reason a restart cannot fix (its reason on a
 * line of its own), a throttled one, and the latest events.
 */
import { describe, expect, it } from 'vitest';
import { compact, renderLiveView, type SlotState } from '../../../src/manager/live-view.js';
import { makeTask } from '../../helpers/fake-bus.js';

const NOW = Date.UTC(2026, 0, 2, 12, 0, 0);

function slot(over: Partial<SlotState> & Pick<SlotState, 'workerId'>): SlotState {
  return {
    status: 'READY',
    detail: 'Online and waiting',
    claim: null,
    claimedAt: null,
    totals: { tasks: 0, failed: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    last: null,
    restarts: 0,
    ...over,
  };
}

const SLOTS: SlotState[] = [
  slot({
    workerId: 'build-box-1',
    status: 'CLAIMED',
    detail: 'Working on discord-1471241464699945010',
    claim: {
      task: makeTask({ id: 'discord-1471241464699945010', messageId: '1471241464699945010' }),
      workerId: 'build-box-1',
      handle: 'p',
      claimedAt: NOW - 65_000,
    },
    claimedAt: NOW - 65_000,
    totals: { tasks: 3, failed: 1, tokensIn: 12_345, tokensOut: 678, costUsd: 0.004321 },
    last: { taskId: 'discord-1471241464699945001', outcome: 'FAILED', durationMs: 2000, costUsd: 0.001 },
  }),
  slot({
    workerId: 'build-box-2',
    status: 'READY',
    totals: { tasks: 1, failed: 0, tokensIn: 180, tokensOut: 61, costUsd: 0.000218 },
    last: { taskId: 'discord-1471241464699945002', outcome: 'SUCCESS', durationMs: 1500, costUsd: 0.000218 },
  }),
  slot({
    workerId: 'build-box-3',
    status: 'STOPPED',
    detail:
      'WORKER3_TOKEN: Discord rejected WORKER3_TOKEN (401 Unauthorized): the token is wrong, was reset, or is not a bot token.',
  }),
  slot({
    workerId: 'build-box-4',
    status: 'THROTTLED',
    detail:
      'Not claiming until 2026-01-02T12:02:30.000Z: Discord throttles thread creation (a claim) for 150 s',
  }),
];

describe('renderLiveView', () => {
  it('renders the slots as one table with totals, reasons and the latest events (snapshot)', () => {
    const lines = renderLiveView(SLOTS, {
      now: NOW,
      title: 'dorch manager · 4 worker(s) · openclaw runner · on build-box',
      events: [
        '11:59:58 build-box-2 SUCCESS    discord-1471241464699945002 in 1.5 s, $0.000218',
        '11:59:59 build-box-3 STOPPED    WORKER3_TOKEN: Discord rejected WORKER3_TOKEN (401 Unauthorized). Not restarting it.',
      ],
      footer: 'q or Ctrl-C stops',
      width: 120,
    });
    expect(lines.join('\n')).toMatchSnapshot();
  });

  it('cuts every line to the width (a wrapped line would break the redraw)', () => {
    const lines = renderLiveView(SLOTS, { now: NOW, title: 'x'.repeat(300), width: 60 });
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(60);
    expect(lines[0]).toMatch(/…$/);
  });

  it('shows elapsed time for a running task only, and numbers compactly', () => {
    const [, , running, idle] = renderLiveView(SLOTS.slice(0, 2), { now: NOW, title: 't', width: 200 });
    expect(running).toMatch(
      /build-box-1\s+CLAIMED\s+discord-1471241464699945010\s+1 min 5 s\s+3 \(1 failed\)\s+12k\/678\s+\$0\.004321/,
    );
    expect(idle).toMatch(/build-box-2\s+READY\s+discord-1471241464699945002 \(SUCCESS\)\s+-\s+1\s+180\/61/);
    expect([compact(999), compact(1234), compact(56_789), compact(2_500_000)]).toEqual([
      '999',
      '1.2k',
      '57k',
      '2.5M',
    ]);
  });
});
