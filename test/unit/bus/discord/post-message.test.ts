import { describe, expect, it } from 'vitest';
import { postMessage, type HttpAnswer, type HttpExchange } from '../../../../src/bus/discord/post-message.js';
import { BusUnavailableError, DiscordApiError, RateLimitedError } from '../../../../src/lib/errors.js';

/** A network seam answering from a script, recording each exchange. */
function script(...answers: (HttpAnswer | Error)[]) {
  const seen: HttpExchange[] = [];
  const waits: number[] = [];
  return {
    seen,
    waits,
    send: async (exchange: HttpExchange) => {
      seen.push(exchange);
      const next = answers.shift();
      if (!next) throw new Error('no more answers');
      if (next instanceof Error) throw next;
      return next;
    },
    sleep: async (ms: number) => void waits.push(ms),
  };
}

const ok = (id = '123'): HttpAnswer => ({ status: 200, headers: {}, text: JSON.stringify({ id }) });
const base = {
  apiUrl: 'https://discord.example/api/',
  token: 'secret-token',
  channelId: '42',
  content: 'hi',
  nonce: 'n1',
};

describe('postMessage (the submit path without the REST client)', () => {
  it('posts JSON with mentions off and the nonce enforced, as the bus does', async () => {
    const s = script(ok('99'));
    expect(await postMessage({ ...base, send: s.send, sleep: s.sleep })).toEqual({ id: '99' });
    const [exchange] = s.seen;
    expect(exchange!.url).toBe('https://discord.example/api/v10/channels/42/messages');
    expect(exchange!.headers).toMatchObject({
      Authorization: 'Bot secret-token',
      'Content-Type': 'application/json',
    });
    expect(exchange!.headers['User-Agent']).toMatch(/^DiscordBot \(/);
    expect(JSON.parse(exchange!.body.toString())).toEqual({
      content: 'hi',
      allowed_mentions: { parse: [] },
      nonce: 'n1',
      enforce_nonce: true,
    });
  });

  it('sends files as multipart: payload_json plus files[n], a quote in a name cannot break its header', async () => {
    const s = script(ok());
    await postMessage({
      ...base,
      files: [
        { name: 'a"b.txt', data: Buffer.from('one') },
        { name: 'c.bin', data: Buffer.from([0, 1]) },
      ],
      send: s.send,
      sleep: s.sleep,
    });
    const { headers, body } = s.seen[0]!;
    const boundary = /boundary=(.+)$/.exec(headers['Content-Type']!)![1]!;
    const text = body.toString('latin1');
    expect(text).toContain('name="payload_json"');
    expect(text).toContain('"attachments":[{"id":0,"filename":"a\\"b.txt"},{"id":1,"filename":"c.bin"}]');
    expect(text).toContain(
      'name="files[0]"; filename="a%22b.txt"\r\nContent-Type: application/octet-stream\r\n\r\none\r\n',
    );
    expect(text).toContain('name="files[1]"; filename="c.bin"');
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
  });

  it('waits out a short 429 and posts again with the same nonce; a long one is RateLimitedError', async () => {
    const limited = (s: number): HttpAnswer => ({
      status: 429,
      headers: {},
      text: JSON.stringify({ message: 'You are being rate limited.', retry_after: s, global: false }),
    });
    const s = script(limited(1.5), ok('7'));
    expect(await postMessage({ ...base, send: s.send, sleep: s.sleep })).toEqual({ id: '7' });
    expect(s.waits).toEqual([1550]);
    expect(s.seen.map((e) => JSON.parse(e.body.toString()).nonce)).toEqual(['n1', 'n1']);
    const long = script(limited(600));
    await expect(postMessage({ ...base, send: long.send, sleep: long.sleep })).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });

  it('retries a 5xx or a dropped connection, then says Discord is unreachable (BusUnavailableError)', async () => {
    const down: HttpAnswer = { status: 502, headers: {}, text: 'Bad Gateway' };
    const s = script(down, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), ok('5'));
    expect(await postMessage({ ...base, send: s.send, sleep: s.sleep })).toEqual({ id: '5' });
    expect(s.waits).toEqual([250, 500]);
    const never = script(down, down, down);
    const error = await postMessage({ ...base, send: never.send, sleep: never.sleep }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(never.seen).toHaveLength(3);
  });

  it('maps a 4xx to DiscordApiError with its code, and never puts the token in a message', async () => {
    const s = script({
      status: 403,
      headers: {},
      text: JSON.stringify({ message: 'Missing Permissions', code: 50013 }),
    });
    const error = (await postMessage({ ...base, send: s.send, sleep: s.sleep }).catch(
      (e: unknown) => e,
    )) as DiscordApiError;
    expect(error).toBeInstanceOf(DiscordApiError);
    expect([error.status, error.discordCode, error.method, error.route]).toEqual([
      403,
      50013,
      'POST',
      '/channels/:id/messages',
    ]);
    expect(error.message).not.toContain('secret-token');
  });
});
