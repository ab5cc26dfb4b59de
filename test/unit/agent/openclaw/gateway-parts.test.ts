/** The Gateway mode's pure parts: the config it starts with, the result mapping, and the leftover rule. */
import { describe, expect, it } from 'vitest';
import { gatewayResult } from '../../../../src/agent/openclaw/gateway/result.js';
import type { GatewayTaskOutcome } from '../../../../src/agent/openclaw/gateway/gateway-host.js';
import { buildGatewayConfig, gatewayArgs } from '../../../../src/agent/openclaw/gateway/overlay.js';
import { findLeftovers, runsOpenClaw } from '../../../../src/agent/openclaw/gateway/leftovers.js';
import { describeGatewayExit } from '../../../../src/agent/openclaw/gateway/gateway-process.js';
import type { ProcessOutcome } from '../../../../src/agent/process.js';
import type { ProcessEntry, ProcessTable } from '../../../../src/lib/processes/process-table.js';
import { AGENT_OWNER_ENV } from '../../../../src/lib/processes/agent-marker.js';

const context = { requestedModel: 'fake/fake-model', timeoutMs: 60_000, turnTimeoutSec: 55, notes: [] };

function outcome(over: Partial<GatewayTaskOutcome> = {}): GatewayTaskOutcome {
  return { timedOut: false, aborted: false, gatewayStopped: false, leftovers: 0, durationMs: 1234, ...over };
}

const finished = {
  ok: true,
  payload: {
    runId: 'r',
    status: 'ok',
    summary: 'completed',
    result: {
      payloads: [{ text: 'PROBE-OK' }],
      meta: {
        agentMeta: {
          provider: 'fake',
          model: 'fake-model',
          usage: {
            input: 1034,
            output: 56,
            cacheRead: 200,
            cacheWrite: 0,
            total: 1290,
            cost: { total: 0.004002 },
          },
          costUsd: 0.004002,
        },
      },
    },
  },
};

describe('gatewayResult', () => {
  it('reads text, model, usage and cost from the envelope nested under result', () => {
    expect(gatewayResult(outcome({ response: finished }), context)).toEqual({
      ok: true,
      text: 'PROBE-OK',
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 1234,
      model: 'fake/fake-model',
      usage: { input: 1034, output: 56, cacheRead: 200, cacheWrite: 0 },
      costUsd: 0.004002,
      notes: [],
    });
  });

  it('keeps the usage of a turn that was aborted on our deadline', () => {
    const result = gatewayResult(outcome({ response: finished, timedOut: true }), context);
    expect(result).toMatchObject({ ok: false, timedOut: true, usage: { input: 1034 } });
    expect(result.error).toBe('openclaw timed out after 60 s (the turn was aborted)');
  });

  it('says when the Gateway died or was never reached', () => {
    expect(
      gatewayResult(
        outcome({ failure: 'the OpenClaw Gateway was killed by SIGKILL during the task' }),
        context,
      ).error,
    ).toBe('the OpenClaw Gateway was killed by SIGKILL during the task');
    expect(gatewayResult(outcome(), context).error).toBe('the OpenClaw Gateway gave no answer');
    expect(gatewayResult(outcome({ aborted: true }), context).error).toBe(
      'openclaw was cancelled before it started',
    );
  });

  it('treats an aborted answer without result as a failure, never a success', () => {
    const aborted = {
      ok: true,
      payload: { runId: 'r', status: 'timeout', summary: 'aborted', stopReason: 'rpc' },
    };
    expect(gatewayResult(outcome({ response: aborted }), context)).toMatchObject({
      ok: false,
      timedOut: true,
      error: 'openclaw timed out at its 55 s turn deadline (task timeout 60 s)',
    });
  });

  it('fails an answer without text, and redacts what leaves', () => {
    const empty = structuredClone(finished);
    empty.payload.result.payloads = [{ text: '' }];
    expect(gatewayResult(outcome({ response: empty }), context).error).toBe(
      'openclaw finished without an answer',
    );
    const leaky = structuredClone(finished);
    leaky.payload.result.payloads = [{ text: 'key sk-secret-123' }];
    const redact = (t: string): string => t.replace('sk-secret-123', '[redacted]');
    expect(gatewayResult(outcome({ response: leaky }), { ...context, redact }).text).toBe('key [redacted]');
  });
});

