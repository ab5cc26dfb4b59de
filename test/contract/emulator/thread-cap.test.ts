/**
 * The per-guild active-thread cap (160006 "Maximum number of active threads reached", opcodes-and-status-codes.mdx).
 * threads.mdx: "guilds are capped at a certain number of active threads, and only active threads can be
 * manipulated" and "Threads do not count against the max-channels limit in a guild, but there is a limit on the
 * maximum number of active threads in a guild." Unarchiving makes a thread active again, whether by PATCH or by a
 * post ("Sending a message will automatically unarchive the thread"), so the cap applies to both.
 */
import type { REST } from '@discordjs/rest';
import { Routes, type APIMessage, type APIThreadChannel } from 'discord-api-types/v10';
import { beforeAll, describe, expect, it } from 'vitest';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('active-thread cap', () => {
  let submitter: REST;
  let worker: REST;
  let queue: string;

  beforeAll(async () => {
    submitter = restFor(emu.world, emu.world.tokens.submitter);
    worker = restFor(emu.world, emu.world.tokens.workers[0]!);
    queue = emu.world.channels.taskQueue;
    // Set at runtime through the admin API; the emulator starts with its default (1000).
    await emu.admin.setActiveThreadLimit(3);
  });

  const open = async (): Promise<string> => {
    const m = (await submitter.post(Routes.channelMessages(queue), {
      body: { content: 'task' },
    })) as APIMessage;
    await worker.post(Routes.threads(queue, m.id), { body: { name: `claim ${m.id}` } });
    return m.id;
  };
  const archive = (id: string) => worker.patch(Routes.channel(id), { body: { archived: true } });
  const archived = async (id: string) =>
    ((await worker.get(Routes.channel(id))) as APIThreadChannel).thread_metadata?.archived;

  it('applies to create, unarchive by PATCH and unarchive by post, and counts only unarchived threads', async () => {
    const [a, b, c] = [await open(), await open(), await open()];
    const fourth = (await submitter.post(Routes.channelMessages(queue), {
      body: { content: 'fourth' },
    })) as APIMessage;
    const create = await discordError(worker.post(Routes.threads(queue, fourth.id), { body: { name: 'x' } }));
    expect(create.status).toBe(400);
    expect(create.rawError).toEqual({ message: 'Maximum number of active threads reached', code: 160006 });

    // Archived threads do not count: archiving one frees a slot for the fourth.
    await archive(a!);
    await worker.post(Routes.threads(queue, fourth.id), { body: { name: 'x' } });

    // Full again (b, c, fourth): unarchiving `a` by PATCH is refused, and so is a post into it.
    const patch = await discordError(worker.patch(Routes.channel(a!), { body: { archived: false } }));
    expect(patch.code).toBe(160006);
    const post = await discordError(worker.post(Routes.channelMessages(a!), { body: { content: 'revive' } }));
    expect(post.code).toBe(160006);
    expect(await archived(a!)).toBe(true);
    expect(await emu.admin.messages(a!)).toEqual([]);

    // Freeing a slot lets the post through, and the post unarchives `a`, which fills the cap again.
    await archive(b!);
    await worker.post(Routes.channelMessages(a!), { body: { content: 'revive' } });
    expect(await archived(a!)).toBe(false);
    expect((await discordError(worker.patch(Routes.channel(b!), { body: { archived: false } }))).code).toBe(
      160006,
    );
    // Posting into an active thread is never capped.
    await worker.post(Routes.channelMessages(c!), { body: { content: 'still active' } });

    // Raising the cap at runtime takes effect at once.
    await emu.admin.setActiveThreadLimit(4);
    await worker.patch(Routes.channel(b!), { body: { archived: false } });
    expect(await archived(b!)).toBe(false);
  });

  it('rejects a cap that is not a non-negative number, naming the key', async () => {
    await expect(emu.admin.setActiveThreadLimit(-1)).rejects.toThrow(/activeThreadLimit/);
  });
});
