/** The control characters (C0 except tab and newline, DEL, C1) in `text`, as code points: for "nothing posted has one". */
export function controlChars(text: string): number[] {
  return [...text]
    .map((c) => c.codePointAt(0)!)
    .filter((n) => (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f));
}
