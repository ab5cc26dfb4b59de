/**
 * The HTTP server: `/api/v9|v10/...` (Discord routes, behind faults, auth and rate limits), `/attachments/...`
 * (file downloads, the CDN stand-in) and `/_emulator/...` (admin API, loopback only, never faulted), plus
 * WebSocket upgrades for the gateway (`gateway/`).
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { sleep } from '../lib/sleep.js';
import { ApiError, Errors } from './api-error.js';
import { describeWrite, EventLog, isWrite, type EmulatorEvent } from './events.js';
import { FaultInjector, type FaultPlan } from './faults.js';
import { GatewayServer } from './gateway/gateway-server.js';
import type { StoredUser } from './models.js';
import { RateLimiter, rateLimitBody } from './rate-limit.js';
import { RequestBody } from './request-body.js';
import { Router, type Route, type RouteResult } from './router.js';
import { guildRoutes } from './routes/guilds.js';
import { messageRoutes } from './routes/messages.js';
import { reactionRoutes } from './routes/reactions.js';
import { threadRoutes } from './routes/threads.js';
import { StatsRecorder } from './stats.js';
import type { EmulatorState } from './state.js';
import { ThreadThrottle } from './thread-throttle.js';

/** Largest request body: Discord's 25 MiB per request plus room for multipart framing. */
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024 + 512 * 1024;

const UNAUTHENTICATED = '(unauthenticated)';
const ANONYMOUS: StoredUser = {
  id: '0',
  username: UNAUTHENTICATED,
  bot: false,
  token: '',
  messageContentIntent: true,
};

/** An admin request: method, path below `/_emulator`, parsed JSON body (or `{}`). */
export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

/** Handles admin requests; return `undefined` for an unknown admin route. */
export type AdminHandler = (request: AdminRequest) => Promise<{ status: number; body?: unknown } | undefined>;

