/**
 * `dorch clear` against the emulator: it deletes the tasks a worker would claim next (the poll's rule, from
 * `task-life/`) and nothing else, on Discord and in the local queue, and changes nothing it does not delete (no 🚫,
 * no hand-back, no ♻️: those are the next poll's business). `--all` deletes every message of the queue.
 */
import { join } from 'node:path';
import { Routes } from 'discord-api-types/v10';
import type { REST } from '@discordjs/rest';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalBus } from '../../src/bus/local/local-bus.js';
import { clear } from '../../src/cli/commands/clear/index.js';
import { writeEnvFile } from '../../src/config/env-file.js';
import { BusUnavailableError } from '../../src/lib/errors.js';
import type { CreatedUser } from '../../src/emulator/admin/client.js';
import { buildTaskText } from '../../src/task/tags.js';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { emulatorEnv, scratch, submitterBus, workerBus } from '../helpers/fleet.js';

describe('dorch clear', () => {
  const emu = useEmulator({ workers: 2, rateLimits: false });
  let stranger: CreatedUser;
  let as: REST;
  let dir: string;
  let file: string;

  beforeEach(async () => {
    await emu.admin.seed({ workers: 2 });
    stranger = await emu.admin.createUser({ name: 'stranger' });
    as = restFor(emu.world, stranger.token);
    dir = await scratch();
    file = join(dir, 'discord-config.env');
    writeEnvFile(file, { ...emulatorEnv(emu.world), RUNTIME_DIR: join(dir, '.runtime') });
  });

  const queue = () => emu.world.channels.taskQueue;
  const ids = async () => (await emu.admin.messages(queue())).map((m) => m.id).sort();
  // Every reaction in the queue, as `<message id> <emoji> <user>` lines.
  const reactions = async () =>
    (await emu.admin.messages(queue())).flatMap((m) =>
      (m.reactions ?? []).flatMap((r) => r.users.map((u) => `${m.id} ${r.emoji.name} ${u}`)),
    );
  const run = async (all = false) => {
    const lines: string[] = [];
    const count = await clear({ config: file, all, print: (l) => lines.push(l) });
    return { count, lines };
  };

  it('deletes only waiting tasks: claimed, refused, foreign-threaded, stale copies and finished ones stay untouched', async () => {
    const submitter = submitterBus(emu.world);
    const worker = workerBus(emu.world, 0);
    const fleet = restFor(emu.world, emu.world.tokens.workers[1]!);
    const waiting = await submitter.submit('waiting');
    // A stranger's 🚫 and ♻️ on an allowed task block nothing: it waits.
    const strangerMarked = await submitter.submit('waiting, stranger marks');
    for (const emoji of ['🚫', '♻️'])
      await as.put(
        Routes.channelMessageOwnReaction(queue(), strangerMarked.messageId, encodeURIComponent(emoji)),
      );
    // Not waiting: a stranger's own task (would be refused), a claimed task, a task with a stranger's thread.
    const refused = (await as.post(Routes.channelMessages(queue()), {
      body: { content: 'stranger task' },
    })) as {
      id: string;
    };
    const claimed = await submitter.submit('claimed');
    const polled = await worker.poll();
    expect(
      await worker.claim(
        polled.find((t) => t.id === claimed.taskId)!,
        'worker-1',
      ),
    ).not.toBeNull();
    const foreign = await submitter.submit('stranger thread');
    await as.post(Routes.threads(queue(), foreign.messageId), { body: { name: 'mine now' } });
    // A handed-back original naming its live copy, and a stale copy it does not name.
    const original = await submitter.submit('handed back');
    const copy = async () =>
      (await fleet.post(Routes.channelMessages(queue()), {
        body: {
          content: buildTaskText({
            prompt: 'handed back',
            retry: 1,
            origin: original.taskId,
            author: emu.world.users.submitter,
          }),
          message_reference: { message_id: original.messageId },
        },
      })) as { id: string };
    const live = await copy();
    const stale = await copy();
    await fleet.post(Routes.threads(queue(), original.messageId), {
      body: { name: `worker-2 · ${original.taskId}` },
    });
    await fleet.patch(Routes.channel(original.messageId), {
      body: { name: `↩️ ${original.taskId} → discord-${live.id}`, archived: true, locked: true },
    });
    // A task queued locally while Discord was down waits too.
    const local = new LocalBus({ runtimeDir: join(dir, '.runtime') });
    const queuedLocally = await local.submit('queued during an outage');
    const before = await ids();
    const marked = await reactions();

    const { count, lines } = await run();

    expect(count).toBe(4);
    expect(lines).toEqual(['Deleted 4 waiting task(s) from #task-queue and the local queue.']);
    const gone = [waiting.messageId, strangerMarked.messageId, live.id];
    expect(await ids()).toEqual(before.filter((id) => !gone.includes(id)));
    expect(await ids()).toEqual(
      expect.arrayContaining([
        refused.id,
        claimed.messageId,
        foreign.messageId,
        original.messageId,
        stale.id,
      ]),
    );
    // Nothing but deletions: no 🚫 on the stranger's task, no ♻️ on the stale copy, no hand-back copy posted.
    expect(await reactions()).toEqual(marked.filter((line) => !line.startsWith(strangerMarked.messageId)));
    expect(await local.poll()).toEqual([]);
    expect(await local.findResult(queuedLocally.taskId)).toBeNull();
    await Promise.all([submitter.close(), worker.close(), local.close()]);
  });

  it('--all deletes every message of the queue, claimed ones too', async () => {
    const submitter = submitterBus(emu.world);
    const worker = workerBus(emu.world, 0);
    await submitter.submit('waiting');
    const claimed = await submitter.submit('claimed');
    await worker.claim(
      (await worker.poll()).find((t) => t.id === claimed.taskId)!,
      'worker-1',
    );
    await as.post(Routes.channelMessages(queue()), { body: { content: 'stranger task' } });

    const { count } = await run(true);

    expect(count).toBe(3);
    expect(await ids()).toEqual([]);
    await Promise.all([submitter.close(), worker.close()]);
  });

  it('with Discord unreachable: clears the local queue, says so, and fails with the outage', async () => {
    const submitter = submitterBus(emu.world);
    await submitter.submit('waiting on Discord');
    const local = new LocalBus({ runtimeDir: join(dir, '.runtime') });
    await local.submit('queued during an outage');
    await emu.admin.setFaults({ outage: true });
    const lines: string[] = [];
    try {
      await expect(clear({ config: file, print: (l) => lines.push(l) })).rejects.toBeInstanceOf(
        BusUnavailableError,
      );
    } finally {
      await emu.admin.clearFaults();
    }
    expect(lines).toEqual(['Deleted 1 waiting task(s) from the local queue.']);
    expect(await ids()).toHaveLength(1);
    await Promise.all([submitter.close(), local.close()]);
  });
});
