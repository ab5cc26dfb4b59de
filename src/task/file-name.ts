/**
 * The name an agent's file is posted under. Names come from the agent, so they are treated like its text: secrets
 * redacted, control characters dropped, and reduced to characters that cannot break Markdown, a code fence, a
 * mention or a multipart header.
 */
import { stripControlsOneLine } from '../lib/control-chars.js';

const MAX_NAME_LENGTH = 100;
const MAX_EXTENSION_LENGTH = 12;

/**
 * `name` made safe to post: `redact` applied first, then everything but letters, digits, `.`, `-` and `_` becomes
 * `_`, leading dots are dropped, and long names are cut to 100 characters keeping the extension. Never empty.
 */
export function safeAttachmentName(name: string, redact: (text: string) => string = (t) => t): string {
  const cleaned = stripControlsOneLine(redact(name))
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]/gu, '_')
    .replace(/^\.+/, '');
  const chars = [...cleaned];
  if (chars.length === 0) return 'file';
  if (chars.length <= MAX_NAME_LENGTH) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= MAX_EXTENSION_LENGTH ? cleaned.slice(dot) : '';
  return chars.slice(0, MAX_NAME_LENGTH - [...ext].length).join('') + ext;
}
