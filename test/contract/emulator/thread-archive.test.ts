/**
 * Archived and locked threads, as Discord documents them. Sources (discord/discord-api-docs):
 * - developers/topics/threads.mdx, "Active & Archived Threads" and "Locked Threads";
 * - developers/resources/channel.mdx, "Modify Channel", JSON Params (Thread);
 * - 50083's answer text "Thread is archived" as clients see it (discord-api-docs issues #6884, #6928, #7707).
 */
import type { REST } from '@discordjs/rest';
import {
  PermissionFlagsBits,
  Routes,
  type APIMessage,
  type APIThreadChannel,
  type RESTGetAPIGuildThreadsResult,
} from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('archived and locked threads', () => {
  let submitter: REST;
  let w1: REST;
  let w2: REST;
  let stranger: REST;
  let queue: string;

  beforeAll(async () => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    w1 = restFor(emu.world, emu.world.tokens.workers[0]!);
    w2 = restFor(emu.world, emu.world.tokens.workers[1]!);
    // A plain member (no MANAGE_THREADS, no MANAGE_MESSAGES) created through the admin API: the attacker.
    stranger = restFor(emu.world, (await emu.admin.createUser({ name: 'stranger' })).token);
    queue = emu.world.channels.taskQueue;
  });

  /** A task message with a claim thread by worker-1, holding one message by worker-1; archived/locked as asked. */
  async function claimedThread(state: { archived?: boolean; locked?: boolean } = {}) {
    const task = (await submitter.post(Routes.channelMessages(queue), {
      body: { content: 'task' },
    })) as APIMessage;
    await w1.post(Routes.threads(queue, task.id), { body: { name: 'worker-1 · claim' } });
    const progress = (await w1.post(Routes.channelMessages(task.id), {
      body: { content: 'progress' },
    })) as APIMessage;
    if (state.archived || state.locked) {
      await w1.patch(Routes.channel(task.id), {
        body: { archived: state.archived ?? false, locked: state.locked ?? false },
      });
    }
    return { id: task.id, progress };
  }
  const thread = async (id: string) => (await w2.get(Routes.channel(id))) as APIThreadChannel;
  const post = (rest: REST, id: string, content: string) =>
    rest.post(Routes.channelMessages(id), { body: { content } }) as Promise<APIMessage>;

  it('a post into an archived thread unarchives it, even a stranger’s', async () => {
    // threads.mdx: "Sending a message will automatically unarchive the thread, unless the thread has been locked
    // by a moderator."
    const { id } = await claimedThread({ archived: true });
    const before = await thread(id);
    expect(before.thread_metadata?.archived).toBe(true);
    await new Promise((r) => setTimeout(r, 2));
    const revived = await post(stranger, id, 'revive');
    expect(revived.channel_id).toBe(id);
    const after = await thread(id);
    expect(after.thread_metadata?.archived).toBe(false);
    expect(after.thread_metadata?.locked).toBe(false);
    // threads.mdx: "`archive_timestamp` is changed when creating, archiving, or unarchiving a thread".
    expect(Date.parse(after.thread_metadata!.archive_timestamp)).toBeGreaterThan(
      Date.parse(before.thread_metadata!.archive_timestamp),
    );
    const active = (await w2.get(
      Routes.guildActiveThreads(emu.world.guildId),
    )) as RESTGetAPIGuildThreadsResult;
    expect(active.threads.map((t) => t.id)).toContain(id);
    expect((await emu.admin.messages(id)).map((m) => m.content)).toEqual(['progress', 'revive']);
  });

  it('a locked archived thread refuses posts from members without MANAGE_THREADS (50083) and stays archived', async () => {
    // threads.mdx: "Threads that have `locked` set to true can only be unarchived by a user with the
    // `MANAGE_THREADS` permission." A stranger's post cannot unarchive it, so it fails as a write into an archived
    // thread.
    const { id } = await claimedThread({ archived: true, locked: true });
    const error = await discordError(post(stranger, id, 'let me in'));
    expect(error.status).toBe(400);
    expect(error.code).toBe(50083);
    expect(error.rawError).toEqual({ message: 'Thread is archived', code: 50083 });
    expect((await thread(id)).thread_metadata).toMatchObject({ archived: true, locked: true });
    // A bot without MANAGE_THREADS in this channel is refused the same way.
    const channel = (await emu.admin.createChannel({ name: 'no-manage' })).id;
    const task = (await submitter.post(Routes.channelMessages(channel), {
      body: { content: 't' },
    })) as APIMessage;
    await w1.post(Routes.threads(channel, task.id), { body: { name: 'c' } });
    await w1.patch(Routes.channel(task.id), { body: { archived: true, locked: true } });
    await emu.admin.denyPermission(channel, emu.world.users.workers[1]!, PermissionFlagsBits.ManageThreads);
    expect((await discordError(post(w2, task.id, 'x'))).code).toBe(50083);
    expect((await emu.admin.messages(id)).map((m) => m.content)).toEqual(['progress']);
  });

  it('a MANAGE_THREADS holder’s post into a locked archived thread unarchives it; it stays locked', async () => {
    // threads.mdx, Locked Threads: "If a user or bot user has the `MANAGE_THREADS` permission, they will still be
    // able to make changes to the thread and messages", and only they can unarchive a locked thread. discord.js
    // models the same: ThreadChannel#sendable is false only for `archived && locked && !manageable`.
    const { id } = await claimedThread({ archived: true, locked: true });
    await post(w2, id, 'moderator note');
    expect((await thread(id)).thread_metadata).toMatchObject({ archived: false, locked: true });
    // While it is active and locked, members without MANAGE_THREADS get 160005 (codes: "Thread is locked").
    const locked = await discordError(post(stranger, id, 'hi'));
    expect(locked.status).toBe(400);
    expect(locked.code).toBe(160005);
  });

  it('in a locked active thread, members without MANAGE_THREADS cannot post or edit (160005) but can react and delete', async () => {
    // threads.mdx, Locked Threads: "Users won't be able to create or update messages in locked threads [...]
    // deleting messages and adding or removing reactions will *only* be allowed in locked threads if that thread
    // is also active (or un-archived)."
    const { id, progress } = await claimedThread();
    const own = await post(stranger, id, 'mine');
    await w1.patch(Routes.channel(id), { body: { locked: true } });
    expect((await discordError(post(stranger, id, 'more'))).code).toBe(160005);
    const edit = await discordError(
      stranger.patch(Routes.channelMessage(id, own.id), { body: { content: 'e' } }),
    );
    expect(edit.code).toBe(160005);
    await stranger.put(Routes.channelMessageOwnReaction(id, progress.id, encodeURIComponent('👀')));
    await stranger.delete(Routes.channelMessage(id, own.id));
    // The holder (MANAGE_THREADS) still edits its progress message in its locked thread.
    await w1.patch(Routes.channelMessage(id, progress.id), { body: { content: 'still here' } });
    const stored = await emu.admin.messages(id);
    expect(stored.map((m) => m.content)).toEqual(['still here']);
    expect(stored[0]!.reactions?.[0]?.users).toEqual([expect.any(String)]);
  });

  it('archived threads refuse message edits, reactions and joins with 400/50083 "Thread is archived"; deleting works', async () => {
    // threads.mdx: "Users cannot edit messages, add reactions, use application commands, or join archived
    // threads. The only operation that should happen within an archived thread is messages being deleted."
    const { id, progress } = await claimedThread();
    const extra = await post(w1, id, 'extra');
    const third = await post(w1, id, 'third');
    await w1.put(Routes.channelMessageOwnReaction(id, progress.id, encodeURIComponent('✅')));
    await w1.patch(Routes.channel(id), { body: { archived: true } });
    const attempts = [
      w1.patch(Routes.channelMessage(id, progress.id), { body: { content: 'heartbeat' } }),
      w2.put(Routes.channelMessageOwnReaction(id, progress.id, encodeURIComponent('✅'))),
      w1.delete(Routes.channelMessageOwnReaction(id, progress.id, encodeURIComponent('✅'))),
      w2.put(Routes.threadMembers(id, '@me')),
    ];
    for (const attempt of attempts) {
      const error = await discordError(attempt);
      expect(error.status).toBe(400);
      expect(error.rawError).toEqual({ message: 'Thread is archived', code: 50083 });
    }
    await w1.delete(Routes.channelMessage(id, extra.id));
    // Another member's message: MANAGE_MESSAGES (worker-2) deletes it in the archived thread too.
    await w2.delete(Routes.channelMessage(id, third.id));
    expect((await emu.admin.messages(id)).map((m) => m.content)).toEqual(['progress']);
    // None of this unarchived the thread.
    expect((await thread(id)).thread_metadata?.archived).toBe(true);
  });

  it('in a locked archived thread only MANAGE_THREADS holders delete (others 50083); bulk delete works for them', async () => {
    // threads.mdx, Locked Threads: deleting messages is "*only* allowed in locked threads if that thread is also
    // active" for users without MANAGE_THREADS.
    const { id, progress } = await claimedThread();
    const mine = await post(stranger, id, 'mine');
    await w1.patch(Routes.channel(id), { body: { archived: true, locked: true } });
    expect((await discordError(stranger.delete(Routes.channelMessage(id, mine.id)))).code).toBe(50083);
    await w2.post(Routes.channelBulkDelete(id), { body: { messages: [progress.id, mine.id] } });
    expect(await emu.admin.messages(id)).toEqual([]);
  });

  it('PATCH of an archived thread that does not set archived:false is refused (50083): one hand-back wins', async () => {
    // channel.mdx, Modify Channel (Thread): "Requires the thread to have `archived` set to `false` or be set to
    // `false` in the request." Locking an archived thread is refused the same way (issue #6928, "working as
    // intended").
    const { id } = await claimedThread();
    const handBack = (rest: REST, to: string) =>
      rest.patch(Routes.channel(id), { body: { name: `↩️ ${id} → ${to}`, archived: true, locked: true } });
    const outcomes = await Promise.allSettled([handBack(w1, 'a'), handBack(w2, 'b')]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as { code: number }).code).toBe(50083);
    const winner = (won[0] as PromiseFulfilledResult<APIThreadChannel>).value;
    expect((await thread(id)).name).toBe(winner.name);
    for (const body of [{ name: 'rename' }, { locked: false }, { archived: true }, {}]) {
      expect((await discordError(w1.patch(Routes.channel(id), { body }))).code).toBe(50083);
    }
    expect((await thread(id)).name).toBe(winner.name);
  });

  it('PATCH {name, archived:true, locked:true} applies all three at once, and locked needs MANAGE_THREADS', async () => {
    const { id } = await claimedThread();
    const done = (await w2.patch(Routes.channel(id), {
      body: { name: '↩️ handed back', archived: true, locked: true },
    })) as APIThreadChannel;
    expect(done.name).toBe('↩️ handed back');
    expect(done.thread_metadata).toMatchObject({ archived: true, locked: true });
    expect((await thread(id)).thread_metadata).toMatchObject({ archived: true, locked: true });

    // threads.mdx: "Editing a thread to change `rate_limit_per_user` or `locked` requires `MANAGE_THREADS`": the
    // creator of a thread without it is refused as a whole; nothing of the request is applied.
    const task = (await submitter.post(Routes.channelMessages(queue), {
      body: { content: 't' },
    })) as APIMessage;
    await stranger.post(Routes.threads(queue, task.id), { body: { name: 'mine' } });
    const error = await discordError(
      stranger.patch(Routes.channel(task.id), { body: { name: 'renamed', archived: true, locked: true } }),
    );
    expect(error.status).toBe(403);
    expect(error.code).toBe(50013);
    expect((await thread(task.id)).name).toBe('mine');
    expect((await thread(task.id)).thread_metadata).toMatchObject({ archived: false, locked: false });
    // Its creator may rename and archive without MANAGE_THREADS; others may not.
    const other = restFor(emu.world, (await emu.admin.createUser({ name: 'other' })).token);
    expect((await discordError(other.patch(Routes.channel(task.id), { body: { name: 'y' } }))).code).toBe(
      50013,
    );
    await stranger.patch(Routes.channel(task.id), { body: { name: 'mine again', archived: true } });
    expect((await thread(task.id)).thread_metadata?.archived).toBe(true);
  });

  it('unarchiving by PATCH: any member who may talk in an unlocked thread; only MANAGE_THREADS for a locked one', async () => {
    // channel.mdx: "When setting `archived` to `false`, when `locked` is also `false`, only the `SEND_MESSAGES`
    // permission is required. Otherwise, requires the `MANAGE_THREADS` permission." (threads.mdx: SEND_MESSAGES has
    // no effect in threads; SEND_MESSAGES_IN_THREADS is what counts there.)
    const open = await claimedThread({ archived: true });
    const reopened = (await stranger.patch(Routes.channel(open.id), {
      body: { archived: false },
    })) as APIThreadChannel;
    expect(reopened.thread_metadata?.archived).toBe(false);

    const locked = await claimedThread({ archived: true, locked: true });
    const refused = await discordError(
      stranger.patch(Routes.channel(locked.id), { body: { archived: false } }),
    );
    expect(refused.code).toBe(50013);
    expect((await thread(locked.id)).thread_metadata?.archived).toBe(true);
    const unlocked = (await w2.patch(Routes.channel(locked.id), {
      body: { archived: false, locked: false },
    })) as APIThreadChannel;
    expect(unlocked.thread_metadata).toMatchObject({ archived: false, locked: false });
  });
});
