/**
 * A fake OpenAI-compatible model server on loopback, for tests of every runner that talks chat completions
 * (our OpenAI runner, OpenClaw pointed at it through its config). Real HTTP over a real socket, deterministic
 * replies, configurable usage, scripted failures, and a record of every request.
 *
 * Routes: `POST /v1/chat/completions` (streaming SSE or plain JSON) and `GET /v1/models`.
 *
 * @example
 * ```ts
 * const server = await startFakeModelServer();
 * server.setMode('rate-limit', { times: 1, retryAfterSeconds: 0 }); // first request gets 429, then OK
 * // ... point a runner at server.url ('http://127.0.0.1:<port>/v1')
 * expect(server.requests[1]?.body.model).toBe('fake-model');
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Usage numbers the server reports, in OpenAI's shape. */
export interface FakeUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  /** OpenRouter's own cost figure in USD; omitted from answers when undefined. */
  cost?: number;
}

/**
 * How the server answers the next requests.
 * - `ok`: a normal completion.
 * - `error`: HTTP 500 (or `status`) with an OpenAI-style error body.
 * - `rate-limit`: HTTP 429 with `Retry-After: <retryAfterSeconds>`.
 * - `hang`: read the request, never answer (the connection stays open until the client gives up or `close()`).
 * - `reject-reasoning`: HTTP 400 "reasoning is not supported" when the body carries `reasoning_effort` or
 *   `reasoning`; a normal completion otherwise.
 */
export type FakeMode = 'ok' | 'error' | 'rate-limit' | 'hang' | 'reject-reasoning';

/** Extra settings for {@link FakeModelServer.setMode}. */
export interface FakeModeOptions {
  /**
   * Apply the mode to this many requests, then return to `ok` ("fail the first N requests then succeed").
   * @defaultValue undefined (every request until the mode is changed)
   */
  times?: number;
  /** @defaultValue 500 for `error`, 429 for `rate-limit`, 400 for `reject-reasoning` */
  status?: number;
  /** `Retry-After` header value for `rate-limit`. @defaultValue 1 */
  retryAfterSeconds?: number;
  /** The error body's `error.message` for `error` and `rate-limit`. @defaultValue a fixed sentence per mode */
  message?: string;
}

/** A tool call the model asks for instead of answering (the agent runs it and calls the model again). */
export interface FakeToolCall {
  toolCall: { name: string; arguments: Record<string, unknown> };
}

/**
 * A scripted reply: fixed text, or computed from the request body (text, or a {@link FakeToolCall}; a script that
 * calls a tool should answer with text once the request carries the tool's result, a `role: "tool"` message).
 */
export type FakeReply = string | ((body: ChatRequestBody) => string | FakeToolCall);

/** The parts of a chat-completions request body the server looks at (the rest is kept as sent). */
export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  tools?: unknown[];
  reasoning_effort?: string;
  reasoning?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
  [key: string]: unknown;
}

/** One request as received. `body` is the parsed JSON (or `{}` when there was none or it was not JSON). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: ChatRequestBody;
  /** The body exactly as sent. */
  raw: string;
  /** How the server answered: `ok`, a mode name, or `not-found`. */
  answeredWith: string;
}

/** Options for {@link startFakeModelServer}. */
export interface FakeModelServerOptions {
  /** @defaultValue `FAKE-REPLY: <first 40 chars of the last user message>` */
  reply?: FakeReply;
  /** @defaultValue 1234 prompt (200 cached), 56 completion, no cost */
  usage?: Partial<FakeUsage>;
  /** Ids listed by `GET /v1/models`. @defaultValue ['fake-model'] */
  models?: string[];
  /**
   * The `model` field of answers. @defaultValue the requested model (or `fake-model` when none was sent)
   */
  responseModel?: string;
  /** Split streamed text into chunks of this many characters. @defaultValue 8 */
  chunkSize?: number;
}

