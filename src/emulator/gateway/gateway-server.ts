/**
 * The gateway: WebSocket upgrades on {@link GATEWAY_PATH} and {@link RESUME_PATH}, sessions with sequence numbers
 * and replay, IDENTIFY/RESUME with Discord's checks and close codes, dispatches of world events, and the admin
 * actions that inject gateway faults. See `events/gateway.mdx` ([gw]) in discord/discord-api-docs.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { StoredUser } from '../models.js';
import type { EmulatorState } from '../state.js';
import type { GatewayConfig } from './config.js';
import { GatewayConnection, type ConnectionHost } from './connection.js';
import { GatewayFaults } from './faults.js';
import { isRejection, parseIdentify, parseResume } from './handshake.js';
import { eventDispatch, guildCreatePayload, readyPayload, viewerGuilds, type Viewer } from './payloads.js';
import {
  CLIENT_ENDING_CLOSE_CODES,
  CLIENT_OPCODES,
  CloseCode,
  frame,
  GATEWAY_PATH,
  Intent,
  Op,
  PRIVILEGED_INTENTS,
  RESUME_PATH,
  SESSION_ENDING_CLOSE_CODES,
  VALID_INTENTS,
} from './protocol.js';
import { GatewaySession } from './session.js';
import { GatewayStatsRecorder, type GatewayStats } from './stats.js';
import type { WorldEvent } from './world-events.js';

/** Which connections an admin action targets: one bot's, or every one. */
export interface GatewayTarget {
  /** A bot user id; omitted = every connection. */
  userId?: string;
}

