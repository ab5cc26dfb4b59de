import { describe, expect, it } from 'vitest';
import { controlChars } from '../../helpers/controls.js';
import {
  MAX_ATTACHMENTS,
  MAX_CONTENT_LENGTH,
  MAX_FILE_BYTES,
  REPORT_SEPARATOR,
  formatDuration,
  formatReport,
  formatStatus,
  parseReportHeader,
  type ReportInput,
} from '../../../src/task/format.js';

const TASK = 'discord-1471241464699945010';

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    outcome: 'SUCCESS',
    taskId: TASK,
    workerId: 'worker-2',
    model: 'openrouter/moonshotai/kimi-k2.5',
    thinking: 'low',
    usage: { input: 180, output: 61, cacheRead: 0, cacheWrite: 0 },
    costUsd: 0.000218,
    prompt: 'Calculate 25 × 4',
    text: '25 × 4 = 100',
    notes: [],
    durationMs: 12_345,
    workspace: `workers/worker-2/tasks/${TASK}`,
    ...overrides,
  };
}

// The fenced blocks of a message: each opening ``` line to the next ``` line.
function blocks(content: string): string[] {
  const out: string[] = [];
  const lines = content.split('\n');
  let open: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith('```')) {
      if (open) {
        out.push(open.join('\n'));
        open = null;
      } else open = [];
    } else if (open) open.push(line);
  }
  expect(open).toBeNull();
  return out;
}

