import { randomBytes } from 'node:crypto';
import { Routes, type APIMessage } from 'discord-api-types/v10';
import { describe, expect, it } from 'vitest';
import { discordError, restFor, useEmulator } from '../../helpers/emulator.js';

const emu = useEmulator({ rateLimits: false });

describe('multipart attachments', () => {
  it('stores uploaded files and serves the same bytes at the attachment url', async () => {
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    const binary = randomBytes(300_000);
    const text = Buffer.from('RESULT\nline 2\n');
    const m = (await rest.post(Routes.channelMessages(emu.world.channels.results), {
      body: { content: 'result attached', attachments: [{ id: 1, description: 'full result' }] },
      files: [
        { name: 'blob.bin', data: binary, contentType: 'application/octet-stream' },
        { name: 'RESULT.txt', data: text },
      ],
    })) as APIMessage;
    expect(m.content).toBe('result attached');
    expect(m.attachments.map((a) => a.filename)).toEqual(['blob.bin', 'RESULT.txt']);
    const [bin, txt] = m.attachments;
    expect(bin).toMatchObject({ size: binary.length, content_type: 'application/octet-stream' });
    expect(txt).toMatchObject({
      size: text.length,
      content_type: 'text/plain; charset=utf-8',
      description: 'full result',
    });
    for (const a of m.attachments) {
      expect(a.id).toMatch(/^\d{17,20}$/);
      expect(a.url).toMatch(
        new RegExp(`^http://127\\.0\\.0\\.1:\\d+/attachments/${emu.world.channels.results}/${a.id}/`),
      );
      expect(typeof a.proxy_url).toBe('string');
    }
    const downloaded = Buffer.from(await (await fetch(bin!.url)).arrayBuffer());
    expect(downloaded.equals(binary)).toBe(true);
    const res = await fetch(txt!.url);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe(text.toString());
    const viaProxy = Buffer.from(await (await fetch(txt!.proxy_url)).arrayBuffer());
    expect(viaProxy.equals(text)).toBe(true);
    // The stored message carries the attachment for everyone with history access.
    const got = (await restFor(emu.world, emu.world.tokens.submitter).get(
      Routes.channelMessage(emu.world.channels.results, m.id),
    )) as APIMessage;
    expect(got.attachments.map((a) => a.url)).toEqual(m.attachments.map((a) => a.url));
  });

  it('accepts a file-only message and drops files with their message', async () => {
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    const m = (await rest.post(Routes.channelMessages(emu.world.channels.results), {
      files: [{ name: 'only.txt', data: Buffer.from('x') }],
    })) as APIMessage;
    expect(m.content).toBe('');
    const url = m.attachments[0]!.url;
    expect((await fetch(url)).status).toBe(200);
    await rest.delete(Routes.channelMessage(emu.world.channels.results, m.id));
    expect((await fetch(url)).status).toBe(404);
  });

  it('refuses more than 10 files (30015) and files over 10 MiB (413/40005)', async () => {
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    const eleven = Array.from({ length: 11 }, (_, i) => ({
      name: `f${i}.txt`,
      data: Buffer.from(String(i)),
    }));
    const many = await discordError(
      rest.post(Routes.channelMessages(emu.world.channels.results), {
        body: { content: 'x' },
        files: eleven,
      }),
    );
    expect([many.status, many.code]).toEqual([400, 30015]);
    const big = await discordError(
      rest.post(Routes.channelMessages(emu.world.channels.results), {
        files: [{ name: 'big.bin', data: Buffer.alloc(10 * 1024 * 1024 + 1) }],
      }),
    );
    expect([big.status, big.code]).toEqual([413, 40005]);
    const ten = await rest.post(Routes.channelMessages(emu.world.channels.results), {
      files: eleven.slice(0, 10),
    });
    expect((ten as APIMessage).attachments).toHaveLength(10);
  });

  it('keeps only the listed attachments on edit', async () => {
    const rest = restFor(emu.world, emu.world.tokens.workers[0]!);
    const m = (await rest.post(Routes.channelMessages(emu.world.channels.results), {
      body: { content: 'two files' },
      files: [
        { name: 'a.txt', data: Buffer.from('a') },
        { name: 'b.txt', data: Buffer.from('b') },
      ],
    })) as APIMessage;
    const keep = m.attachments[1]!;
    const edited = (await rest.patch(Routes.channelMessage(emu.world.channels.results, m.id), {
      body: { attachments: [{ id: keep.id }] },
    })) as APIMessage;
    expect(edited.attachments.map((a) => a.id)).toEqual([keep.id]);
    expect((await fetch(m.attachments[0]!.url)).status).toBe(404);
  });
});