/** The emulator's gateway. */
export class GatewayServer implements ConnectionHost {
  readonly faults = new GatewayFaults();
  readonly #stats = new GatewayStatsRecorder();
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1 << 20 });
  readonly #connections = new Set<GatewayConnection>();
  readonly #sessions = new Map<string, GatewaySession>();
  readonly #lastIdentify = new Map<string, number>();
  #state: EmulatorState;
  #closed = false;

  constructor(state: EmulatorState) {
    this.#state = state;
    this.attach(state);
  }

  /** Serve `state` (a fresh world after a reseed): every connection and session of the old world ends. */
  attach(state: EmulatorState): void {
    this.#state.gateway.listen(undefined);
    for (const connection of this.#connections) connection.drop();
    this.#connections.clear();
    for (const session of this.#sessions.values()) session.end();
    this.#sessions.clear();
    this.#lastIdentify.clear();
    this.#stats.reset();
    this.#state = state;
    state.gateway.listen((event) => this.#publish(event));
  }

  /** {@inheritDoc ConnectionHost.config} */
  config(): GatewayConfig {
    return this.#state.gateway.config;
  }

  /** Take over an HTTP upgrade; `false` when the path is not the gateway's. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path !== GATEWAY_PATH && path !== RESUME_PATH) return false;
    if (this.#closed || this.faults.outage) {
      this.#stats.upgrade(false);
      socket.destroy();
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      // An upgrade that began before close() ends here after it: drop it, or it would hold the server open (an
      // upgraded socket is no longer the HTTP server's to close).
      if (this.#closed) {
        ws.terminate();
        return;
      }
      this.#stats.upgrade(true);
      const version = Number(url.searchParams.get('v'));
      const connection = new GatewayConnection(ws, version, this);
      this.#connections.add(connection);
      const encoding = url.searchParams.get('encoding') ?? 'json';
      // Only API v9 and v10 are served; ETF encoding is not emulated, so it is refused like a bad payload.
      if (version !== 9 && version !== 10) connection.close(CloseCode.InvalidAPIVersion);
      else if (encoding !== 'json') connection.close(CloseCode.DecodeError);
    });
    return true;
  }

  /** {@inheritDoc ConnectionHost.onPayload} */
  onPayload(connection: GatewayConnection, op: number, d: unknown): void {
    switch (op) {
      case Op.Heartbeat:
        connection.heartbeatReceived();
        if (!this.faults.withholdsAck(connection.session?.viewer.userId))
          connection.send(frame(Op.HeartbeatAck, null));
        return;
      case Op.Identify:
        return this.#identify(connection, d);
      case Op.Resume:
        return this.#resume(connection, d);
      default:
        if (!CLIENT_OPCODES.has(op)) return connection.close(CloseCode.UnknownOpcode);
        if (!connection.session) return connection.close(CloseCode.NotAuthenticated);
      // Presence, voice state, member and soundboard requests are accepted and not emulated.
    }
  }

  /** {@inheritDoc ConnectionHost.onClosed} */
  onClosed(connection: GatewayConnection, code: number): void {
    // Connections of a replaced world were already forgotten.
    if (!this.#connections.delete(connection)) return;
    if (connection.serverClose === undefined) this.#stats.closed(connection.bot, 'client', String(code));
    else this.#stats.closed(connection.bot, 'server', String(connection.serverClose));
    const session = connection.session;
    if (!session || session.connection !== connection) return;
    session.connection = undefined;
    connection.session = undefined;
    const ends =
      connection.serverClose === undefined
        ? CLIENT_ENDING_CLOSE_CODES.has(code)
        : connection.serverClose !== 'dropped' && SESSION_ENDING_CLOSE_CODES.has(connection.serverClose);
    if (ends) this.#endSession(session);
    else this.#startExpiry(session);
  }

  #endSession(session: GatewaySession): void {
    session.end();
    this.#sessions.delete(session.id);
  }

  #startExpiry(session: GatewaySession): void {
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = setTimeout(() => this.#endSession(session), this.config().sessionTimeoutMs);
    session.expiry.unref();
  }

  #attach(connection: GatewayConnection, session: GatewaySession): void {
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = undefined;
    connection.session = session;
    session.connection = connection;
    // A socket counts once, even when it resumes after INVALID_SESSION true.
    if (connection.bot) return;
    connection.bot = { name: session.botName, userId: session.viewer.userId };
    this.#stats.count(connection.bot, 'connections');
  }

  #invalidSession(connection: GatewayConnection, user: StoredUser | undefined, resumable: boolean): void {
    connection.send(frame(Op.InvalidSession, resumable));
    if (user && user.bot) this.#stats.count({ name: user.username, userId: user.id }, 'invalidSessions');
  }

  #userFor(token: string): StoredUser | undefined {
    const user = this.#state.userByToken(token);
    return user?.bot ? user : undefined;
  }

  #identify(connection: GatewayConnection, d: unknown): void {
    if (connection.session) return connection.close(CloseCode.AlreadyAuthenticated);
    const request = parseIdentify(d);
    if (isRejection(request)) return connection.close(request.close);
    const user = this.#userFor(request.token);
    if (!user) return connection.close(CloseCode.AuthenticationFailed);
    if (request.intents & ~VALID_INTENTS) return connection.close(CloseCode.InvalidIntents);
    // GUILD_MEMBERS and GUILD_PRESENCES are never switched on for emulated apps; MESSAGE_CONTENT follows the
    // bot's setting (admin `setMessageContentIntent`).
    const allowed = user.messageContentIntent ? Intent.MessageContent : 0;
    if (request.intents & PRIVILEGED_INTENTS & ~allowed) return connection.close(CloseCode.DisallowedIntents);
    const config = this.config();
    const key = `${user.id}:${request.shard[0] % config.maxConcurrency}`;
    const now = Date.now();
    const last = this.#lastIdentify.get(key);
    // "Apps also have a limit for concurrent Identify requests allowed per 5 seconds. If you hit this limit, the
    // Gateway will respond with an Invalid Session" ([gw] Rate Limiting).
    if (config.identifyWindowMs > 0 && last !== undefined && now - last < config.identifyWindowMs)
      return this.#invalidSession(connection, user, false);
    if (!this.#state.gateway.takeSessionStart(user.id)) return this.#exhausted(connection, user);
    this.#lastIdentify.set(key, now);

    const viewer: Viewer = { userId: user.id, intents: request.intents, shard: request.shard };
    const session = new GatewaySession(viewer, user.username, config.replayBufferSize);
    this.#sessions.set(session.id, session);
    this.#attach(connection, session);
    this.#stats.count({ name: user.username, userId: user.id }, 'identifies');
    const resumeUrl = `${this.#state.baseUrl.replace(/^http/, 'ws')}${RESUME_PATH}`;
    session.dispatch(
      'READY',
      readyPayload(this.#state, user, viewer, {
        version: connection.version,
        sessionId: session.id,
        resumeUrl,
        shardSent: request.shardSent,
      }),
    );
    if (request.intents & Intent.Guilds) {
      for (const guild of viewerGuilds(this.#state, viewer))
        session.dispatch('GUILD_CREATE', guildCreatePayload(this.#state, guild, viewer));
    }
  }

  // "Upon hitting this limit, all active sessions for the app will be terminated, the bot token will be reset"
  // ([gw] Identifying).
  #exhausted(connection: GatewayConnection, user: StoredUser): void {
    this.#state.resetToken(user);
    this.#stats.count({ name: user.username, userId: user.id }, 'tokenResets');
    for (const session of [...this.#sessions.values()]) {
      if (session.viewer.userId !== user.id) continue;
      const attached = session.connection as GatewayConnection | undefined;
      this.#endSession(session);
      if (attached) attached.close(CloseCode.AuthenticationFailed);
    }
    connection.close(CloseCode.AuthenticationFailed);
  }

  #resume(connection: GatewayConnection, d: unknown): void {
    if (connection.session) return connection.close(CloseCode.AlreadyAuthenticated);
    const request = parseResume(d);
    if (isRejection(request)) return connection.close(request.close);
    const user = this.#userFor(request.token);
    if (!user) return connection.close(CloseCode.AuthenticationFailed);
    const session = this.#sessions.get(request.sessionId);
    if (!session || session.ended || session.viewer.userId !== user.id)
      return this.#invalidSession(connection, user, false);
    if (request.seq > session.seq) {
      this.#endSession(session);
      return connection.close(CloseCode.InvalidSeq);
    }
    const replay = session.replayAfter(request.seq);
    if (!replay) {
      this.#endSession(session);
      return this.#invalidSession(connection, user, false);
    }
    // A session has one connection: a resume takes it over from a connection that is still open.
    const previous = session.connection as GatewayConnection | undefined;
    if (previous && previous !== connection) {
      previous.session = undefined;
      previous.drop();
    }
    this.#attach(connection, session);
    this.#stats.count({ name: user.username, userId: user.id }, 'resumes');
    for (const payload of replay) connection.send(payload);
    session.dispatch('RESUMED', null);
  }

  #publish(event: WorldEvent): void {
    for (const session of this.#sessions.values()) {
      const dispatch = eventDispatch(this.#state, event, session.viewer);
      if (dispatch) session.dispatch(dispatch.t, dispatch.d);
    }
  }

  #targets(target: GatewayTarget): GatewayConnection[] {
    return [...this.#connections].filter(
      (c) => target.userId === undefined || c.bot?.userId === target.userId,
    );
  }

  /** Close connections: with a close frame carrying `code`, or (no code) by cutting TCP. Returns how many. */
  disconnect(target: GatewayTarget & { code?: number }): number {
    const hit = this.#targets(target);
    for (const connection of hit) {
      if (target.code === undefined) connection.drop();
      else connection.close(target.code);
    }
    return hit.length;
  }

  /** Make connections half-open: nothing more is sent or read, the socket stays up. Returns how many. */
  partition(target: GatewayTarget): number {
    const hit = this.#targets(target).filter((c) => !c.partitioned);
    for (const connection of hit) connection.partition();
    return hit.length;
  }

  /**
   * Send INVALID_SESSION: the connection stays open without a session. `resumable: false` ends the session;
   * `true` keeps it for a RESUME. Returns how many connections got it.
   */
  invalidateSessions(target: GatewayTarget & { resumable: boolean }): number {
    const hit = this.#targets(target).filter((c) => c.session);
    for (const connection of hit) {
      const session = connection.session!;
      connection.session = undefined;
      session.connection = undefined;
      this.#invalidSession(connection, this.#state.users.get(session.viewer.userId), target.resumable);
      if (target.resumable) this.#startExpiry(session);
      else this.#endSession(session);
    }
    return hit.length;
  }

  /** Send RECONNECT (op 7). Returns how many connections got it. */
  requestReconnect(target: GatewayTarget): number {
    const hit = this.#targets(target);
    for (const connection of hit) connection.send(frame(Op.Reconnect, null));
    return hit.length;
  }

  /** Ask for an immediate heartbeat (op 1 from the server). Returns how many connections got it. */
  requestHeartbeat(target: GatewayTarget): number {
    const hit = this.#targets(target);
    for (const connection of hit) connection.send(frame(Op.Heartbeat, null));
    return hit.length;
  }

  /** Counters, with live values. */
  stats(): GatewayStats {
    const openSessions = [...this.#connections].flatMap((c) => (c.session ? [c.session.viewer.userId] : []));
    return this.#stats.snapshot({
      open: this.#connections.size,
      openByUser: (userId) => openSessions.filter((id) => id === userId).length,
      remaining: (userId) => this.#state.gateway.sessionStartLimit(userId).remaining,
    });
  }

  /** Zero the counters. */
  resetStats(): void {
    this.#stats.reset();
  }

  /** Drop every connection and refuse new ones. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#state.gateway.listen(undefined);
    for (const connection of this.#connections) connection.drop();
    for (const session of this.#sessions.values()) session.end();
    this.#sessions.clear();
    this.#wss.close();
  }
}
