/** The CANCELLED result, reading any result's outcome line and machine back, and reading status lines back. */
import { describe, expect, it } from 'vitest';
import {
  MAX_CONTENT_LENGTH,
  REPORT_SEPARATOR,
  formatCancelled,
  formatReport,
  formatStatus,
  isReportSummary,
  parseReportHeader,
  parseStatus,
  readResultLine,
} from '../../../src/task/format.js';

const TASK = 'discord-1471241464699945010';

describe('formatCancelled', () => {
  it('says CANCELLED, by whom, how and what it stopped, in the seed layout', () => {
    const text = formatCancelled({
      taskId: TASK,
      by: 'alice',
      how: 'with a 🛑 reaction',
      worker: 'box-2',
      ranMs: 42_000,
      prompt: 'Summarise the log',
    });
    expect(text.split('\n').slice(0, 3)).toEqual([
      REPORT_SEPARATOR,
      `[CANCELLED] ${TASK} by alice`,
      'Cancelled with a 🛑 reaction by alice. It was running on box-2 for 42.0 s: stopped, its result is dropped.',
    ]);
    expect(text).toContain('Task Prompt:\n```\nSummarise the log\n```');
    expect(readResultLine(text)).toEqual({ outcome: 'CANCELLED', taskId: TASK, by: 'alice' });
    // Not a cost-bearing result: cost reports skip it.
    expect(parseReportHeader(text)).toBeNull();
  });

  it('a task that never started; a name with spaces becomes one word; a huge prompt stays within 2000', () => {
    const text = formatCancelled({
      taskId: TASK,
      by: 'Alice Smith',
      how: 'with dorch cancel',
      prompt: 'x'.repeat(5000),
    });
    expect(text).toContain(`[CANCELLED] ${TASK} by Alice_Smith`);
    expect(text).toContain('It had not started.');
    expect(text.length).toBeLessThanOrEqual(MAX_CONTENT_LENGTH);
    expect(text).toContain('(truncated; full prompt in the task message)');
  });

  it('fences in the prompt cannot close the block; secrets are redacted', () => {
    const text = formatCancelled({
      taskId: TASK,
      by: 'op',
      how: 'with dorch cancel',
      prompt: 'a ``` b sk-secret-1',
      redact: (t) => t.replaceAll('sk-secret-1', '[redacted]'),
    });
    expect(text.match(/```/g)).toHaveLength(2);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain('sk-secret-1');
  });
});

describe('readResultLine', () => {
  const base = {
    outcome: 'SUCCESS' as const,
    taskId: TASK,
    workerId: 'box-2',
    model: 'a/b',
    thinking: 'low',
    usage: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
    costUsd: 0,
    prompt: 'p',
    text: 't',
    notes: [],
    durationMs: 1,
    workspace: `workers/box-2/tasks/${TASK}`,
  };

  it('reads the outcome, the worker and the machine a result names', () => {
    const report = formatReport({ ...base, machine: 'box' });
    expect(report.content).toContain(`📁 Workspace: \`workers/box-2/tasks/${TASK}\` on \`box\``);
    expect(readResultLine(report.content)).toEqual({
      outcome: 'SUCCESS',
      taskId: TASK,
      by: 'box-2',
      machine: 'box',
    });
    // The header parser (costs) still reads it.
    expect(parseReportHeader(report.content)?.workerId).toBe('box-2');
  });

  it('a result without a machine (older results, the seed) has none; other messages are null', () => {
    expect(readResultLine(formatReport(base).content)).toEqual({
      outcome: 'SUCCESS',
      taskId: TASK,
      by: 'box-2',
    });
    expect(readResultLine('hello')).toBeNull();
    expect(readResultLine(`${REPORT_SEPARATOR}\n[DONE] x by y`)).toBeNull();
  });

  it('isReportSummary tells a fenced short form from a heartbeat', () => {
    expect(isReportSummary(formatReport(base).summary)).toBe(true);
    expect(isReportSummary(formatReport({ ...base, outcome: 'FAILED', error: 'x' }).summary)).toBe(true);
    expect(isReportSummary('⏳ Running on **box-2** · 3 s elapsed')).toBe(false);
  });
});

describe('parseStatus', () => {
  it('reads a status line back, with the machine it names', () => {
    expect(parseStatus(formatStatus('box-1', 'READY', 'Online and waiting (on box)'))).toEqual({
      workerId: 'box-1',
      status: 'READY',
      detail: 'Online and waiting',
      machine: 'box',
    });
    expect(parseStatus('[worker-1] [CLAIMED] Working on discord-1')).toEqual({
      workerId: 'worker-1',
      status: 'CLAIMED',
      detail: 'Working on discord-1',
    });
    expect(parseStatus('just chatting')).toBeNull();
  });
});