/** A running fake server. */
export interface FakeModelServer {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:40053/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Change how the next requests are answered. */
  setMode(mode: FakeMode, options?: FakeModeOptions): void;
  /** Script the reply text; `undefined` restores the default echo. */
  setReply(reply: FakeReply | undefined): void;
  /** Change the reported usage (merged over the current one). */
  setUsage(usage: Partial<FakeUsage>): void;
  /** Change the `model` field of answers; `undefined` echoes the requested model again. */
  setResponseModel(model: string | undefined): void;
  /** Stop listening and drop every open connection (hung requests included). Idempotent. */
  close(): Promise<void>;
}

/** The default reported usage: 1234 prompt tokens of which 200 cached, 56 completion tokens. */
export const DEFAULT_FAKE_USAGE: Readonly<FakeUsage> = Object.freeze({
  prompt_tokens: 1234,
  completion_tokens: 56,
  prompt_tokens_details: Object.freeze({ cached_tokens: 200 }),
});

/** The default reply: `FAKE-REPLY: ` and the first 40 characters of the last user message. */
export function defaultFakeReply(body: ChatRequestBody): string {
  return `FAKE-REPLY: ${lastUserText(body).slice(0, 40)}`;
}

/** Start a fake server on 127.0.0.1 on a free port. */
export async function startFakeModelServer(options: FakeModelServerOptions = {}): Promise<FakeModelServer> {
  const requests: RecordedRequest[] = [];
  let reply: FakeReply = options.reply ?? defaultFakeReply;
  let usage: FakeUsage = mergeUsage(DEFAULT_FAKE_USAGE, options.usage ?? {});
  let responseModel = options.responseModel;
  let mode: FakeMode = 'ok';
  let modeOptions: FakeModeOptions = {};
  let remaining = Infinity;
  const models = options.models ?? ['fake-model'];
  const chunkSize = Math.max(1, options.chunkSize ?? 8);
  const hung = new Set<ServerResponse>();
  let counter = 0;

  // The mode that applies to this request; counts down `times` and falls back to `ok`.
  const takeMode = (): { mode: FakeMode; options: FakeModeOptions } => {
    if (mode === 'ok' || remaining <= 0) return { mode: 'ok', options: {} };
    remaining -= 1;
    const taken = { mode, options: modeOptions };
    if (remaining <= 0) {
      mode = 'ok';
      modeOptions = {};
    }
    return taken;
  };

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const body = parseBody(raw);
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body,
        raw,
        answeredWith: 'ok',
      };
      requests.push(record);

      if (req.method === 'GET' && path === '/v1/models') {
        return sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
        });
      }
      if (req.method !== 'POST' || path !== '/v1/chat/completions') {
        record.answeredWith = 'not-found';
        return sendJson(res, 404, {
          error: { message: `no route ${req.method} ${path}`, type: 'not_found' },
        });
      }

      const taken = takeMode();
      record.answeredWith = taken.mode;
      switch (taken.mode) {
        case 'hang':
          hung.add(res);
          res.on('close', () => hung.delete(res));
          return;
        case 'error':
          return sendJson(res, taken.options.status ?? 500, {
            error: {
              message: taken.options.message ?? 'fake upstream error',
              type: 'server_error',
              code: taken.options.status ?? 500,
            },
          });
        case 'rate-limit':
          res.setHeader('Retry-After', String(taken.options.retryAfterSeconds ?? 1));
          return sendJson(res, taken.options.status ?? 429, {
            error: {
              message: taken.options.message ?? 'Rate limit exceeded: slow down',
              type: 'rate_limit_error',
              code: 429,
            },
          });
        case 'reject-reasoning':
          if (body.reasoning_effort !== undefined || body.reasoning !== undefined) {
            record.answeredWith = 'reject-reasoning';
            return sendJson(res, taken.options.status ?? 400, {
              error: {
                message: `Unsupported parameter: 'reasoning_effort'. Reasoning is not supported with this model.`,
                type: 'invalid_request_error',
                param: 'reasoning_effort',
              },
            });
          }
          record.answeredWith = 'ok';
          break;
        case 'ok':
          break;
      }

      counter += 1;
      const id = `chatcmpl-fake-${counter}`;
      const model = responseModel ?? body.model ?? 'fake-model';
      // Tools are ignored unless a reply script asks for a call: by default a tool-using agent finishes in one call.
      const scripted = typeof reply === 'function' ? reply(body) : reply;
      const text = typeof scripted === 'string' ? scripted : '';
      const toolCall =
        typeof scripted === 'string' ? undefined : { id: `call-fake-${counter}`, ...scripted.toolCall };
      const usageOut = usageBody(usage);
      if (body.stream === true) {
        return sendStream(res, {
          id,
          model,
          text,
          chunkSize,
          usage: body.stream_options?.include_usage ? usageOut : null,
          ...(toolCall ? { toolCall } : {}),
        });
      }
      if (toolCall) {
        return sendJson(res, 200, {
          id,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: toolCall.id,
                    type: 'function',
                    function: { name: toolCall.name, arguments: JSON.stringify(toolCall.arguments) },
                  },
                ],
              },
              finish_reason: 'tool_calls',
              logprobs: null,
            },
          ],
          usage: usageOut,
        });
      }
      return sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop', logprobs: null },
        ],
        usage: usageOut,
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    setMode(next, opts = {}) {
      mode = next;
      modeOptions = opts;
      remaining = opts.times ?? Infinity;
    },
    setReply(next) {
      reply = next ?? defaultFakeReply;
    },
    setUsage(next) {
      usage = mergeUsage(usage, next);
    },
    setResponseModel(model) {
      responseModel = model;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const res of hung) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function mergeUsage(base: Readonly<FakeUsage>, patch: Partial<FakeUsage>): FakeUsage {
  return {
    ...base,
    ...patch,
    prompt_tokens_details: { ...base.prompt_tokens_details, ...(patch.prompt_tokens_details ?? {}) },
  };
}

