/**
 * One message post over Node's own `http`/`https`, for `dorch submit`: loading `@discordjs/rest` (or even the
 * runtime's `fetch`) costs more CPU than the post itself, and a submit needs nothing else. Same rules as every post
 * the bus makes (`task-life/channel.ts`): mentions off, a nonce with `enforce_nonce` (so a retry here is never a
 * second post), and Discord's answers mapped to this project's errors as `errors.ts` maps the REST client's:
 * - a 4xx → {@link DiscordApiError} (status and Discord code kept);
 * - a 429 is waited out when Discord asks for at most `maxRateLimitWaitMs`, else {@link RateLimitedError};
 * - a 5xx, a timeout or a network failure is retried `retries` times, then {@link BusUnavailableError}.
 */
import { randomBytes } from 'node:crypto';
import type { ReportFile } from '../../task/report.js';
import { BusUnavailableError, DiscordApiError, RateLimitedError } from '../../lib/errors.js';

/** One HTTP exchange: what {@link PostMessageOptions.send} does. */
export interface HttpExchange {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
}

/** The answer of an {@link HttpExchange}. */
export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Options of {@link postMessage}. */
export interface PostMessageOptions {
  /** API base without the version (`https://discord.com/api`). */
  apiUrl: string;
  token: string;
  channelId: string;
  content: string;
  /** Up to 25 characters; sent with `enforce_nonce`. */
  nonce: string;
  files?: ReportFile[];
  /** Timeout of each try. @defaultValue 15000 */
  timeoutMs?: number;
  /** Tries after a 5xx, a timeout or a network failure (as the bus's client retries a dropped connection). @defaultValue 2 */
  retries?: number;
  /** The longest 429 `retry_after` waited out. @defaultValue 30000 */
  maxRateLimitWaitMs?: number;
  /** The network seam. @defaultValue {@link httpSend} (`node:http`/`node:https`) */
  send?: (exchange: HttpExchange) => Promise<HttpAnswer>;
  /** Waits between tries. @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

const ROUTE = '/channels/:id/messages';
const USER_AGENT = 'DiscordBot (https://github.com/discord-orchestration, 0.1)';

/** Post a message; resolves to it (its `id` at least). */
export async function postMessage(options: PostMessageOptions): Promise<{ id: string }> {
  const o = {
    timeoutMs: 15_000,
    retries: 2,
    maxRateLimitWaitMs: 30_000,
    send: httpSend,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    ...options,
  };
  const url = `${o.apiUrl.replace(/\/+$/, '')}/v10/channels/${o.channelId}/messages`;
  const payload = {
    content: o.content,
    allowed_mentions: { parse: [] },
    nonce: o.nonce,
    enforce_nonce: true,
  };
  const { type, body } = encode(payload, o.files ?? []);
  const headers = { Authorization: `Bot ${o.token}`, 'User-Agent': USER_AGENT, 'Content-Type': type };
  for (let attempt = 0; ; attempt++) {
    let answer: HttpAnswer;
    try {
      answer = await o.send({ url, method: 'POST', headers, body, timeoutMs: o.timeoutMs });
    } catch (error) {
      if (attempt < o.retries) {
        await o.sleep(250 * 2 ** attempt);
        continue;
      }
      const detail =
        error instanceof Error ? `${error.name}: ${codeOf(error) ?? error.message}` : String(error);
      throw new BusUnavailableError(`Discord unreachable for POST ${ROUTE} (${detail})`, { cause: error });
    }
    const json = parse(answer.text);
    if (answer.status >= 200 && answer.status < 300) return json as { id: string };
    if (answer.status === 429) {
      const waitMs = Number(json.retry_after ?? header(answer, 'retry-after') ?? 1) * 1000;
      if (waitMs > o.maxRateLimitWaitMs) throw new RateLimitedError(ROUTE, waitMs);
      await o.sleep(waitMs + 50);
      attempt--;
      continue;
    }
    if (answer.status >= 500) {
      if (attempt < o.retries) {
        await o.sleep(250 * 2 ** attempt);
        continue;
      }
      throw new BusUnavailableError(`Discord answered ${answer.status} to POST ${ROUTE}`);
    }
    throw new DiscordApiError({
      status: answer.status,
      discordCode: typeof json.code === 'number' ? json.code : 0,
      method: 'POST',
      route: ROUTE,
      message: typeof json.message === 'string' ? json.message : `HTTP ${answer.status}`,
    });
  }
}

/** The default network seam: one request with `node:http` or `node:https`, no keep-alive. */
export async function httpSend(exchange: HttpExchange): Promise<HttpAnswer> {
  const target = new URL(exchange.url);
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: exchange.method,
        headers: { ...exchange.headers, 'Content-Length': String(exchange.body.length) },
        timeout: exchange.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end(exchange.body);
  });
}

// JSON, or multipart with `payload_json` and `files[n]` when there are attachments (what Discord expects).
function encode(
  payload: Record<string, unknown>,
  files: readonly ReportFile[],
): { type: string; body: Buffer } {
  if (files.length === 0) return { type: 'application/json', body: Buffer.from(JSON.stringify(payload)) };
  const boundary = `dorch-${randomBytes(12).toString('hex')}`;
  const json = JSON.stringify({ ...payload, attachments: files.map((f, id) => ({ id, filename: f.name })) });
  const parts: Buffer[] = [
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="payload_json"\r\n` +
        `Content-Type: application/json\r\n\r\n${json}\r\n`,
    ),
  ];
  files.forEach((f, i) => {
    // A file name cannot break out of its quotes or its header line.
    const name = f.name.replace(/[\r\n]/g, ' ').replace(/"/g, '%22');
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files[${i}]"; filename="${name}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      f.data,
      Buffer.from('\r\n'),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function header(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function codeOf(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
