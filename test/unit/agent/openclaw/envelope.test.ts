import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractEnvelopeJson, parseEnvelope } from '../../../../src/agent/openclaw/envelope.js';

// Real stdout of `openclaw agent --local --json` (2026.9.6) against the fake model server.
const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseEnvelope', () => {
  it('reads text, model, usage and cost from a finished turn', () => {
    const envelope = parseEnvelope(fixture('envelope-ok.json'));
    expect(envelope).toEqual({
      ok: true,
      text: 'FAKE-REPLY: [Tue 2026-11-24 08:36 UTC] Say hello ple',
      timedOut: false,
      model: 'fake/fake-model',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
      stopReason: 'stop',
    });
  });

  it('reports OpenClaw’s own timeout (exit 1 envelope) with its message, and no answer text', () => {
    const envelope = parseEnvelope(fixture('envelope-timeout.json'));
    expect(envelope?.ok).toBe(false);
    expect(envelope?.timedOut).toBe(true);
    expect(envelope?.text).toBe('');
    expect(envelope?.error).toMatch(/^Request timed out before a response was generated/);
    expect(envelope?.model).toBe('fake/fake-model');
  });

  it('reads the error of a command that failed before the turn ({ok:false, error})', () => {
    const envelope = parseEnvelope(fixture('envelope-cli-error.json'));
    expect(envelope).toEqual({
      ok: false,
      text: '',
      timedOut: false,
      error: 'Thinking level "high" is not supported for fake/fake-model. Use one of: off.',
    });
  });

  it('finds the envelope after junk lines and before trailing junk', () => {
    const stdout = `npm warn something\n[plugin] loaded {weird}\n${fixture('envelope-ok.json')}\ntrailing log line }\n`;
    const envelope = parseEnvelope(stdout);
    expect(envelope?.ok).toBe(true);
    expect(envelope?.usage?.input).toBe(1034);
  });

  it('finds a one-line envelope after junk', () => {
    const line = JSON.stringify({
      payloads: [{ text: 'hi' }],
      meta: { agentMeta: { provider: 'p', model: 'm' } },
    });
    expect(parseEnvelope(`starting...\n${line}\n`)).toMatchObject({ ok: true, text: 'hi', model: 'p/m' });
  });

  it('returns undefined when there is no envelope', () => {
    expect(parseEnvelope('')).toBeUndefined();
    expect(parseEnvelope('[agent] starting\nsomething failed\n')).toBeUndefined();
    expect(parseEnvelope('{"unrelated": true}')).toBeUndefined();
    expect(parseEnvelope('{ "payloads": [ truncated')).toBeUndefined();
  });

  it('joins payload texts when there is no finalAssistantVisibleText, skipping error payloads', () => {
    const envelope = parseEnvelope(
      JSON.stringify({
        payloads: [{ text: 'one' }, { text: 'two' }, { text: 'bad', isError: true }],
        meta: {},
      }),
    );
    expect(envelope?.text).toBe('one\n\ntwo');
    expect(envelope?.error).toBe('bad');
    expect(envelope?.ok).toBe(false);
  });

  it('takes the cost from usage.cost.total when costUsd is absent, and keeps provider-prefixed model ids', () => {
    const envelope = parseEnvelope(
      JSON.stringify({
        payloads: [{ text: 'x' }],
        meta: {
          agentMeta: {
            provider: 'openrouter',
            model: 'anthropic/claude-x',
            usage: { input: 1, output: 2, cost: { total: 0.5 } },
          },
        },
      }),
    );
    expect(envelope?.costUsd).toBe(0.5);
    expect(envelope?.usage).toEqual({ input: 1, output: 2, cacheRead: 0, cacheWrite: 0 });
    expect(envelope?.model).toBe('openrouter/anthropic/claude-x');
  });

  it('unwraps the Gateway’s {result:{payloads, meta}}', () => {
    const stdout = JSON.stringify({
      runId: 'r',
      status: 'ok',
      result: { payloads: [{ text: 'gw' }], meta: {} },
    });
    expect(parseEnvelope(stdout)).toMatchObject({ ok: true, text: 'gw' });
  });

  it('treats an aborted run as a failure', () => {
    expect(parseEnvelope(JSON.stringify({ payloads: [], meta: { aborted: true } }))).toMatchObject({
      ok: false,
      error: 'OpenClaw aborted the run',
    });
  });

  it('bounds its search on pathological output', () => {
    const junk = Array.from({ length: 200 }, (_, i) => `{ not json ${i} }`).join('\n');
    expect(extractEnvelopeJson(junk)).toBeUndefined();
  });
});
