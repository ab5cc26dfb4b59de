/** GatewayClient against an in-process WebSocket server that speaks the Gateway's frames. */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  GatewayClient,
  GatewayClosedError,
  GatewayHandshakeError,
} from '../../../../src/agent/openclaw/gateway/client.js';

type Frame = { type: string; id: string; method: string; params: Record<string, unknown> };
let server: WebSocketServer | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that sends the challenge (unless told not to) and hands each request frame to `onRequest`. */
async function serve(
  onRequest: (frame: Frame, socket: WebSocket) => void,
  { challenge = true } = {},
): Promise<string> {
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket) => {
    if (challenge)
      socket.send(
        JSON.stringify({ type: 'event', event: 'connect.challenge', payload: { nonce: 'n', ts: 1 } }),
      );
    socket.on('message', (data) => onRequest(JSON.parse(String(data)) as Frame, socket));
  });
  await new Promise((r) => server!.once('listening', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const answer = (socket: WebSocket, id: string, ok: boolean, payload?: unknown, error?: unknown): void =>
  socket.send(JSON.stringify({ type: 'res', id, ok, payload, error }));

describe('GatewayClient', () => {
  it('connects as a local backend with the token, then waits past "accepted" for the final answer', async () => {
    const seen: Frame[] = [];
    const url = await serve((frame, socket) => {
      seen.push(frame);
      if (frame.method === 'connect') return answer(socket, frame.id, true, { type: 'hello-ok' });
      answer(socket, frame.id, true, { runId: 'r1', status: 'accepted' });
      setTimeout(() => answer(socket, frame.id, true, { runId: 'r1', status: 'ok' }), 20);
    });
    const client = await GatewayClient.connect({ url, token: 'tok' });
    const accepted: unknown[] = [];
    const final = await client.request(
      'agent',
      { message: 'hi' },
      { expectFinal: true, onAccepted: (p) => accepted.push(p) },
    );
    expect(final).toEqual({ ok: true, payload: { runId: 'r1', status: 'ok' } });
    expect(accepted).toEqual([{ runId: 'r1', status: 'accepted' }]);
    expect(seen[0]!.params).toMatchObject({
      minProtocol: 4,
      maxProtocol: 4,
      client: { id: 'gateway-client', mode: 'backend' },
      role: 'operator',
      scopes: ['operator.admin'],
      auth: { token: 'tok' },
    });
    client.close();
  });

  it('says so when the Gateway refuses the handshake', async () => {
    const url = await serve((frame, socket) =>
      answer(socket, frame.id, false, undefined, {
        code: 'INVALID_REQUEST',
        message: 'unauthorized: token mismatch',
      }),
    );
    const error = await GatewayClient.connect({ url, token: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayHandshakeError);
    expect((error as Error).message).toBe(
      'the OpenClaw Gateway refused the connection: unauthorized: token mismatch',
    );
  });

  it('gives up on a server that never sends the challenge', async () => {
    const url = await serve(() => {}, { challenge: false });
    await expect(GatewayClient.connect({ url, token: 'tok', timeoutMs: 300 })).rejects.toThrow(
      'no handshake from the OpenClaw Gateway within 300 ms',
    );
  });

  it('rejects pending requests with GatewayClosedError when the server goes away mid-request', async () => {
    const url = await serve((frame, socket) => {
      if (frame.method === 'connect') return answer(socket, frame.id, true, { type: 'hello-ok' });
      answer(socket, frame.id, true, { status: 'accepted' });
      socket.terminate();
    });
    const client = await GatewayClient.connect({ url, token: 'tok' });
    const closed: unknown[] = [];
    client.onClose((e) => closed.push(e));
    const error = await client.request('agent', {}, { expectFinal: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayClosedError);
    expect(client.closed).toBe(true);
    expect(closed).toHaveLength(1);
    await expect(client.request('status', {})).rejects.toBeInstanceOf(GatewayClosedError);
  });

  it('times out one request without closing the connection', async () => {
    const url = await serve((frame, socket) => {
      if (frame.method === 'connect') return answer(socket, frame.id, true, { type: 'hello-ok' });
      if (frame.method === 'status') answer(socket, frame.id, true, { tasks: { active: 0 } });
    });
    const client = await GatewayClient.connect({ url, token: 'tok' });
    await expect(client.request('silent', {}, { timeoutMs: 100 })).rejects.toThrow(
      'no answer to silent from the OpenClaw Gateway within 100 ms',
    );
    expect(await client.request('status', {})).toEqual({ ok: true, payload: { tasks: { active: 0 } } });
    client.close();
  });
});
