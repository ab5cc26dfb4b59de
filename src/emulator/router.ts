/** A small path router: Discord-style templates (`/channels/{channel_id}/messages`), literals before parameters. */
import type { StoredUser } from './models.js';
import type { RequestBody } from './request-body.js';
import type { EmulatorState } from './state.js';

/** Which rate-limit bucket a route counts against (limits live in `rate-limit.ts`). */
export type BucketName =
  'default' | 'messageCreate' | 'messageDelete' | 'bulkDelete' | 'reaction' | 'threadCreate' | 'channelEdit';

/** What a handler gets. */
export interface RouteContext {
  state: EmulatorState;
  /** The authenticated user. */
  user: StoredUser;
  params: Record<string, string>;
  query: URLSearchParams;
  body: RequestBody;
}

/** What a handler returns; errors are thrown as `ApiError`. */
export interface RouteResult {
  status: number;
  body?: unknown;
  /** `false` when a write route changed nothing (e.g. a nonce replay); such answers are not write events. */
  committed?: boolean;
}

/** One API route. */
export interface Route {
  method: string;
  /** Template with `{name}` parameters, also the key of the request statistics. */
  path: string;
  bucket: BucketName;
  /** The parameter whose value scopes the bucket (`channel_id`, `guild_id`), as Discord's major parameter. */
  major?: string;
  /** Whether a success changes state (listed in the event feed). @defaultValue true unless GET */
  write?: boolean;
  /** Routes with `auth: false` need no token (e.g. `GET /gateway`). @defaultValue true */
  auth?: boolean;
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
}

interface CompiledRoute {
  route: Route;
  segments: { literal?: string; param?: string }[];
}

/** The outcome of matching a method and path. */
export type RouteMatch =
  { route: Route; params: Record<string, string> } | { route: undefined; pathExists: boolean };

/** Matches requests to routes. */
export class Router {
  readonly #routes: CompiledRoute[] = [];

  /** Register routes; a literal segment wins over a parameter regardless of order. */
  add(...routes: Route[]): this {
    for (const route of routes) {
      const segments = route.path
        .split('/')
        .slice(1)
        .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s }));
      this.#routes.push({ route, segments });
    }
    // Literal-first ordering: compare segment by segment, a literal sorts before a parameter.
    this.#routes.sort((a, b) => {
      const n = Math.min(a.segments.length, b.segments.length);
      for (let i = 0; i < n; i++) {
        const la = a.segments[i]!.literal !== undefined;
        const lb = b.segments[i]!.literal !== undefined;
        if (la !== lb) return la ? -1 : 1;
      }
      return 0;
    });
    return this;
  }

  /** Find the route for `method` and `path` (path without the `/api/v10` prefix, already split on `?`). */
  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').slice(1);
    if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    let pathExists = false;
    for (const compiled of this.#routes) {
      if (compiled.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length; i++) {
        const segment = compiled.segments[i]!;
        const part = decodeSegment(parts[i]!);
        if (segment.literal !== undefined) {
          if (segment.literal !== part) {
            ok = false;
            break;
          }
        } else {
          if (part === '') {
            ok = false;
            break;
          }
          params[segment.param!] = part;
        }
      }
      if (!ok) continue;
      if (compiled.route.method === method) return { route: compiled.route, params };
      pathExists = true;
    }
    return { route: undefined, pathExists };
  }
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
