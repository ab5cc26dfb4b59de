/** Parsing the `{emoji}` path segment of reaction routes. */
import { Errors } from './api-error.js';
import type { StoredReaction } from './models.js';

// One or more emoji code points with their joiners, variation selectors, skin tones, keycaps and tags.
const UNICODE_EMOJI =
  /^(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}]|[\u{E0020}-\u{E007F}])*(?:\u200D\p{Extended_Pictographic}(?:\uFE0F|[\u{1F3FB}-\u{1F3FF}])*)*)$/u;
const CUSTOM_EMOJI = /^(a:)?([\w~]{2,32}):(\d{17,20})$/;

/** A parsed emoji and the key its reactions are stored under. */
export interface ParsedEmoji {
  key: string;
  emoji: StoredReaction['emoji'];
}

/**
 * Parse an emoji path segment (already URL-decoded by the router): a unicode emoji, or `name:id` for a custom one. The emulator's guilds have no custom
 * emoji, so every `name:id` (and anything that is not an emoji) is 10014 Unknown Emoji, as on Discord.
 */
export function parseEmoji(text: string, customEmoji: ReadonlyMap<string, string> = new Map()): ParsedEmoji {
  const custom = CUSTOM_EMOJI.exec(text);
  if (custom) {
    const id = custom[3]!;
    const name = customEmoji.get(id);
    if (name === undefined) throw Errors.unknownEmoji();
    return { key: id, emoji: { id, name, animated: custom[1] !== undefined } };
  }
  if (!UNICODE_EMOJI.test(text)) throw Errors.unknownEmoji();
  return { key: text, emoji: { id: null, name: text } };
}