/** Constructor options of {@link EmulatorServer}. */
export interface EmulatorServerOptions {
  state: EmulatorState;
  limiter: RateLimiter;
  /** Committed writes kept for `GET /_emulator/events`. @defaultValue 10000 */
  eventCapacity?: number;
  /** Thread-creation throttle. @defaultValue a disabled one */
  threadThrottle?: ThreadThrottle;
  /** Called with unexpected errors (answered as 500 to the client). @defaultValue ignore */
  onInternalError?: (error: unknown) => void;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** The emulator's HTTP server. */
export class EmulatorServer {
  /** Replaced wholesale when the admin API reseeds the world. */
  state: EmulatorState;
  readonly limiter: RateLimiter;
  readonly threadThrottle: ThreadThrottle;
  readonly faults = new FaultInjector();
  readonly stats = new StatsRecorder();
  readonly events: EventLog;
  readonly router = new Router().add(...guildRoutes, ...threadRoutes, ...messageRoutes, ...reactionRoutes);
  /** The gateway; `gateway.attach(state)` after replacing {@link EmulatorServer.state}. */
  readonly gateway: GatewayServer;
  adminHandler: AdminHandler = () => Promise.resolve(undefined);
  readonly #server: Server;
  readonly #onInternalError: (error: unknown) => void;
  #closing: Promise<void> | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: EmulatorServerOptions) {
    this.state = options.state;
    this.limiter = options.limiter;
    this.threadThrottle = options.threadThrottle ?? new ThreadThrottle();
    this.events = new EventLog(options.eventCapacity);
    this.#onInternalError = options.onInternalError ?? (() => {});
    this.#server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
      this.#dispatch(req, res).catch((error: unknown) => this.#internal(res, error));
    });
    this.gateway = new GatewayServer(this.state);
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.gateway.handleUpgrade(req, socket, head)) socket.destroy();
    });
  }

  /** Listen on 127.0.0.1:`port` (0 = any free port); resolves to the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        const bound = (this.#server.address() as AddressInfo).port;
        resolve(bound);
      });
    });
  }

  /** Stop listening and drop every connection. Idempotent. */
  close(): Promise<void> {
    this.events.close();
    this.#closing ??= new Promise<void>((resolve) => {
      this.gateway.close();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #internal(res: ServerResponse, error: unknown): void {
    this.#onInternalError(error);
    if (!res.headersSent && !res.destroyed)
      send(res, 500, { message: '500: Internal Server Error', code: 0 });
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    if (path.startsWith('/api/')) return this.#api(req, res, path, search);
    if (path === '/_emulator' || path.startsWith('/_emulator/'))
      return this.#admin(req, res, path.slice('/_emulator'.length) || '/', search);
    if (path.startsWith('/attachments/') || path.startsWith('/media/attachments/'))
      return this.#download(req, res, path);
    req.resume();
    send(res, 404, Errors.notFound().body());
  }

  async #admin(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    if (!isLoopback(req.socket.remoteAddress)) {
      req.resume();
      return send(res, 403, { message: 'admin API is loopback-only', code: 0 });
    }
    const raw = await readBody(req, MAX_REQUEST_BYTES);
    let body: Record<string, unknown> = {};
    if (raw && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(res, 400, { message: 'invalid JSON', code: 0 });
      }
    }
    try {
      const result = await this.adminHandler({
        method: req.method ?? 'GET',
        path,
        query: new URLSearchParams(search),
        body,
      });
      if (!result)
        return send(res, 404, { message: `unknown admin route ${req.method ?? ''} ${path}`, code: 0 });
      send(res, result.status, result.body);
    } catch (error) {
      if (error instanceof ApiError) return send(res, error.status, error.body());
      if (error instanceof TypeError) return send(res, 400, { message: error.message, code: 0 });
      throw error;
    }
  }

  #download(req: IncomingMessage, res: ServerResponse, path: string): void {
    req.resume();
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'media') parts.shift();
    const [, channelId, attachmentId] = parts;
    const attachment = attachmentId ? this.state.attachments.get(attachmentId) : undefined;
    if (
      !attachment ||
      attachment.channelId !== channelId ||
      (req.method !== 'GET' && req.method !== 'HEAD')
    ) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('This content is no longer available.');
      return;
    }
    res.writeHead(200, { 'Content-Type': attachment.contentType, 'Content-Length': attachment.data.length });
    res.end(req.method === 'HEAD' ? undefined : attachment.data);
  }

  #authenticate(header: string | undefined): StoredUser | undefined {
    if (!header) return undefined;
    const space = header.indexOf(' ');
    const prefix = space === -1 ? '' : header.slice(0, space);
    const token = prefix === 'Bot' || prefix === 'Bearer' ? header.slice(space + 1) : header;
    const user = this.state.userByToken(token);
    // Bot tokens only work with the `Bot` prefix; humans' tokens are accepted with or without one.
    if (!user || (user.bot && prefix !== 'Bot')) return undefined;
    return user;
  }

  async #api(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<void> {
    const method = req.method ?? 'GET';
    const version = /^\/api\/v(\d+)(\/.*)?$/.exec(path);
    const apiPath = version && (version[1] === '10' || version[1] === '9') ? (version[2] ?? '/') : undefined;
    const match = apiPath === undefined ? undefined : this.router.match(method, apiPath);
    const routeKey = match?.route ? `${method} ${match.route.path}` : `${method} ?`;
    const user = this.#authenticate(req.headers.authorization);
    const userName = user?.username ?? UNAUTHENTICATED;
    const params = match?.route ? match.params : {};
    const plan = this.faults.plan({
      method,
      path: apiPath ?? path,
      ...(params.channel_id ? { channelId: params.channel_id } : {}),
      ...(user ? { userId: user.id, userName } : {}),
    });
    const fault = (event?: EmulatorEvent): void => {
      const sent = this.#fault(req, res, plan, routeKey, userName);
      if (event) event.status = sent;
    };

    if (plan.fate === 'drop' && plan.timing === 'before') return fault();
    if (plan.timing === 'before' && plan.latencyMs > 0) await sleep(plan.latencyMs);
    if (plan.fate === 'error' && plan.timing === 'before') {
      req.resume();
      return fault();
    }

    const finish = async (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
      limited?: { kind: 'route' | 'global' | 'shared'; scope: string },
      event?: EmulatorEvent,
    ): Promise<void> => {
      // Timing `after`: the request was carried out; its answer is held back, then replaced if faulted.
      if (plan.timing === 'after' && plan.latencyMs > 0) await sleep(plan.latencyMs);
      if (plan.fate !== 'ok') return fault(event);
      const invalid = status === 401 || status === 403 || (status === 429 && limited?.scope !== 'shared');
      this.stats.record({
        route: routeKey,
        status,
        user: userName,
        invalid,
        ...(limited ? { rateLimited: limited.kind } : {}),
      });
      if (event) event.status = res.destroyed ? 'dropped' : status;
      send(res, status, body, headers);
    };

    const raw = await readBody(req, MAX_REQUEST_BYTES);
    if (raw === undefined) return finish(413, Errors.entityTooLarge().body(), { Connection: 'close' });
    if (!match?.route) {
      const error = match?.pathExists ? Errors.methodNotAllowed() : Errors.notFound();
      return finish(error.status, error.body());
    }
    const route: Route = match.route;
    if (route.auth !== false && !user) return finish(401, Errors.unauthorized().body());

    let headers: Record<string, string> = {};
    if (user) {
      const major = this.#major(route, params);
      const decision = this.limiter.check(user.id, route.bucket, route.path, major);
      headers = decision.headers;
      if (decision.limited) {
        const { retryAfterMs, global, scope } = decision.limited;
        const kind = global ? 'global' : scope === 'shared' ? 'shared' : 'route';
        return finish(429, rateLimitBody(retryAfterMs, global, scope), headers, { kind, scope });
      }
    }
    const throttled = route.bucket === 'threadCreate' && user;
    const guildId = throttled ? (this.state.channels.get(params.channel_id ?? '')?.guildId ?? '') : '';
    if (throttled) {
      // Discord's dynamic thread-creation limit: a shared-scope 429 with a long Retry-After, next to the route's
      // normal headers (rate-limits.mdx, "Example Exceeded Resource Rate Limit Response").
      const waitMs = this.threadThrottle.check(user.id, guildId);
      if (waitMs > 0) {
        const throttleHeaders = {
          ...headers,
          'Retry-After': String(Math.ceil(waitMs / 1000)),
          'X-RateLimit-Scope': 'shared',
        };
        const body = rateLimitBody(waitMs, false, 'shared');
        return finish(429, body, throttleHeaders, { kind: 'shared', scope: 'shared' });
      }
    }
    // Handlers run one at a time and a write's event is appended before the next one starts, so the event feed's
    // order is the commit order.
    const outcome = await this.#serial(async () => {
      const target = this.state.channels.get(params.channel_id ?? '');
      let result: RouteResult;
      try {
        result = await route.handler({
          state: this.state,
          user: user ?? ANONYMOUS,
          params,
          query: new URLSearchParams(search),
          body: new RequestBody(raw, req.headers['content-type'] ?? ''),
        });
      } catch (error) {
        if (error instanceof ApiError) return { error, result: undefined, event: undefined };
        throw error;
      }
      if (throttled && result.status === 201) this.threadThrottle.record(user.id, guildId);
      const event =
        user && isWrite(route, result)
          ? this.events.append(describeWrite({ method, routeKey, params, result, user, target }))
          : undefined;
      return { error: undefined, result, event };
    });
    const { error, result, event } = outcome;
    if (error) return finish(error.status, error.body(), headers);
    return finish(result.status, result.body, headers, undefined, event);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  #major(route: Route, params: Record<string, string>): string {
    if (route.major === 'guild') {
      const channel = this.state.channels.get(params.channel_id ?? '');
      return channel?.guildId ?? params.channel_id ?? '';
    }
    return route.major ? (params[route.major] ?? '') : '';
  }

  /** Apply a fault: destroy the connection or answer 5xx. Returns what was sent. */
  #fault(
    req: IncomingMessage,
    res: ServerResponse,
    plan: FaultPlan,
    routeKey: string,
    userName: string,
  ): number | 'dropped' {
    if (plan.fate === 'drop') {
      this.stats.record({
        route: routeKey,
        status: 'dropped',
        user: userName,
        invalid: false,
        fault: 'drop',
      });
      req.socket.destroy();
      return 'dropped';
    }
    const status = plan.errorStatus ?? (Math.random() < 0.5 ? 500 : 502);
    this.stats.record({ route: routeKey, status, user: userName, invalid: false, fault: 'error' });
    send(res, status, { message: `${status}: ${STATUS_CODES[status] ?? 'Server Error'}`, code: 0 });
    return res.destroyed ? 'dropped' : status;
  }
}

/** Read the whole body; `undefined` when it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) tooLarge = true;
    else chunks.push(chunk);
  }
  if (tooLarge) return undefined;
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
