import { describe, expect, it } from 'vitest';
import {
  buildTaskText,
  EMPTY_PROMPT_ERROR,
  misspeltTag,
  parseTaskText,
  type TaskTextParts,
} from '../../../src/task/tags.js';

describe('parseTaskText', () => {
  it.each([
    ['Review this code [model:coder] [thinking:high]', 'Review this code', 'coder', 'high'],
    [
      '[thinking:medium] Write a poem about cats [model:primary]',
      'Write a poem about cats',
      'primary',
      'medium',
    ],
    ['Quick math: 25 × 4 [model:cheap] [thinking:low]', 'Quick math: 25 × 4', 'cheap', 'low'],
    ['[model:research] [thinking:high] Explain quantum', 'Explain quantum', 'research', 'high'],
    ['Write [model:coder] a [thinking:off] sort', 'Write a sort', 'coder', 'off'],
    ['a [model:x/y] [thinking:high] b', 'a b', 'x/y', 'high'],
    ['[ model : coder ] spaced tags [ THINKING :  High ]', 'spaced tags', 'coder', 'high'],
    ['[MODEL:Coder] case [Thinking:LOW]', 'case', 'Coder', 'low'],
    [
      '[model:openrouter/stepfun/step-3.5-flash:free] free',
      'free',
      'openrouter/stepfun/step-3.5-flash:free',
      undefined,
    ],
    ['no tags at all', 'no tags at all', undefined, undefined],
    ['tight[model:coder]text', 'tighttext', 'coder', undefined],
  ])('%j → prompt %j, model %j, thinking %j', (text, prompt, model, thinking) => {
    const parsed = parseTaskText(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.prompt).toBe(prompt);
    expect(parsed.model).toBe(model);
    expect(parsed.thinking).toBe(thinking);
  });

  it('reads retry and origin', () => {
    const parsed = parseTaskText('Do it [retry:2] [origin:discord-1471241464699945010]');
    expect(parsed).toEqual({ prompt: 'Do it', retry: 2, origin: 'discord-1471241464699945010', errors: [] });
  });

  it('defaults retry to 0 and leaves optional fields out', () => {
    expect(parseTaskText('hello')).toEqual({ prompt: 'hello', retry: 0, errors: [] });
  });

  it.each([
    ['arr[0] = 1', 'arr[0] = 1'],
    ['see [foo:bar] and [link](http://x)', 'see [foo:bar] and [link](http://x)'],
    ['[modelx:fast] is not a tag', '[modelx:fast] is not a tag'],
    ['[mode:debug] and [note:x] and [think:deeply]', '[mode:debug] and [note:x] and [think:deeply]'],
    ['[model coder] has no colon', '[model coder] has no colon'],
    ['a [b] c [model:coder]', 'a [b] c'],
  ])('keeps unknown bracketed text: %j', (text, prompt) => {
    const parsed = parseTaskText(text);
    expect(parsed.prompt).toBe(prompt);
    expect(parsed.errors).toEqual([]);
  });

  it.each([
    ['[modle:coder] fix it', 'modle', 'model', '[model:coder]'],
    ['fix it [modelx:coder]', 'modelx', 'model', '[model:coder]'],
    ['[Mdoel:openrouter/x/y] fix it', 'Mdoel', 'model', '[model:coder]'],
    ['[mode:cheap] fix it', 'mode', 'model', '[model:coder]'],
    ['fix it [thinkng:high]', 'thinkng', 'thinking', '[thinking:high]'],
    ['fix it [think:HIGH]', 'think', 'thinking', '[thinking:high]'],
    ['fix it [thinknig:off]', 'thinknig', 'thinking', '[thinking:high]'],
  ])(
    'a misspelt tag %j fails naming the tag it looks like and the valid ones',
    (text, written, meant, example) => {
      const parsed = parseTaskText(text, { trusted: false });
      expect(parsed.errors).toEqual([
        `Unknown tag [${written}:]; did you mean [${meant}:]? The tags are [model:X] and [thinking:Y], e.g. ${example}.`,
      ]);
      // Nothing was read from it: it did not silently become the default model.
      expect(parsed.model).toBeUndefined();
      expect(parsed.thinking).toBeUndefined();
    },
  );

  it('misspeltTag: a near name with a value the tag takes; anything else is text', () => {
    expect(misspeltTag('modle', 'research')).toBe('model');
    expect(misspeltTag('modle', 'fast')).toBeUndefined(); // not a model: plain bracketed text
    expect(misspeltTag('colour', 'red')).toBeUndefined();
    expect(misspeltTag('model', 'coder')).toBeUndefined(); // the real tag
    expect(misspeltTag('retry', '1')).toBeUndefined();
    expect(misspeltTag('thinkingg', 'low')).toBe('thinking');
    expect(misspeltTag('th', 'low')).toBeUndefined();
  });

  it.each([
    ['[model:coder fix this', 'model', '[model:coder]'],
    ['fix this [thinking:high', 'thinking', '[thinking:high]'],
    ['[model:coder do this [thinking:high]', 'model', '[model:coder]'],
    ['[ MODEL : coder\nnext line]', 'model', '[model:coder]'],
  ])('an unclosed tag %j fails (README: malformed tags fail)', (text, name, example) => {
    const parsed = parseTaskText(text);
    expect(parsed.errors).toContain(
      `The [${name}: tag is not closed (no "]" after it on its line); write it like ${example}.`,
    );
  });

  it("an unclosed fleet tag in a person's message is ignored like the closed one; a fleet message fails", () => {
    expect(parseTaskText('do it [retry:1', { trusted: false }).errors).toEqual([]);
    expect(parseTaskText('do it [retry:1', { trusted: true }).errors).toEqual([
      'The [retry: tag is not closed (no "]" after it on its line); write it like [retry:1].',
    ]);
  });

  it('an empty task has one error, exported for callers that word it themselves', () => {
    expect(parseTaskText('  [model:coder] ').errors).toEqual([EMPTY_PROMPT_ERROR]);
  });

  it('keeps newlines and indentation inside the prompt, drops tag-only lines', () => {
    const text =
      '[model:coder]\nFix this:\n\n  def f():\n      return 1  [thinking:high]\n\nThanks\n[retry:1]';
    const parsed = parseTaskText(text);
    expect(parsed.prompt).toBe('Fix this:\n\n  def f():\n      return 1\n\nThanks');
    expect(parsed.model).toBe('coder');
    expect(parsed.thinking).toBe('high');
    expect(parsed.retry).toBe(1);
  });

  it('normalises CRLF', () => {
    expect(parseTaskText('a\r\nb [model:coder]\r\n').prompt).toBe('a\nb');
  });

  it('accepts a repeated tag with the same value', () => {
    const parsed = parseTaskText('[model:coder] x [model:Coder]');
    expect(parsed.errors).toEqual([]);
    expect(parsed.model).toBe('coder');
  });

  it.each([
    ['[model:] x', /\[model:\] tag has no value/],
    ['[thinking:  ] x', /\[thinking:\] tag has no value/],
    ['[retry:x] x', /\[retry:\] tag needs a whole number.*"x"/],
    ['[retry:-1] x', /\[retry:\] tag needs a whole number/],
    ['[origin:../etc] x', /\[origin:\] tag needs a task id/],
    ['[model:coder] x [model:cheap]', /Conflicting \[model:\] tags \("coder" and "cheap"\)/],
    ['[thinking:low] x [thinking:high]', /Conflicting \[thinking:\] tags/],
    ['[model:coder] [thinking:high]', /no prompt/],
    ['   ', /no prompt/],
  ])('reports malformed input %j', (text, pattern) => {
    const parsed = parseTaskText(text);
    expect(parsed.errors.some((e) => pattern.test(e))).toBe(true);
  });

  it('strips malformed known tags from the prompt', () => {
    expect(parseTaskText('[model:] keep me [retry:x]').prompt).toBe('keep me');
  });

  it('reads [author:] as a user id and refuses anything else', () => {
    expect(parseTaskText('x [author:1471241464699945010]').author).toBe('1471241464699945010');
    expect(parseTaskText('x [author:me]').errors).toEqual([
      expect.stringMatching(/\[author:\] tag needs a user id.*"me"/),
    ]);
  });

  it('untrusted (a person wrote it): retry, origin and author are stripped and ignored, model and thinking count', () => {
    const text = 'do it [retry:7] [origin:discord-1] [author:42] [retry:x] [model:coder] [thinking:high]';
    expect(parseTaskText(text, { trusted: false })).toEqual({
      prompt: 'do it',
      retry: 0,
      model: 'coder',
      thinking: 'high',
      errors: [],
    });
    expect(parseTaskText(text, { trusted: true }).retry).toBe(7);
  });
});

