import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../../src/agent/command/parse-command-line.js';

describe('parseCommandLine', () => {
  it.each<[string, string[]]>([
    ['python3 my_agent.py --fast', ['python3', 'my_agent.py', '--fast']],
    ['  node\tagent.mjs \n x ', ['node', 'agent.mjs', 'x']],
    [`python3 "my agent.py" --name 'a b'`, ['python3', 'my agent.py', '--name', 'a b']],
    ['a x\\ y', ['a', 'x y']],
    [`a 'it''s' "say \\"hi\\""`, ['a', 'its', 'say "hi"']],
    [`a "back\\\\slash" "keep\\n" 'lit\\eral'`, ['a', 'back\\slash', 'keep\\n', 'lit\\eral']],
    [`a '' ""`, ['a', '', '']],
    [`a --opt="x y"z`, ['a', '--opt=x yz']],
    [`a '$HOME|x;y'`, ['a', '$HOME|x;y']],
    [`a "$HOME"`, ['a', '$HOME']],
  ])('%s', (line, argv) => {
    expect(parseCommandLine(line)).toEqual(argv);
  });

  it.each<[string, RegExp]>([
    ['', /empty/],
    ['   ', /empty/],
    [`a 'b`, /Unclosed single quote/],
    [`a "b`, /Unclosed double quote/],
    ['a b\\', /Trailing backslash/],
    ['a | b', /without a shell, so `\|`/],
    ['a > out.txt', /`>`/],
    ['a && b', /`&`/],
    ['echo $HOME', /`\$`/],
  ])('rejects %j', (line, message) => {
    expect(() => parseCommandLine(line)).toThrow(message);
  });
});
