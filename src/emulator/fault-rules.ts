/** Targeted faults: rules that apply the fault effects only to matching `/api` requests, optionally N times. */
import { normaliseFaults, type FaultConfig } from './fault-config.js';

/** Which requests a rule applies to; every given field must match. */
export interface FaultMatch {
  /** HTTP method, e.g. `POST`. @defaultValue any */
  method?: string;
  /**
   * Path below `/api/v10`, e.g. `/channels/:id/messages`, optionally led by a method (`POST /channels/:id/messages`).
   * Segments written `:name`, `{name}` or `*` match any one segment; others must be equal (a concrete id works).
   * @defaultValue any
   */
  route?: string;
  /** The channel or thread id in the path (`channel_id`). @defaultValue any */
  channelId?: string;
  /** The requesting user, by id or by name (`worker-1`, `submitter`). @defaultValue any */
  user?: string;
}

/** A fault rule: the effects of {@link FaultConfig} for matching requests only. */
export interface FaultRule extends FaultConfig {
  /** @defaultValue every request */
  match?: FaultMatch;
  /** Apply to this many matching requests, then retire. @defaultValue unlimited */
  count?: number;
  /** HTTP status of the answers `errorRate` produces (500–599). @defaultValue 500 or 502 at random */
  errorStatus?: number;
}

/** A rule as stored and reported by the admin API. */
export interface FaultRuleState extends Required<FaultConfig> {
  id: string;
  match: FaultMatch;
  /** Matching requests still to apply to; `null` = unlimited. */
  remaining: number | null;
  /** Matching requests it has applied to so far. */
  applied: number;
  errorStatus?: number;
}

/** What a request is matched on. */
export interface FaultRequest {
  method: string;
  /** Path below `/api/vN`, e.g. `/channels/1/messages`. */
  path: string;
  channelId?: string;
  userId?: string;
  userName?: string;
}

interface CompiledRule {
  state: FaultRuleState;
  method?: string;
  segments?: (string | undefined)[];
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    throw new TypeError(
      `Expected \`${name}\` to be a non-empty string, got \`${String(value)}\` (${typeof value})`,
    );
  return value.trim();
}

function splitPath(path: string): string[] {
  const parts = path.split('/').slice(1);
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
}

function compileRoute(route: string): { method?: string; segments: (string | undefined)[] } {
  const space = route.indexOf(' ');
  const head = space === -1 ? '' : route.slice(0, space).toUpperCase();
  const method = head && METHODS.has(head) ? head : undefined;
  const path = (method ? route.slice(space + 1) : route).trim().replace(/^\/api\/v\d+/, '');
  if (!path.startsWith('/'))
    throw new TypeError(
      `Expected \`match.route\` to look like 'POST /channels/:id/messages', got \`${route}\``,
    );
  const segments = splitPath(path).map((s) =>
    s === '*' || s.startsWith(':') || (s.startsWith('{') && s.endsWith('}')) ? undefined : s,
  );
  return method ? { method, segments } : { segments };
}

/** Validate a rule (throws `TypeError` naming the key) and compile it under `id`. */
export function compileRule(input: FaultRule, id: string): CompiledRule {
  if (typeof input !== 'object' || input === null) throw new TypeError('Expected a fault rule object');
  const effects = normaliseFaults(input);
  if (effects.latencyMs === 0 && effects.errorRate === 0 && effects.dropRate === 0 && !effects.outage) {
    throw new TypeError(
      'A fault rule needs an effect: set `latencyMs`, `errorRate`, `dropRate` or `outage` (with `match` to target it)',
    );
  }
  const count = input.count;
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    throw new TypeError(`Expected \`count\` to be an integer >= 1, got \`${String(count)}\``);
  const status = input.errorStatus;
  if (status !== undefined && (!Number.isInteger(status) || status < 500 || status > 599))
    throw new TypeError(
      `Expected \`errorStatus\` to be an integer from 500 to 599, got \`${String(status)}\``,
    );
  const raw = (input.match ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null) throw new TypeError('Expected `match` to be an object');
  const match: FaultMatch = {};
  const method = optionalText(raw.method, 'match.method')?.toUpperCase();
  const route = optionalText(raw.route, 'match.route');
  const channelId = optionalText(raw.channelId, 'match.channelId');
  const user = optionalText(raw.user, 'match.user');
  if (method) match.method = method;
  if (route) match.route = route;
  if (channelId) match.channelId = channelId;
  if (user) match.user = user;
  const compiledRoute = route ? compileRoute(route) : undefined;
  if (method && compiledRoute?.method && method !== compiledRoute.method)
    throw new TypeError(`\`match.method\` ${method} contradicts \`match.route\` ${route!}`);
  const state: FaultRuleState = { id, match, ...effects, remaining: count ?? null, applied: 0 };
  if (status !== undefined) state.errorStatus = status;
  const compiled: CompiledRule = { state };
  const wanted = method ?? compiledRoute?.method;
  if (wanted) compiled.method = wanted;
  if (compiledRoute) compiled.segments = compiledRoute.segments;
  return compiled;
}

/** Whether `rule` applies to `request`. */
export function ruleMatches(rule: CompiledRule, request: FaultRequest): boolean {
  const { match } = rule.state;
  if (rule.method && rule.method !== request.method) return false;
  if (match.channelId && match.channelId !== request.channelId) return false;
  if (match.user && match.user !== request.userId && match.user !== request.userName) return false;
  if (rule.segments) {
    const parts = splitPath(request.path);
    if (parts.length !== rule.segments.length) return false;
    for (let i = 0; i < parts.length; i++) {
      const want = rule.segments[i];
      if (want === undefined ? parts[i] === '' : want !== parts[i]) return false;
    }
  }
  return true;
}

export type { CompiledRule };