describe('buildTaskText', () => {
  const cases: TaskTextParts[] = [
    { prompt: 'Write a poem' },
    { prompt: 'Write a poem', model: 'coder', thinking: 'high' },
    { prompt: 'Fix:\n  code()\n\nthanks', model: 'openrouter/x/y:free', retry: 2, origin: 'discord-123' },
    { prompt: 'arr[0] and [foo:bar] stay', thinking: 'off', retry: 1, origin: 'local-9' },
    { prompt: 'a copy', retry: 1, origin: 'discord-123', author: '987654321' },
  ];
  it.each(cases)('round-trips %j', (parts) => {
    const parsed = parseTaskText(buildTaskText(parts));
    expect(parsed.errors).toEqual([]);
    expect(parsed.prompt).toBe(parts.prompt);
    expect(parsed.model).toBe(parts.model);
    expect(parsed.thinking).toBe(parts.thinking);
    expect(parsed.retry).toBe(parts.retry ?? 0);
    expect(parsed.origin).toBe(parts.origin);
    expect(parsed.author).toBe(parts.author);
  });

  it('writes tags after a one-line prompt and omits retry 0', () => {
    expect(buildTaskText({ prompt: 'Hi', model: 'cheap', retry: 0 })).toBe('Hi [model:cheap]');
  });

  it.each([
    [{ prompt: 'x', model: 'a]b' }],
    [{ prompt: 'x', thinking: '' }],
    [{ prompt: 'x', retry: 1.5 }],
    [{ prompt: 'x', origin: 'a\nb' }],
  ])('refuses values that would not read back: %j', (parts) => {
    expect(() => buildTaskText(parts)).toThrow(TypeError);
  });
});
