import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProcessOutcome } from '../../../../src/agent/process.js';
import { openClawResult, stderrReason, type OutcomeContext } from '../../../../src/agent/openclaw/outcome.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const outcome = (over: Partial<ProcessOutcome>): ProcessOutcome => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  aborted: false,
  forceKilled: false,
  durationMs: 12_345,
  stdout: '',
  stderr: '',
  stdoutTruncated: false,
  stderrTruncated: false,
  failedToStart: false,
  pid: 4242,
  ...over,
});

const context: OutcomeContext = {
  requestedModel: 'fake/fake-model',
  timeoutMs: 120_000,
  turnTimeoutSec: 90,
  notes: ['a note'],
};

describe('openClawResult', () => {
  it('exit 0 with an answer: ok, with usage, cost, model, notes and duration', () => {
    const result = openClawResult(outcome({ stdout: fixture('envelope-ok.json') }), context);
    expect(result).toEqual({
      ok: true,
      text: 'FAKE-REPLY: [Tue 2026-11-24 08:36 UTC] Say hello ple',
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 12_345,
      model: 'fake/fake-model',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
      notes: ['a note'],
    });
  });

  it('exit 1 with an error envelope: failed with OpenClaw’s message', () => {
    const result = openClawResult(
      outcome({ exitCode: 1, stdout: fixture('envelope-cli-error.json') }),
      context,
    );
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      'openclaw failed: Thinking level "high" is not supported for fake/fake-model. Use one of: off.',
    );
    expect(result.timedOut).toBe(false);
    expect(result.model).toBe('fake/fake-model');
  });

  it('exit 1 with OpenClaw’s own timeout: timedOut, without its config advice', () => {
    const result = openClawResult(
      outcome({ exitCode: 1, stdout: fixture('envelope-timeout.json') }),
      context,
    );
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(true);
    expect(result.error).toBe(
      'openclaw timed out at its 90 s turn deadline (task timeout 120 s): Request timed out before a response was generated',
    );
  });

  it('our own deadline: timedOut, killed', () => {
    const result = openClawResult(outcome({ exitCode: null, signal: 'SIGTERM', timedOut: true }), context);
    expect(result).toMatchObject({
      ok: false,
      timedOut: true,
      error: 'openclaw timed out after 120 s (killed)',
    });
  });

  it('cancellation, exit 143 and a missing executable', () => {
    expect(openClawResult(outcome({ exitCode: null, signal: 'SIGTERM', aborted: true }), context).error).toBe(
      'openclaw was cancelled (killed)',
    );
    expect(openClawResult(outcome({ exitCode: 143 }), context).error).toBe(
      'openclaw was terminated (SIGTERM, exit code 143)',
    );
    const notFound = outcome({ failedToStart: true, error: '`/x/openclaw` does not exist', exitCode: null });
    delete notFound.pid;
    expect(openClawResult(notFound, context).error).toBe(
      'could not start openclaw: `/x/openclaw` does not exist',
    );
  });

  it('no envelope: failed, with the stderr reason', () => {
    const stderr =
      '\u001b[33m[agent] starting\u001b[39m\n[openclaw] The CLI command failed.\n' +
      '[openclaw] Reason: config invalid: models.providers.fake.api\n[openclaw] Try: openclaw doctor\n';
    const result = openClawResult(outcome({ exitCode: 1, stdout: 'not json\n', stderr }), context);
    expect(result.ok).toBe(false);
    expect(result.error).toBe(
      'openclaw exited with code 1 without a JSON result: config invalid: models.providers.fake.api',
    );
    expect(result.usage).toEqual({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
  });

  it('exit 0 with an empty answer is a failure', () => {
    const stdout = JSON.stringify({ payloads: [], meta: { stopReason: 'stop' } });
    expect(openClawResult(outcome({ stdout }), context).error).toBe('openclaw finished without an answer');
  });

  it('redacts secrets from text and errors', () => {
    const stdout = JSON.stringify({ payloads: [{ text: 'token is sekrit-123' }], meta: {} });
    const result = openClawResult(outcome({ stdout }), {
      ...context,
      redact: (t) => t.replaceAll('sekrit-123', '***'),
    });
    expect(result.text).toBe('token is ***');
    const failed = openClawResult(outcome({ exitCode: 1, stderr: 'bad key sekrit-123' }), {
      ...context,
      redact: (t) => t.replaceAll('sekrit-123', '***'),
    });
    expect(failed.error).toBe('openclaw exited with code 1 without a JSON result: bad key ***');
  });
});

describe('stderrReason', () => {
  it('falls back to the last line', () => {
    expect(stderrReason('one\ntwo\n\n')).toBe('two');
    expect(stderrReason('')).toBeUndefined();
  });
});