describe('buildGatewayConfig', () => {
  it('includes the user config and owns only the gateway, the fallback workspace and two tool settings', () => {
    expect(
      buildGatewayConfig({
        userConfigPath: '/home/u/.openclaw/openclaw.json',
        userConfigExists: true,
        port: 40123,
        token: 'tok',
        workspace: '/s/gateway/workspace',
      }),
    ).toEqual({
      $include: '/home/u/.openclaw/openclaw.json',
      gateway: {
        mode: 'local',
        port: 40123,
        bind: 'loopback',
        auth: { mode: 'token', token: 'tok' },
        controlUi: { enabled: false },
      },
      agents: { defaults: { workspace: '/s/gateway/workspace', skipBootstrap: true } },
      tools: { exec: { notifyOnExit: false }, sessions: { visibility: 'tree' } },
    });
    expect(gatewayArgs(40123)).toEqual([
      'gateway',
      'run',
      '--port',
      '40123',
      '--bind',
      'loopback',
      '--auth',
      'token',
    ]);
  });
});

describe('findLeftovers', () => {
  const PKG = '/opt/openclaw';
  const MARK = 'scope/owner.1/7';
  function table(rows: Array<[number, number, string[], string?]>): ProcessTable {
    const entries: ProcessEntry[] = rows.map(([pid, ppid]) => ({
      pid,
      ppid,
      pgid: pid,
      uid: process.getuid?.() ?? 0,
      startTime: String(pid),
      state: 'S',
    }));
    return {
      source: 'proc',
      hasEnvironments: true,
      list: () => entries,
      get: (pid) => entries.find((e) => e.pid === pid),
      cmdline: (pid) => rows.find((r) => r[0] === pid)?.[2],
      environ: () => undefined,
      getenv: (pid, name) =>
        name === AGENT_OWNER_ENV ? (rows.find((r) => r[0] === pid)?.[3] ?? undefined) : undefined,
      cwd: () => undefined,
    };
  }

  it('keeps the launcher and OpenClaw’s own helpers; everything else with the marker is a leftover', () => {
    const t = table([
      [100, 1, ['node', `${PKG}/openclaw.mjs`, 'gateway', 'run'], MARK],
      [101, 100, ['openclaw-gateway'], MARK],
      [102, 101, ['/usr/bin/node', `${PKG}/dist/process/spawn-broker/worker.js`], MARK],
      [103, 102, ['/bin/bash', '-c', 'sleep 300 & echo'], MARK],
      [104, 1, ['sleep', '300'], MARK],
      // An agent running OpenClaw's own script under its shell is still the agent's.
      [105, 103, ['node', `${PKG}/dist/process/spawn-broker/worker.js`], MARK],
      // Another run's process, and an unmarked one: not ours to end.
      [106, 1, ['sleep', '300'], 'scope/owner.1/8'],
      [107, 1, ['sleep', '300']],
    ]);
    const found = findLeftovers(
      t,
      { scope: 'scope', owner: 'owner.1', run: '7' },
      { leaderPid: 100, packageDir: PKG },
    );
    expect(found.map((p) => p.pid).sort()).toEqual([103, 104, 105]);
  });

  it('recognises OpenClaw by process title or by a script inside its package', () => {
    expect(runsOpenClaw(['openclaw-gateway'], undefined)).toBe(true);
    expect(runsOpenClaw(['node', '/opt/openclaw/dist/x.js'], PKG)).toBe(true);
    expect(runsOpenClaw(['node', '/opt/openclaw-evil/x.js'], PKG)).toBe(false);
    expect(runsOpenClaw(['sleep', '1'], PKG)).toBe(false);
    expect(runsOpenClaw(undefined, PKG)).toBe(false);
  });
});

describe('describeGatewayExit', () => {
  const ended = (over: Partial<ProcessOutcome>): ProcessOutcome => ({
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    forceKilled: false,
    durationMs: 1,
    stdout: '',
    stderr: '',
    stdoutTruncated: false,
    stderrTruncated: false,
    failedToStart: false,
    ...over,
  });
  const log =
    '2026-11-29T11:30:43.498+00:00 [gateway] starting...\n2026-11-29T11:30:44.000+00:00 Gateway failed to start: bad config\n';

  it('gives the last words of a Gateway that exited with an error, without the log timestamp', () => {
    expect(describeGatewayExit(ended({ exitCode: 1 }), log)).toBe(
      'exited with code 1: Gateway failed to start: bad config',
    );
  });

  it('gives no log line for a Gateway killed by a signal: its last words are unrelated', () => {
    expect(describeGatewayExit(ended({ signal: 'SIGKILL' }), log)).toBe('was killed by SIGKILL');
    expect(describeGatewayExit(ended({ failedToStart: true, error: '`openclaw` does not exist' }), '')).toBe(
      'could not start: `openclaw` does not exist',
    );
  });
});
