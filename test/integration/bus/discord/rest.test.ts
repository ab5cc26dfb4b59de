import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRest, isDroppedConnection } from '../../../../src/bus/discord/rest.js';

/** A server that destroys the first `drops` connections without an answer, then answers 200 `{"id":"1"}`. */
async function flakyServer(drops: number): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    if (requests <= drops) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"id":"1"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/api`, requests: () => requests };
}

let open: Server | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

describe('createRest: dropped connections', () => {
  it('retries one dropped connection (which @discordjs/rest alone does not) and succeeds', async () => {
    const flaky = await flakyServer(1);
    open = flaky.server;
    const rest = createRest({ apiUrl: flaky.url, token: 'token-1234567890' });
    await expect(rest.get('/users/@me')).resolves.toEqual({ id: '1' });
    expect(flaky.requests()).toBe(2);
  });

  it('gives up after its retries, with the socket error', async () => {
    const flaky = await flakyServer(10);
    open = flaky.server;
    const rest = createRest({ apiUrl: flaky.url, token: 'token-1234567890', dropRetries: 2 });
    const error = await rest.get('/users/@me').catch((e: unknown) => e);
    expect(isDroppedConnection(error)).toBe(true);
    expect(flaky.requests()).toBe(3);
  });

  it('the claim client (retries 0) never retries: a retried thread creation would answer 160004 to its winner', async () => {
    const flaky = await flakyServer(1);
    open = flaky.server;
    const rest = createRest({ apiUrl: flaky.url, token: 'token-1234567890', retries: 0 });
    await expect(rest.post('/channels/1/messages/2/threads', { body: { name: 'x' } })).rejects.toThrow();
    expect(flaky.requests()).toBe(1);
  });
});
