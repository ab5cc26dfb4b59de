/**
 * Split a command line into argv the way a POSIX shell would for simple commands, without running a shell.
 */

// Characters that mean something to a shell but would be passed literally here: refuse them rather than surprise.
const SHELL_OPERATORS = new Set(['|', '&', ';', '<', '>', '`', '$', '(', ')']);

/**
 * Parse `python3 "my agent.py" --name 'a b' x\ y` into `['python3', 'my agent.py', '--name', 'a b', 'x y']`.
 *
 * Rules: whitespace separates words; `'…'` is literal; inside `"…"` a backslash escapes only `"`, `\`, `$` and
 * `` ` `` (anything else stays literal, and `$`/`` ` `` are never expanded); outside quotes a backslash escapes the
 * next character. There is no shell: no variables, globs, `~`, pipes or redirections. Unquoted `| & ; < > ( ) $ `` `
 * are refused with a hint to use `sh -c '…'` instead.
 *
 * @throws SyntaxError on an empty line, an unclosed quote, a trailing backslash or an unquoted shell operator.
 */
export function parseCommandLine(line: string): string[] {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (inWord) argv.push(word);
      word = '';
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Unclosed single quote at position ${i} in the command line`);
      word += line.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const c = line[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
          word += line[i + 1];
          i += 2;
        } else {
          word += c;
          i++;
        }
      }
      if (!closed) throw new SyntaxError('Unclosed double quote in the command line');
    } else if (ch === '\\') {
      if (i + 1 >= line.length) throw new SyntaxError('Trailing backslash in the command line');
      word += line[i + 1];
      i += 2;
    } else if (SHELL_OPERATORS.has(ch)) {
      throw new SyntaxError(
        `The command line is run without a shell, so \`${ch}\` would not work; quote it, or use sh -c '…' for shell features`,
      );
    } else {
      word += ch;
      i++;
    }
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) throw new SyntaxError('The command line is empty');
  return argv;
}
