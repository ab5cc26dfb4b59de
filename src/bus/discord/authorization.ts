/**
 * Who may submit work, and who is the fleet. Posting rights equal shell access on every worker machine, so this
 * fails closed: without an allowlist only the fleet's own bots (the submitter and the workers, which post retries)
 * are trusted. Only fleet bots' threads, reactions and thread messages count as claims, marks or heartbeats.
 */
import { Routes, type APIGuildMember } from 'discord-api-types/v10';
import type { REST } from '@discordjs/rest';
import { toBusError, hasDiscordCode, DiscordCode } from './errors.js';

/** Options for {@link Authorizer}. */
export interface AuthorizerOptions {
  /**
   * User ids of the fleet's bots (submitter, workers): always allowed. A function is called on first use and
   * retried after a failure, so a worker can start while Discord is unreachable.
   */
  trustedBots: string[] | (() => Promise<string[]>);
  /** ALLOWED_SUBMITTERS. */
  allowedUsers: string[];
  /** ALLOWED_ROLES: members holding any of them are allowed. Needs `guildId`. */
  allowedRoles: string[];
  guildId?: string;
}

/** Decides whether a message author may have tasks run. Role look-ups are cached for the object's life. */
export class Authorizer {
  readonly #rest: REST;
  readonly #options: AuthorizerOptions;
  #allowed: Promise<Set<string>> | null = null;
  #fleet: Promise<Set<string>> | null = null;
  readonly #roleCache = new Map<string, boolean>();

  constructor(rest: REST, options: AuthorizerOptions) {
    this.#rest = rest;
    this.#options = options;
  }

  #allowedIds(): Promise<Set<string>> {
    const { allowedUsers } = this.#options;
    this.#allowed ??= (async () => new Set([...(await this.fleet()), ...allowedUsers]))();
    // A failed look-up is not cached: the next poll tries again.
    this.#allowed.catch(() => (this.#allowed = null));
    return this.#allowed;
  }

  /** The fleet's bot user ids (resolved on first use; a failed look-up is tried again next time). */
  async fleet(): Promise<ReadonlySet<string>> {
    const { trustedBots } = this.#options;
    this.#fleet ??= (async () =>
      new Set(typeof trustedBots === 'function' ? await trustedBots() : trustedBots))();
    this.#fleet.catch(() => (this.#fleet = null));
    return this.#fleet;
  }

  /** True when `userId` is one of the fleet's bots. */
  async isFleetBot(userId: string): Promise<boolean> {
    return (await this.fleet()).has(userId);
  }

  /**
   * True when the author may submit. `memberRoles`, when given, are the author's role ids as Discord sent them with
   * the message (a gateway MESSAGE_CREATE carries `member.roles`): then no member look-up is needed.
   */
  async isAllowed(authorId: string, memberRoles?: readonly string[]): Promise<boolean> {
    if ((await this.#allowedIds()).has(authorId)) return true;
    const { allowedRoles, guildId } = this.#options;
    if (allowedRoles.length === 0 || !guildId) return false;
    if (memberRoles) return memberRoles.some((r) => allowedRoles.includes(r));
    const cached = this.#roleCache.get(authorId);
    if (cached !== undefined) return cached;
    let allowed = false;
    try {
      const member = (await this.#rest.get(Routes.guildMember(guildId, authorId))) as APIGuildMember;
      allowed = member.roles.some((r) => allowedRoles.includes(r));
    } catch (error) {
      const mapped = toBusError(error, 'GET', '/guilds/:id/members/:id');
      // 10007 Unknown Member and 404s mean "not in the guild": not allowed. Anything else is a real failure.
      if (!(
        hasDiscordCode(mapped, 10007) ||
        hasDiscordCode(mapped, DiscordCode.UnknownChannel) ||
        isNotFound(mapped)
      ))
        throw mapped;
    }
    this.#roleCache.set(authorId, allowed);
    return allowed;
  }
}

function isNotFound(error: Error): boolean {
  return 'status' in error && (error as { status: number }).status === 404;
}
