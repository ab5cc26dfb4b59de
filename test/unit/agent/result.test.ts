import { describe, expect, it } from 'vitest';
import type { ProcessOutcome } from '../../../src/agent/process.js';
import {
  describeProcessFailure,
  EMPTY_USAGE,
  failureResult,
  formatDuration,
  resultFromProcess,
  successResult,
} from '../../../src/agent/result.js';

function outcome(overrides: Partial<ProcessOutcome> = {}): ProcessOutcome {
  return {
    exitCode: 0,
    signal: null,
    timedOut: false,
    aborted: false,
    forceKilled: false,
    durationMs: 1234.4,
    stdout: 'answer\n',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    failedToStart: false,
    pid: 42,
    ...overrides,
  };
}

describe('describeProcessFailure', () => {
  it.each<[string, Partial<ProcessOutcome>, number | undefined, string | undefined]>([
    ['success', {}, undefined, undefined],
    [
      'timeout',
      { timedOut: true, exitCode: null, signal: 'SIGTERM' },
      120_000,
      'agent timed out after 120 s (killed)',
    ],
    [
      'timeout needing SIGKILL',
      { timedOut: true, exitCode: null, signal: 'SIGKILL', forceKilled: true },
      500,
      'agent timed out after 0.5 s (killed with SIGKILL after ignoring SIGTERM)',
    ],
    [
      'timeout, measured',
      { timedOut: true, durationMs: 3000 },
      undefined,
      'agent timed out after 3 s (killed)',
    ],
    [
      'abort',
      { aborted: true, exitCode: null, signal: 'SIGTERM' },
      undefined,
      'agent was cancelled (killed)',
    ],
    [
      'abort before start',
      { aborted: true, pid: undefined },
      undefined,
      'agent was cancelled before it started',
    ],
    ['signal', { exitCode: null, signal: 'SIGSEGV' }, undefined, 'agent was killed by SIGSEGV'],
    ['exit code', { exitCode: 3 }, undefined, 'agent exited with code 3'],
    [
      'exit code + stderr',
      { exitCode: 3, stderr: 'a\nerror: boom\n\n' },
      undefined,
      'agent exited with code 3: error: boom',
    ],
    [
      'start failure',
      { failedToStart: true, exitCode: null, error: '`foo` not found on PATH', pid: undefined },
      undefined,
      'could not start agent: `foo` not found on PATH',
    ],
  ])('%s', (_name, overrides, timeoutMs, expected) => {
    expect(describeProcessFailure(outcome(overrides), { timeoutMs })).toBe(expected);
  });

  it('cuts a long stderr line and can leave it out', () => {
    const long = 'x'.repeat(500);
    const sentence = describeProcessFailure(outcome({ exitCode: 1, stderr: long }))!;
    expect(sentence.length).toBeLessThan(250);
    expect(sentence.endsWith('…')).toBe(true);
    expect(describeProcessFailure(outcome({ exitCode: 1, stderr: long }), { stderrDetail: false })).toBe(
      'agent exited with code 1',
    );
  });
});

describe('resultFromProcess', () => {
  it('builds a success result from stdout', () => {
    const result = resultFromProcess(outcome(), { model: 'p/m' });
    expect(result).toEqual({
      ok: true,
      text: 'answer\n',
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 1234,
      model: 'p/m',
      usage: EMPTY_USAGE,
      notes: [],
    });
    expect(result.error).toBeUndefined();
  });

  it('builds a failure with stderr as text when stdout is empty', () => {
    const result = resultFromProcess(outcome({ exitCode: 2, stdout: '', stderr: 'oops' }), { model: 'p/m' });
    expect(result).toMatchObject({
      ok: false,
      text: 'oops',
      exitCode: 2,
      error: 'agent exited with code 2: oops',
    });
  });

  it('a timed-out agent that exits 0 on SIGTERM is still a failure', () => {
    const result = resultFromProcess(outcome({ timedOut: true, exitCode: 0 }), {
      model: 'p/m',
      timeoutMs: 60_000,
    });
    expect(result).toMatchObject({ ok: false, timedOut: true, error: 'agent timed out after 60 s (killed)' });
  });

  it('keeps usage, cost and notes', () => {
    const usage = { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 };
    const result = resultFromProcess(outcome(), { model: 'm', usage, costUsd: 0.5, notes: ['n'], text: 'T' });
    expect(result).toMatchObject({ text: 'T', usage, costUsd: 0.5, notes: ['n'] });
  });
});

describe('builders and helpers', () => {
  it('successResult and failureResult fill defaults and copy inputs', () => {
    const notes = ['a'];
    const ok = successResult({ model: 'm', notes });
    notes.push('b');
    expect(ok).toMatchObject({ ok: true, text: '', exitCode: null, usage: EMPTY_USAGE, notes: ['a'] });
    expect(ok.usage).not.toBe(EMPTY_USAGE);
    const failed = failureResult('it broke', { model: 'm', costUsd: Number.NaN });
    expect(failed).toMatchObject({ ok: false, error: 'it broke' });
    expect('costUsd' in failed).toBe(false);
  });

  it.each([
    [500, '0.5 s'],
    [9_960, '10 s'],
    [45_000, '45 s'],
    [120_000, '120 s'],
    [600_000, '600 s'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