describe('formatReport', () => {
  it('writes the seed format exactly', () => {
    const report = formatReport(input());
    expect(report.content).toBe(
      [
        '═══════════════════════════════════════',
        '[SUCCESS] discord-1471241464699945010 by worker-2',
        'Model: openrouter/moonshotai/kimi-k2.5 | Thinking: low | Tokens: 180 in / 61 out | Cost: $0.000218',
        '',
        'Task Prompt:',
        '```',
        'Calculate 25 × 4',
        '```',
        '',
        'Result:',
        '```',
        '25 × 4 = 100',
        '```',
        '',
        '📁 Workspace: `workers/worker-2/tasks/discord-1471241464699945010`',
      ].join('\n'),
    );
    expect(report.outcome).toBe('SUCCESS');
    expect(report.files).toEqual([]);
  });

  it.each([
    [{ input: 1000, output: 56, cacheRead: 200, cacheWrite: 34 }, 'Tokens: 1234 in (200 cached) / 56 out'],
    [{ input: 1000, output: 56, cacheRead: 0, cacheWrite: 34 }, 'Tokens: 1034 in / 56 out'],
    [{ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, 'Tokens: 0 in / 0 out'],
  ])('counts every prompt token as in: %j', (usage, expected) => {
    expect(formatReport(input({ usage })).content).toContain(expected);
  });

  it.each([
    [0, '$0.000000'],
    [0.004002, '$0.004002'],
    [1.5, '$1.500000'],
    [0.0000001, '$0.000000'],
    [Number.NaN, '$0.000000'],
    [-1, '$0.000000'],
  ])('writes cost %s as %s', (costUsd, expected) => {
    expect(formatReport(input({ costUsd })).content).toContain(`| Cost: ${expected}\n`);
  });

  it.each([
    ['openrouter/moonshotai/kimi-k2.5', false],
    ['moonshotai/kimi-k2.5', false],
    ['openrouter/qwen/qwen3-coder-next', true],
  ])('says when the model that ran differs from %s', (requestedModel, differs) => {
    const { content } = formatReport(input({ requestedModel }));
    expect(content.includes(`(requested ${requestedModel})`)).toBe(differs);
  });

  it('shows Error before the Result block and notes as Note lines', () => {
    const { content, outcome } = formatReport(
      input({
        outcome: 'FAILED',
        error: 'agent timed out after 120 s',
        notes: ['thinking downgraded to off'],
      }),
    );
    expect(outcome).toBe('FAILED');
    expect(content).toContain('[FAILED] discord-1471241464699945010 by worker-2');
    const error = content.indexOf('Error: agent timed out after 120 s\n');
    const note = content.indexOf('Note: thinking downgraded to off\n');
    expect(error).toBeGreaterThan(content.indexOf('Task Prompt:'));
    expect(note).toBeGreaterThan(error);
    expect(content.indexOf('Result:')).toBeGreaterThan(note);
  });

  it('shows placeholders for an empty prompt or result', () => {
    const { content } = formatReport(input({ outcome: 'FAILED', prompt: '', text: '', error: 'crashed' }));
    expect(blocks(content)).toEqual(['(empty)', '(no output)']);
  });

  it('truncates a 100 KB result to fit and attaches it whole as RESULT.txt', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `line ${i} ${'x'.repeat(45)}`).join('\n');
    expect(text.length).toBeGreaterThan(100_000);
    const report = formatReport(input({ text }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(report.content).toContain('… (truncated; full text in RESULT.txt)');
    expect(report.files).toHaveLength(1);
    expect(report.files[0]!.name).toBe('RESULT.txt');
    expect(report.files[0]!.data.toString('utf8')).toBe(text);
    const [prompt, result] = blocks(report.content);
    expect(prompt).toBe('Calculate 25 × 4');
    expect(text.startsWith(result!)).toBe(true);
    expect(result!.length).toBeGreaterThan(1200);
    expect(parseReportHeader(report.content)?.taskId).toBe(TASK);
  });

  it('gives the result most of the room when both are long', () => {
    const report = formatReport(input({ prompt: 'p'.repeat(50_000), text: 'r'.repeat(50_000) }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    const [prompt, result] = blocks(report.content);
    expect(result!.length).toBeGreaterThan(prompt!.length * 2);
    expect(report.content).toContain('… (truncated; full prompt in the task message)');
    expect(report.content).toContain('… (truncated; full text in RESULT.txt)');
  });

  it('truncates only the prompt when the result is short', () => {
    const report = formatReport(input({ prompt: 'p'.repeat(50_000), text: 'short answer' }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(blocks(report.content)[1]).toBe('short answer');
    expect(report.files).toEqual([]);
    expect(report.content).toContain('full prompt in the task message');
  });

  it('never splits a surrogate pair when truncating', () => {
    const report = formatReport(input({ text: '😀'.repeat(3000) }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(report.content).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it.each([
    ['a fenced block in the result', 'Here:\n```js\nconsole.log(1)\n```\ndone'],
    ['a bare fence line', '```'],
    ['a long backtick run', 'x ````````` y'],
    ['a fence at the end', 'tail ```'],
  ])('keeps the blocks closed with %s', (_name, text) => {
    const report = formatReport(input({ text, prompt: text }));
    const found = blocks(report.content);
    expect(found).toHaveLength(2);
    for (const block of found) {
      expect(block).not.toMatch(/```/);
      expect(block.replace(/\u200b/g, '')).toBe(text);
    }
  });

  it('keeps fences closed when a truncated result has fences everywhere', () => {
    const report = formatReport(input({ text: '```\ncode\n```\n'.repeat(5000) }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(blocks(report.content)).toHaveLength(2);
  });

  it('leaves mentions and markdown as written', () => {
    const text = '@everyone @here <@123456789> **bold** <#987>';
    const report = formatReport(input({ text }));
    expect(blocks(report.content)[1]).toBe(text);
    expect(report.summary).toContain(text);
  });

  it('applies the redactor to everything before layout', () => {
    const secret = 'SECRET-TOKEN-VALUE';
    const redact = (t: string) => t.split(secret).join('[redacted]');
    const report = formatReport(
      input({
        prompt: `p ${secret}`,
        text: `r ${secret} ${'x'.repeat(5000)}`,
        error: `e ${secret}`,
        notes: [`n ${secret}`],
        outcome: 'FAILED',
        redact,
      }),
    );
    const all = [report.content, report.summary, ...report.files.map((f) => f.data.toString())].join('\n');
    expect(all).not.toContain(secret);
    expect(report.content).toContain('Error: e [redacted]');
  });

  it('redacts the model, the requested model and file names too', () => {
    const secret = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhIjKl.abcdefghijklmnop';
    const redact = (t: string) => t.split(secret).join('[redacted]');
    const report = formatReport(
      input({
        model: secret,
        requestedModel: `openrouter/${secret}/x`,
        files: [{ name: `${secret}.txt`, data: Buffer.from('hi') }],
        redact,
      }),
    );
    const all = [report.content, report.summary, ...report.files.map((f) => f.name)].join('\n');
    expect(all).not.toContain(secret);
    expect(report.content).toContain('Model: [redacted] (requested openrouter/[redacted]/x)');
    expect(report.files.map((f) => f.name)).toEqual(['_redacted_.txt']);
  });

  it('strips NUL and other control characters from everything posted', () => {
    const report = formatReport(
      input({
        outcome: 'FAILED',
        text: 'line1\u0000\u0007\r\nline2\u001b[2J\u0085 end\ttab',
        error: 'bad\u0000 thing',
        notes: ['note\u0008!'],
        model: 'a/b\u0000c',
        prompt: 'hi\u0000',
      }),
    );
    expect(controlChars(report.content)).toEqual([]);
    expect(controlChars(report.summary)).toEqual([]);
    expect(blocks(report.content)[1]).toBe('line1\nline2[2J end\ttab');
    expect(report.content).toContain('Error: bad thing');
    expect(report.content).toContain('Note: note!');
    expect(report.content).toContain('Model: a/bc |');
  });

  it('neutralises file names that would break Markdown, a fence or a mention', () => {
    const big = Buffer.alloc(MAX_FILE_BYTES + 1);
    const report = formatReport(
      input({
        files: [
          { name: '```\n@everyone <@123> **x**.txt', data: Buffer.from('a') },
          { name: '`oops`.bin', data: big },
        ],
      }),
    );
    expect(report.files.map((f) => f.name)).toEqual(['_____everyone___123____x__.txt']);
    expect(report.content).toContain('📎 Not attached: `_oops_.bin` (too large: 10.0 MiB)');
    expect(blocks(report.content)).toHaveLength(2);
  });

  it('attaches agent files, capped at 10 attachments and 10 MiB each', () => {
    const files = [
      { name: 'big.bin', data: Buffer.alloc(MAX_FILE_BYTES + 1) },
      ...Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from(`file ${i}`) })),
    ];
    const report = formatReport(input({ files }));
    expect(report.files.map((f) => f.name)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}.txt`));
    expect(report.content).toContain(
      '📎 Not attached: `big.bin` (too large: 10.0 MiB), `f10.txt` (attachment limit)',
    );
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
  });

  it('puts RESULT.txt first and keeps the total at 10 attachments', () => {
    const files = Array.from({ length: 10 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }));
    const report = formatReport(input({ text: 'y'.repeat(10_000), files }));
    expect(report.files).toHaveLength(MAX_ATTACHMENTS);
    expect(report.files[0]!.name).toBe('RESULT.txt');
    expect(report.content).toContain('`f9.txt` (attachment limit)');
  });

  it('lists many skipped files briefly', () => {
    const files = Array.from({ length: 200 }, (_, i) => ({
      name: `some-long-file-name-${i}.png`,
      data: Buffer.from('x'),
    }));
    const report = formatReport(input({ files }));
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(report.content).toMatch(/and \d+ more\n/);
  });

  it('stays within 2000 characters with long error, notes, ids and workspace', () => {
    const report = formatReport(
      input({
        outcome: 'FAILED',
        error: 'e'.repeat(5000),
        notes: Array.from({ length: 20 }, () => 'n'.repeat(500)),
        model: 'm/'.repeat(200),
        requestedModel: 'q/'.repeat(200),
        workspace: 'w'.repeat(1000),
        prompt: 'p'.repeat(5000),
        text: 't'.repeat(5000),
      }),
    );
    expect(report.content.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(blocks(report.content)).toHaveLength(2);
    expect(report.content).toContain('Note: … and 17 more');
  });

  it('summarises success with stats and the start of the result', () => {
    const report = formatReport(
      input({
        usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
        costUsd: 0.004002,
        text: 'a'.repeat(1000),
      }),
    );
    const [first, second] = report.summary.split('\n');
    expect(first).toBe('✅ SUCCESS in 12.3 s · 1234 in (200 cached) / 56 out · $0.004002');
    expect(second).toBe(`${'a'.repeat(300)}…`);
  });

  it('summarises failure with the reason', () => {
    const report = formatReport(input({ outcome: 'FAILED', error: 'model refused', durationMs: 125_000 }));
    expect(report.summary.split('\n')[0]).toBe('❌ FAILED: model refused');
    expect(report.summary).toContain('after 2 min 5 s');
  });
});

describe('parseReportHeader', () => {
  it.each([
    input(),
    input({
      outcome: 'FAILED',
      error: 'x',
      usage: { input: 1000, output: 56, cacheRead: 200, cacheWrite: 34 },
    }),
    input({ requestedModel: 'openrouter/qwen/qwen3-coder-next', costUsd: 12.345678, thinking: 'xhigh' }),
    input({ model: 'openrouter/stepfun/step-3.5-flash:free', costUsd: 0, text: 'z'.repeat(9000) }),
  ])('reads back what formatReport wrote (%#)', (i) => {
    const header = parseReportHeader(formatReport(i).content);
    const cached = i.usage.cacheRead;
    expect(header).toEqual({
      outcome: i.outcome,
      taskId: i.taskId,
      workerId: i.workerId,
      model: i.model,
      ...(i.requestedModel ? { requestedModel: i.requestedModel } : {}),
      thinking: i.thinking,
      tokensIn: i.usage.input + cached + i.usage.cacheWrite,
      cached,
      tokensOut: i.usage.output,
      costUsd: i.costUsd,
    });
  });

  it("reads the seed's own messages (blank line after the separator, CRLF)", () => {
    const seed = [
      REPORT_SEPARATOR,
      '',
      '[SUCCESS] discord-1471241464699945010 by worker-2',
      'Model: openrouter/moonshotai/kimi-k2.5 | Thinking: low | Tokens: 180 in / 61 out | Cost: $0.000218',
      '',
      'Task Prompt:',
    ].join('\r\n');
    expect(parseReportHeader(seed)).toMatchObject({
      taskId: TASK,
      tokensIn: 180,
      tokensOut: 61,
      costUsd: 0.000218,
    });
  });

  it.each([
    '',
    'hello world',
    '[READY] worker-1 online',
    '[SUCCESS] discord-1 by worker-1\nnot a model line',
    'Model: a/b | Thinking: low | Tokens: 1 in / 1 out | Cost: $0.1\n[SUCCESS] discord-1 by w',
  ])('returns null for other messages: %j', (content) => {
    expect(parseReportHeader(content)).toBeNull();
  });
});

describe('formatStatus', () => {
  it.each([
    ['worker-1', 'READY', 'Online and waiting', '[worker-1] [READY] Online and waiting'],
    ['worker-2', 'CLAIMED', 'discord-123', '[worker-2] [CLAIMED] discord-123'],
    ['worker-3', 'IDLE', '', '[worker-3] [IDLE]'],
  ] as const)('%s %s %j', (workerId, status, detail, expected) => {
    expect(formatStatus(workerId, status, detail)).toBe(expected);
  });

  it('stays within 2000 characters', () => {
    expect(formatStatus('w', 'ERROR', 'x'.repeat(5000)).length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.0 s'],
    [12_345, '12.3 s'],
    [59_949, '59.9 s'],
    [125_000, '2 min 5 s'],
    [3_840_000, '1 h 4 min'],
    [Number.NaN, '0.0 s'],
  ])('%s ms → %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected));
});