function usageBody(usage: FakeUsage): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.prompt_tokens_details.cached_tokens },
  };
  if (usage.cost !== undefined) out.cost = usage.cost;
  return out;
}

function lastUserText(body: ChatRequestBody): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i];
    if (m?.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    // Content-part arrays (`[{type:'text', text}]`) are what OpenClaw and vision clients send.
    if (Array.isArray(m.content)) {
      return m.content
        .map((part: unknown) =>
          part && typeof part === 'object' && 'text' in part && typeof part.text === 'string'
            ? part.text
            : '',
        )
        .join('');
    }
  }
  return '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseBody(raw: string): ChatRequestBody {
  if (!raw) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed && typeof parsed === 'object' ? (parsed as ChatRequestBody) : {};
  } catch {
    return {};
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) });
  res.end(data);
}

function sendStream(
  res: ServerResponse,
  init: {
    id: string;
    model: string;
    text: string;
    chunkSize: number;
    usage: Record<string, unknown> | null;
    toolCall?: { id: string; name: string; arguments: Record<string, unknown> };
  },
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id: init.id, object: 'chat.completion.chunk', created, model: init.model, choices, ...extra })}\n\n`;
  // Separate writes, so clients meet events split across reads as they do in real life.
  res.write(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
  for (let i = 0; i < init.text.length; i += init.chunkSize) {
    res.write(
      chunk([{ index: 0, delta: { content: init.text.slice(i, i + init.chunkSize) }, finish_reason: null }]),
    );
  }
  if (init.toolCall) {
    const call = init.toolCall;
    res.write(
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: JSON.stringify(call.arguments) },
              },
            ],
          },
          finish_reason: null,
        },
      ]),
    );
  }
  res.write(chunk([{ index: 0, delta: {}, finish_reason: init.toolCall ? 'tool_calls' : 'stop' }]));
  // With stream_options.include_usage, OpenAI sends one more chunk with empty choices and the usage.
  if (init.usage) res.write(chunk([], { usage: init.usage }));
  res.end('data: [DONE]\n\n');
}
