/**
 * Control characters in text that came from an agent. Discord shows most of them as boxes or not at all, and NUL
 * and friends break terminals, logs and parsers downstream; none of them has a place in a posted message.
 */

// C0 controls except tab and newline, DEL, and C1 controls: matching them is the point.
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional overrides and isolates, which make a name read differently from what it is.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The text without NUL and other C0/C1 control characters; tab and newline stay, CR becomes a line break. */
export function stripControls(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROLS, '');
}

/** One line: {@link stripControls}, then line breaks, tabs and bidirectional controls removed too. */
export function stripControlsOneLine(text: string): string {
  return stripControls(text)
    .replace(/[\n\t]+/g, ' ')
    .replace(BIDI, '');
}
