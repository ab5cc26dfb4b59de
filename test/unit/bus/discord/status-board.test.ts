import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskChannel } from '../../../../src/bus/discord/task-life/channel.js';
import {
  MEMORY_STATUS_STORE,
  StatusBoard,
  fileStatusStore,
  type StatusStore,
} from '../../../../src/bus/discord/status-board.js';
import { DiscordApiError } from '../../../../src/lib/errors.js';

/** The two calls a status board makes, recorded; `editError` makes the next edit fail. */
function fakeChannel() {
  const calls: string[] = [];
  let next = 100;
  let editError: Error | null = null;
  let waitFor: Promise<void> | null = null;
  const channel = {
    async post(channelId: string, body: { content?: string }) {
      await waitFor;
      calls.push(`post ${channelId} ${body.content}`);
      return { id: String(next++) };
    },
    async edit(channelId: string, messageId: string, content: string) {
      await waitFor;
      if (editError) {
        const e = editError;
        editError = null;
        throw e;
      }
      calls.push(`edit ${channelId}/${messageId} ${content}`);
    },
  };
  return {
    channel: channel as unknown as TaskChannel,
    calls,
    failNextEdit: (e: Error) => (editError = e),
    hold: (p: Promise<void>) => (waitFor = p),
  };
}

const boards: StatusBoard[] = [];
afterEach(async () => {
  for (const b of boards.splice(0)) await b.flush(50);
});

function board(channel: TaskChannel, store: StatusStore = MEMORY_STATUS_STORE(), debounceMs = 30) {
  const made = new StatusBoard({ channel, channelId: 'pool', workerId: 'w1', store, debounceMs });
  boards.push(made);
  return made;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `calls` has `n` entries (writes happen in the background). */
async function writes(calls: string[], n: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  while (calls.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} writes, got ${JSON.stringify(calls)}`);
    await settle(5);
  }
  return calls;
}

describe('StatusBoard', () => {
  it('posts the first status once, then edits that message in place', async () => {
    const f = fakeChannel();
    const b = board(f.channel);
    b.set('READY');
    expect(await writes(f.calls, 1)).toEqual(['post pool READY']);
    b.set('CLAIMED');
    expect(await writes(f.calls, 2)).toEqual(['post pool READY', 'edit pool/100 CLAIMED']);
  });

  it('coalesces: a status that changes and changes back within the debounce writes nothing', async () => {
    const f = fakeChannel();
    const b = board(f.channel);
    b.set('READY');
    await writes(f.calls, 1);
    // A short task: CLAIMED, then READY again before the debounce ends.
    b.set('CLAIMED');
    b.set('READY');
    b.set('CLAIMED');
    b.set('DONE');
    await writes(f.calls, 2);
    // Only the newest of the four, once.
    expect(f.calls).toEqual(['post pool READY', 'edit pool/100 DONE']);
    b.set('READY');
    b.set('DONE');
    await b.flush();
    expect(f.calls).toHaveLength(2);
  });

  it('set never waits for Discord, and at most one write is in flight', async () => {
    const f = fakeChannel();
    let release!: () => void;
    f.hold(new Promise<void>((r) => (release = r)));
    const b = board(f.channel, MEMORY_STATUS_STORE(), 0);
    b.set('A');
    await settle(20);
    // The first write hangs; later statuses only replace the wanted text.
    for (const s of ['B', 'C', 'D']) b.set(s);
    expect(f.calls).toEqual([]);
    release();
    await writes(f.calls, 2);
    expect(f.calls).toEqual(['post pool A', 'edit pool/100 D']);
  });

  it('a later process edits the same message, and writes nothing when it already shows the status', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dorch-status-'));
    try {
      const store = fileStatusStore(dir);
      const f = fakeChannel();
      const first = board(f.channel, store);
      first.set('READY');
      await first.flush();
      const second = board(f.channel, store);
      second.set('READY');
      await second.flush();
      const third = board(f.channel, store);
      third.set('IDLE');
      await third.flush();
      expect(f.calls).toEqual(['post pool READY', 'edit pool/100 IDLE']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a transient status (RESTARTING) is written only if it lasts, never by flush', async () => {
    const f = fakeChannel();
    const b = board(f.channel, MEMORY_STATUS_STORE(), 1000);
    b.set('RESTARTING', true);
    await b.flush();
    expect(f.calls).toEqual([]);
    const lasting = board(f.channel, MEMORY_STATUS_STORE(), 10);
    lasting.set('RESTARTING', true);
    expect(await writes(f.calls, 1)).toEqual(['post pool RESTARTING']);
  });

  it('starts a new message when the old one is gone, and a failed write is only a warning', async () => {
    const f = fakeChannel();
    const b = board(f.channel);
    const warnings: string[] = [];
    b.on('warning', (m) => warnings.push(m));
    b.set('READY');
    await writes(f.calls, 1);
    f.failNextEdit(
      new DiscordApiError({
        status: 404,
        discordCode: 10008,
        method: 'PATCH',
        route: '/channels/:id/messages/:id',
        message: 'Unknown Message',
      }),
    );
    b.set('CLAIMED');
    expect(await writes(f.calls, 2)).toEqual(['post pool READY', 'post pool CLAIMED']);
    f.failNextEdit(new Error('socket hang up'));
    b.set('IDLE');
    await b.flush();
    expect(warnings).toEqual(['status not written: socket hang up']);
    expect(f.calls).toHaveLength(2);
  });

  it('refuses a bad debounce', () => {
    expect(
      () =>
        new StatusBoard({
          channel: fakeChannel().channel,
          channelId: 'p',
          workerId: 'w',
          store: MEMORY_STATUS_STORE(),
          debounceMs: -1,
        }),
    ).toThrow(/Expected `debounceMs` to be a finite number >= 0, got `-1`/);
  });
});
