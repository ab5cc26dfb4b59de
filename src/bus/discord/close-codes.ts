/**
 * What each gateway close code means here (STYLE rule 7): `resume` the session, `reconnect` with a new one (a new
 * IDENTIFY, from the bot's 1000 a day), or `fatal`: stop for good and tell the operator what to fix. `@discordjs/ws`
 * resumes and reconnects on its own ([gw] "Resuming", opcodes-and-status-codes.mdx "Gateway Close Event Codes");
 * this table decides what we say, and that a fatal code ends push mode instead of looping.
 */

/** What a close code leads to. */
export type CloseAction = 'resume' | 'reconnect' | 'fatal';

/** One row of the table. */
export interface CloseMeaning {
  action: CloseAction;
  /** Discord's description, in a few words. */
  meaning: string;
  /** For fatal codes: what to change, given the config key of the token the gateway used. */
  fix?: (tokenKey: string) => string;
}

const BUG = (what: string) => () =>
  `this is a bug in discord-orchestration (${what}); please file an issue. Workers keep polling meanwhile`;

/** The table. Codes not listed (1001, 1006, network drops) are resumed. */
export const CLOSE_CODES: Readonly<Record<number, CloseMeaning>> = {
  // @discordjs/ws answers a server's 1000 by identifying again (a new session), unlike other clients.
  1000: { action: 'reconnect', meaning: 'normal closure' },
  4000: { action: 'resume', meaning: 'unknown error' },
  4001: { action: 'resume', meaning: 'unknown opcode' },
  4002: { action: 'resume', meaning: 'decode error' },
  4003: { action: 'reconnect', meaning: 'not authenticated' },
  4004: {
    action: 'fatal',
    meaning: 'authentication failed: Discord rejected the bot token',
    fix: (key) =>
      `${key} is wrong, or Discord reset that bot's token (it does when a bot spends its 1000 daily gateway logins). ` +
      `Copy the current token (Developer Portal → the bot's application → Bot → Reset Token) into ${key}, then start again`,
  },
  4005: { action: 'reconnect', meaning: 'already authenticated' },
  4007: { action: 'reconnect', meaning: 'invalid sequence number' },
  4008: { action: 'reconnect', meaning: 'sent too many payloads' },
  4009: { action: 'reconnect', meaning: 'session timed out' },
  4010: { action: 'fatal', meaning: 'invalid shard', fix: BUG('4010 invalid shard') },
  4011: {
    action: 'fatal',
    meaning: 'sharding required (the bot is in more than 2500 servers)',
    fix: () => 'use a bot that is in fewer servers, or run with --no-push (polling only)',
  },
  4012: { action: 'fatal', meaning: 'invalid API version', fix: BUG('4012 invalid API version') },
  4013: { action: 'fatal', meaning: 'invalid intents', fix: BUG('4013 invalid intents') },
  4014: {
    action: 'fatal',
    meaning: 'disallowed intents: the Message Content intent is off for this bot',
    fix: (key) =>
      `turn it on for the bot of ${key}: Developer Portal → its application → Bot → Privileged Gateway Intents → ` +
      'Message Content Intent → Save Changes (without it Discord blanks task texts over REST too), then start again',
  },
};

/** The row for `code`; unknown codes are resumed (what `@discordjs/ws` does with them). */
export function closeMeaning(code: number): CloseMeaning {
  return CLOSE_CODES[code] ?? { action: 'resume', meaning: `closed with ${code}` };
}

/** The operator's message for a fatal close: what happened, which key, what to do. */
export function describeFatalClose(code: number, tokenKey: string): string {
  const row = closeMeaning(code);
  const fix = row.fix?.(tokenKey) ?? 'check the bot in the Developer Portal';
  return `the Discord gateway closed with ${code} (${row.meaning}) for the bot of ${tokenKey}; push mode is off. Fix: ${fix}`;
}
