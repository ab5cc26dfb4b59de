import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AgentRequest } from '../../../src/agent/runner.js';
import { DiscordApiError } from '../../../src/lib/errors.js';
import { parseReportHeader } from '../../../src/task/format.js';
import { LeaseManager } from '../../../src/worker/lease-manager.js';
import { Worker } from '../../../src/worker/worker.js';
import { FakeBus, makeTask } from '../../helpers/fake-bus.js';
import { HANG } from '../../helpers/fake-runner.js';
import { MODELS, rig, until } from './helpers.js';

vi.setConfig({ testTimeout: 5000 });

afterEach(() => {
  vi.useRealTimers();
});

describe('Worker: one task, then a clean restart', () => {
  it('posts READY, runs the claimed task with the resolved model, reports SUCCESS, posts RESTARTING', async () => {
    const r = await rig();
    const seen: { task?: string; agents?: string } = {};
    r.runner.script(async (req) => {
      seen.task = await readFile(join(req.workspace, 'TASK.txt'), 'utf8');
      seen.agents = await readFile(join(req.workspace, 'AGENTS.md'), 'utf8');
      return { text: 'Hello there!', usage: { input: 180, output: 61, cacheRead: 0, cacheWrite: 0 } };
    });
    const task = makeTask({ prompt: 'write a haiku', model: 'coder', thinking: 'high' });
    r.bus.push(task);
    const w = r.worker();
    const claimed = vi.fn();
    const finished = vi.fn();
    w.on('claimed', claimed);
    w.on('finished', finished);

    expect(await w.run()).toBe('restart');

    expect(r.bus.statusNames).toEqual(['READY', 'CLAIMED', 'RESTARTING']);
    expect(r.bus.statuses.every((s) => s.workerId === 'w1')).toBe(true);
    expect(r.runner.requests).toHaveLength(1);
    const req = r.runner.requests[0]!;
    expect(req).toMatchObject({
      taskId: task.id,
      prompt: 'write a haiku',
      model: 'openrouter/acme/coder-1',
      thinking: 'high',
      sessionId: `w1-${task.id}`,
      workerId: 'w1',
    });
    expect(req.workspace).toBe(join(r.workDir, 'w1', 'tasks', task.id));
    expect(seen.task).toBe('write a haiku');
    expect(seen.agents).toContain(`Task id: ${task.id}`);
    expect(seen.agents).not.toMatch(/w1|orchestrat/i);

    expect(r.bus.completes).toHaveLength(1);
    const { claim, report } = r.bus.completes[0]!;
    expect(claim.task.id).toBe(task.id);
    expect(report.outcome).toBe('SUCCESS');
    expect(parseReportHeader(report.content)).toEqual({
      outcome: 'SUCCESS',
      taskId: task.id,
      workerId: 'w1',
      model: 'openrouter/acme/coder-1',
      thinking: 'high',
      tokensIn: 180,
      cached: 0,
      tokensOut: 61,
      costUsd: 0.000218,
    });
    expect(report.content).toContain('Hello there!');
    expect(await readFile(join(req.workspace, 'RESULT.txt'), 'utf8')).toBe('Hello there!');
    expect(claimed).toHaveBeenCalledOnce();
    expect(finished).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'SUCCESS', costUsd: 0.000218 }));
  });

  it('uses the default model and thinking level when the task names none', async () => {
    const r = await rig();
    r.bus.push(makeTask());
    await r.worker().run();
    expect(r.runner.requests[0]).toMatchObject({ model: MODELS.aliases.primary, thinking: 'low' });
  });

  it('reads the whole prompt from a TASK.txt attachment through the fetch seam', async () => {
    const r = await rig();
    const long = 'x'.repeat(5000);
    const fetch = vi.fn(async (url: string | URL | Request) => {
      expect(String(url)).toBe('https://cdn.example/TASK.txt');
      return new Response(long);
    });
    r.bus.push(
      makeTask({
        prompt: 'preview…',
        attachments: [{ filename: 'TASK.txt', url: 'https://cdn.example/TASK.txt', size: 5000 }],
      }),
    );
    await r.worker({ fetch: fetch as typeof globalThis.fetch }).run();
    expect(r.runner.requests[0]!.prompt).toBe(long);
    expect(await readFile(join(r.runner.requests[0]!.workspace, 'TASK.txt'), 'utf8')).toBe(long);
  });

  it('edits the progress message (heartbeat) while the agent runs', async () => {
    const r = await rig();
    r.runner.script(async () => {
      await until(() => r.bus.heartbeats.length >= 2);
      return {};
    });
    r.bus.push(makeTask());
    const stops = vi.spyOn(LeaseManager.prototype, 'stop');
    const completes = vi.spyOn(r.bus, 'complete');
    await r.worker({ heartbeatMs: 5 }).run();
    expect(r.bus.heartbeats[0]!.progress).toMatch(/Running on \*\*w1\*\*.*runner fake/);
    // The lease stops with the task, before the report (lease.test.ts shows that stop() ends the heartbeats).
    expect(stops).toHaveBeenCalledTimes(1);
    expect(stops.mock.invocationCallOrder[0]!).toBeLessThan(completes.mock.invocationCallOrder[0]!);
    stops.mockRestore();
  });
});

describe('Worker: keep-alive and claim races', () => {
  it('keepAlive processes two tasks, each in its own workspace and session', async () => {
    const r = await rig();
    const [a, b] = [makeTask({ prompt: 'first' }), makeTask({ prompt: 'second' })];
    r.bus.push(a, b);
    expect(await r.worker({ keepAlive: true, once: true }).run()).toBe('once');
    // Back to READY after each task: a status message edited in place shows the worker is free again.
    expect(r.bus.statusNames).toEqual(['READY', 'CLAIMED', 'READY', 'CLAIMED', 'READY']);
    expect(r.runner.requests.map((q) => q.sessionId)).toEqual([`w1-${a.id}`, `w1-${b.id}`]);
    expect(new Set(r.runner.requests.map((q) => q.workspace)).size).toBe(2);
    expect(r.bus.completes.map((c) => [c.claim.task.id, c.report.outcome])).toEqual([
      [a.id, 'SUCCESS'],
      [b.id, 'SUCCESS'],
    ]);
  });

  it('moves on to the next task when a claim is lost to another worker', async () => {
    const r = await rig();
    const [lost, won] = [makeTask(), makeTask()];
    r.bus.push(lost, won).takeByOther(lost.id);
    expect(await r.worker().run()).toBe('restart');
    expect(r.bus.claimAttempts).toEqual([lost.id, won.id]);
    expect(r.runner.requests.map((q) => q.taskId)).toEqual([won.id]);
    expect(r.bus.completes.map((c) => c.claim.task.id)).toEqual([won.id]);
  });

  it('with once, exits on an empty queue without claiming', async () => {
    const r = await rig();
    expect(await r.worker({ once: true }).run()).toBe('once');
    expect(r.bus.statusNames).toEqual(['READY']);
    expect(r.bus.polls).toBe(1);
    expect(r.bus.claimAttempts).toEqual([]);
  });

  it('run() is guarded against a second concurrent call', async () => {
    const r = await rig();
    const w = r.worker({ once: true });
    const first = w.run();
    await expect(w.run()).rejects.toThrow(/already running/);
    expect(await first).toBe('once');
  });
});

describe('Worker: invalid tasks are reported FAILED without running the agent', () => {
  const cases: { name: string; task: Parameters<typeof makeTask>[0]; expected: RegExp[] }[] = [
    {
      name: 'unknown model alias (names the valid aliases)',
      task: { model: 'gpt-nope' },
      expected: [/unknown model "gpt-nope"/, /cheap, primary, coder/],
    },
    {
      name: 'bad thinking level (lists the levels)',
      task: { thinking: 'ultra' },
      expected: [/unknown thinking level "ultra"/, /off, minimal, low, medium, high, xhigh/],
    },
    {
      name: 'tag errors',
      task: { tagErrors: ['The [retry:] tag needs a whole number'] },
      expected: [/The \[retry:\] tag needs a whole number/],
    },
    { name: 'empty prompt', task: { prompt: '   ' }, expected: [/task is empty/] },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await rig();
      const task = makeTask(c.task);
      r.bus.push(task);
      expect(await r.worker().run()).toBe('restart');
      expect(r.runner.requests).toHaveLength(0);
      expect(r.bus.completes).toHaveLength(1);
      const { report } = r.bus.completes[0]!;
      expect(report.outcome).toBe('FAILED');
      expect(parseReportHeader(report.content)).toMatchObject({
        outcome: 'FAILED',
        taskId: task.id,
        workerId: 'w1',
      });
      for (const re of c.expected) {
        expect(report.content).toMatch(re);
        expect(report.summary).toMatch(re);
      }
      expect(r.cost.record).toHaveBeenCalledWith(
        expect.objectContaining({ outcome: 'FAILED', taskId: task.id }),
      );
    });
  }

  it('an oversize prompt is refused with the limit', async () => {
    const r = await rig();
    r.bus.push(makeTask({ prompt: 'y'.repeat(101) }));
    await r.worker({ maxPromptChars: 100 }).run();
    expect(r.runner.requests).toHaveLength(0);
    expect(r.bus.completes[0]!.report.content).toContain('task is 101 characters; the limit is 100');
  });
});

describe('Worker: agent failures', () => {
  it('a timed-out run is reported FAILED with its reason and the worker goes on to the next task', async () => {
    const r = await rig();
    r.runner.script({
      ok: false,
      timedOut: true,
      text: 'partial',
      error: 'timed out after 120 s',
      signal: 'SIGKILL',
    });
    const [a, b] = [makeTask(), makeTask()];
    r.bus.push(a, b);
    expect(await r.worker({ keepAlive: true, once: true }).run()).toBe('once');
    expect(r.runner.requests).toHaveLength(2);
    const [first, second] = r.bus.completes;
    expect(first!.claim.task.id).toBe(a.id);
    expect(first!.report.outcome).toBe('FAILED');
    expect(first!.report.content).toContain('Error: timed out after 120 s');
    expect(first!.report.summary).toContain('FAILED: timed out after 120 s');
    expect(second!.claim.task.id).toBe(b.id);
    expect(second!.report.outcome).toBe('SUCCESS');
  });

  it('a runner that throws (a bug) hands the task back instead of stranding it', async () => {
    const r = await rig();
    r.runner.script(() => {
      throw new Error('runner bug');
    });
    r.bus.push(makeTask());
    const w = r.worker();
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    await w.run();
    expect(r.bus.releases).toHaveLength(1);
    expect(r.bus.releases[0]!.reason).toContain('runner bug');
    expect(warnings.join('\n')).toContain('runner bug');
  });
});

describe('Worker: reports leave the process redacted, and side posts never stop the work', () => {
  it('applies the redact seam to the report', async () => {
    const r = await rig();
    r.runner.script({ text: 'the key is sk-live-123456' });
    r.bus.push(makeTask({ prompt: 'print sk-live-123456' }));
    await r.worker({ redact: (t) => t.replaceAll('sk-live-123456', '[redacted]') }).run();
    const { report } = r.bus.completes[0]!;
    expect(report.content).not.toContain('sk-live-123456');
    expect(report.summary).not.toContain('sk-live-123456');
    expect(report.content).toContain('the key is [redacted]');
  });

  it('a failed status post or heartbeat is a warning; the task is still reported', async () => {
    const r = await rig();
    r.runner.script(async () => {
      await until(() => r.bus.calls.some((c) => c.method === 'heartbeat'));
      return {};
    });
    r.bus.push(makeTask()).failUntilReset(['status', 'heartbeat']);
    const w = r.worker({ heartbeatMs: 5 });
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('restart');
    expect(r.bus.completes).toHaveLength(1);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^status READY not posted: /),
        expect.stringMatching(/^heartbeat failed: /),
      ]),
    );
  });
});

describe('Worker: idle, budget, bus outages', () => {
  it('posts IDLE and exits after maxIdleMs without work', async () => {
    const r = await rig();
    expect(await r.worker({ maxIdleMs: 30 }).run()).toBe('idle');
    expect(r.bus.statusNames).toEqual(['READY', 'IDLE']);
    expect(r.bus.polls).toBeGreaterThanOrEqual(1);
  });

  it('backs off while the bus is unreachable (no busy loop) and recovers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const r = await rig();
    r.bus.push(makeTask()).failUntilReset(['poll']);
    const w = r.worker({ pollIntervalMs: 1000, maxBackoffMs: 8000 });
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    const done = w.run();
    await until(() => r.bus.polls >= 1);
    await vi.advanceTimersByTimeAsync(60_000);
    // Waits double from 2 s and are capped at 8 s (random 0.5 puts the jitter at exactly 1×).
    const gaps = r.bus.pollTimes.slice(1).map((t, i) => t - r.bus.pollTimes[i]!);
    expect(gaps).toEqual([2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000]);
    expect(r.bus.claimAttempts).toEqual([]);
    expect(warnings[0]).toMatch(/poll\/claim failed .*unreachable/);

    r.bus.reset();
    await vi.advanceTimersByTimeAsync(8000);
    expect(await done).toBe('restart');
    expect(r.bus.completes).toHaveLength(1);
  });

  it('gives up on a non-transport error after a few tries instead of looping forever', async () => {
    const r = await rig();
    let polls = 0;
    r.bus.poll = async () => {
      polls++;
      throw new Error('bug in the bus');
    };
    await expect(r.worker({ maxBackoffMs: 1 }).run()).rejects.toThrow('bug in the bus');
    expect(polls).toBe(5);
  });

  it('a rejected token (401) ends the worker at once: every later request would fail the same way', async () => {
    const r = await rig();
    let polls = 0;
    r.bus.poll = async () => {
      polls++;
      throw new DiscordApiError({
        status: 401,
        discordCode: 0,
        method: 'GET',
        route: '/channels/:id/messages',
        message: '401: Unauthorized',
      });
    };
    await expect(r.worker({ maxBackoffMs: 1 }).run()).rejects.toMatchObject({ status: 401 });
    expect(polls).toBe(1);
  });

  it('a refusal a fix in Discord can end is waited out, each warning in the words describeError gives', async () => {
    const r = await rig();
    let polls = 0;
    r.bus.poll = async () => {
      if (++polls <= 2)
        throw new DiscordApiError({
          status: 403,
          discordCode: 50001,
          method: 'GET',
          route: '/channels/:id/messages',
          message: 'Missing Access',
        });
      return [];
    };
    const warnings: string[] = [];
    const w = r.worker({
      maxBackoffMs: 1,
      pollIntervalMs: 1,
      once: true,
      describeError: () => 'TASK_QUEUE_CHANNEL: the bot cannot see it. Fix: allow it View Channel',
    });
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('once');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^poll\/claim failed 1 time\(s\) in a row \(TASK_QUEUE_CHANNEL: the bot cannot see it\. Fix: allow it View Channel\)/,
      ),
      expect.stringMatching(/^poll\/claim failed 2 time\(s\) in a row \(TASK_QUEUE_CHANNEL/),
    ]);
  });

  it('does not claim while the budget blocks it and says why once', async () => {
    const r = await rig();
    r.cost.claimBlocker.mockResolvedValue('daily budget of $5.00 reached');
    r.bus.push(makeTask());
    expect(await r.worker({ maxIdleMs: 60 }).run()).toBe('idle');
    expect(r.cost.claimBlocker.mock.calls.length).toBeGreaterThan(2);
    expect(r.bus.statusNames).toEqual(['READY', 'BUDGET', 'IDLE']);
    expect(r.bus.statuses[1]!.detail).toBe('Not claiming: daily budget of $5.00 reached');
    expect(r.bus.polls).toBe(0);
    expect(r.bus.claimAttempts).toEqual([]);
  });

  it('with once, exits while the budget blocks claiming instead of waiting forever', async () => {
    const r = await rig();
    r.cost.claimBlocker.mockResolvedValue('daily budget reached');
    r.bus.push(makeTask());
    expect(await r.worker({ once: true, maxIdleMs: 0 }).run()).toBe('once');
    expect(r.bus.statusNames).toEqual(['READY', 'BUDGET']);
    expect(r.bus.claimAttempts).toEqual([]);
  });

  it('claims again once the budget allows it', async () => {
    const r = await rig();
    r.cost.claimBlocker
      .mockResolvedValueOnce('daily budget reached')
      .mockResolvedValueOnce('daily budget reached');
    r.bus.push(makeTask());
    expect(await r.worker().run()).toBe('restart');
    expect(r.bus.statusNames).toEqual(['READY', 'BUDGET', 'CLAIMED', 'RESTARTING']);
  });
});

describe('Worker: cost seam', () => {
  it('adds the over-task-limit note to the report', async () => {
    const r = await rig();
    r.runner.script({ costUsd: 2.5 });
    r.cost.overTaskLimit.mockImplementation((usd) =>
      usd > 1 ? `cost $${usd} is over the per-task limit $1` : null,
    );
    r.bus.push(makeTask());
    await r.worker().run();
    expect(r.cost.overTaskLimit).toHaveBeenCalledWith(2.5);
    expect(r.bus.completes[0]!.report.content).toContain('Note: cost $2.5 is over the per-task limit $1');
  });

  it('notes an unknown price on a successful run', async () => {
    const r = await rig();
    r.cost.costOf.mockReturnValue({ costUsd: 0, known: false });
    r.bus.push(makeTask());
    await r.worker().run();
    expect(r.bus.completes[0]!.report.content).toContain('no price known for openrouter/acme/primary-1');
  });

  it('records the finished task in the ledger', async () => {
    const r = await rig();
    const usage = { input: 7, output: 3, cacheRead: 2, cacheWrite: 1 };
    r.runner.script({ model: 'openrouter/acme/actual-9', usage, costUsd: 0.0042, durationMs: 4321 });
    const task = makeTask();
    r.bus.push(task);
    await r.worker({ now: () => Date.parse('2026-03-04T05:06:07.000Z') }).run();
    expect(r.cost.record).toHaveBeenCalledExactlyOnceWith({
      ts: '2026-03-04T05:06:07.000Z',
      taskId: task.id,
      workerId: 'w1',
      model: 'openrouter/acme/actual-9',
      outcome: 'SUCCESS',
      usage,
      costUsd: 0.0042,
      durationMs: 4321,
    });
    // The model that actually ran is shown, with the requested one beside it.
    expect(parseReportHeader(r.bus.completes[0]!.report.content)).toMatchObject({
      model: 'openrouter/acme/actual-9',
      requestedModel: 'openrouter/acme/primary-1',
    });
  });

  it('a ledger failure is a warning, not a lost report', async () => {
    const r = await rig();
    r.cost.record.mockRejectedValue(new Error('disk full'));
    r.bus.push(makeTask());
    const w = r.worker();
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    await w.run();
    expect(r.bus.completes).toHaveLength(1);
    expect(warnings).toContain('ledger write failed: disk full');
  });
});

describe('Worker: outbox', () => {
  const outboxFiles = async (runtimeDir: string) =>
    (await readdir(join(runtimeDir, 'outbox', 'w1')).catch(() => [] as string[])).filter(
      (n) => !n.endsWith('.tmp'),
    );

  it('retries complete() through a short outage and delivers the report once', async () => {
    const r = await rig();
    r.bus.push(makeTask()).failNext(1, ['complete']);
    await r.worker({ keepAlive: true, once: true, outboxRetryMs: 1 }).run();
    const attempts = r.bus.calls.filter((c) => c.method === 'complete').map((c) => c.failed);
    // Failed once, then delivered (between polls or by the final flush on exit), exactly once.
    expect(attempts).toEqual([true, false]);
    expect(r.bus.completes).toHaveLength(1);
    expect(await outboxFiles(r.runtimeDir)).toEqual([]);
  });

  it('keeps an undeliverable report in the outbox; the next worker delivers it before READY', async () => {
    const r = await rig();
    const task = makeTask({ prompt: 'survive the outage' });
    r.bus.push(task).failUntilReset(['complete']);
    const w = r.worker();
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('restart');
    expect(r.bus.completes).toHaveLength(0);
    // One attempt when the task ended, one final try on exit: the worker does not stall on an outage.
    expect(r.bus.calls.filter((c) => c.method === 'complete').length).toBe(2);
    expect(warnings.some((m) => m.startsWith(`report for ${task.id} kept in the outbox`))).toBe(true);
    expect(await outboxFiles(r.runtimeDir)).toEqual([`${task.id}.json`]);

    r.bus = new FakeBus();
    expect(await r.worker({ once: true }).run()).toBe('once');
    expect(r.bus.calls.slice(0, 2).map((c) => c.method)).toEqual(['complete', 'status']);
    expect(r.bus.statusNames).toEqual(['READY']);
    expect(r.bus.completes).toHaveLength(1);
    expect(r.bus.completes[0]!.claim.task.id).toBe(task.id);
    expect(r.bus.completes[0]!.report.content).toContain('survive the outage');
    expect(await outboxFiles(r.runtimeDir)).toEqual([]);
  });

  it('a keep-alive worker delivers a kept report once the bus is back, without a restart', async () => {
    const r = await rig();
    const task = makeTask();
    r.bus.push(task).failUntilReset(['complete']);
    const w = r.worker({ keepAlive: true, once: true });
    w.on('warning', (m) => {
      if (m.includes('kept in the outbox')) r.bus.reset();
    });
    expect(await w.run()).toBe('once');
    expect(r.bus.completes.map((c) => c.claim.task.id)).toEqual([task.id]);
    expect(await outboxFiles(r.runtimeDir)).toEqual([]);
  });

  it('a rejected (non-transport) complete is not retried and stays in the outbox', async () => {
    const r = await rig();
    let calls = 0;
    r.bus.complete = async () => {
      calls++;
      throw new Error('400 Bad Request');
    };
    r.bus.push(makeTask());
    await r.worker().run();
    expect(calls).toBe(1);
    expect(await outboxFiles(r.runtimeDir)).toHaveLength(1);
  });

  it('still starts when the outbox cannot be flushed', async () => {
    const r = await rig();
    r.bus.push(makeTask()).failUntilReset(['complete']);
    await r.worker().run();
    const w = r.worker({ once: true });
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('once');
    expect(warnings.some((m) => m.startsWith('outbox not delivered yet'))).toBe(true);
    expect(await outboxFiles(r.runtimeDir)).toHaveLength(1);
  });
});

describe('Worker: stop', () => {
  it('stop(0) during a running task aborts the agent and releases the task', async () => {
    const r = await rig();
    r.runner.script(HANG);
    const task = makeTask({ retry: 0 });
    r.bus.push(task);
    const w = r.worker({ maxAttempts: 3 });
    const released = vi.fn();
    w.on('released', released);
    const done = w.run();
    await r.runner.started();
    expect(w.current?.task.id).toBe(task.id);
    w.stop(0);
    expect(await done).toBe('stopped');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.releases).toHaveLength(1);
    expect(r.bus.releases[0]!.claim.task.id).toBe(task.id);
    expect(r.bus.releases[0]!.reason).toMatch(/stopped/);
    expect(r.bus.completes).toHaveLength(0);
    expect(released).toHaveBeenCalledOnce();
    expect(r.bus.statusNames).toEqual(['READY', 'CLAIMED', 'STOPPING']);
    expect(w.current).toBeNull();
  });

  it('when the bus reports FAILED (out of attempts) on hand-back, the worker says the claim is settled', async () => {
    const r = await rig();
    r.runner.script(HANG);
    const task = makeTask({ retry: 2 });
    r.bus.push(task);
    const w = r.worker({ maxAttempts: 3 });
    const finished = vi.fn();
    const released = vi.fn();
    w.on('finished', finished);
    w.on('released', released);
    const done = w.run();
    await r.runner.started();
    w.stop(0);
    expect(await done).toBe('stopped');
    // The decision (requeue or FAILED) is the bus's: the worker hands back once and reports nothing itself.
    expect(r.bus.releases.map((x) => x.claim.task.id)).toEqual([task.id]);
    expect(r.bus.completes).toHaveLength(0);
    expect(released).not.toHaveBeenCalled();
    // The manager must learn the claim is settled, or it would recover (and report) the task a second time.
    expect(finished).toHaveBeenCalledWith(
      expect.objectContaining({ outcome: 'FAILED', claim: expect.objectContaining({ task }) }),
    );
  });

  it('a task that finishes within the grace period is reported, not released', async () => {
    const r = await rig();
    let finish!: () => void;
    r.runner.script(() => new Promise((res) => (finish = () => res({ text: 'made it' }))));
    r.bus.push(makeTask());
    const w = r.worker();
    const done = w.run();
    await r.runner.started();
    w.stop(60_000);
    finish();
    expect(await done).toBe('stopped');
    expect(r.bus.releases).toHaveLength(0);
    expect(r.bus.completes[0]!.report.outcome).toBe('SUCCESS');
    expect(r.runner.aborted).toHaveLength(0);
  });

  it('an emergency stop(0) after a graceful stop() still aborts the agent at once', async () => {
    const r = await rig();
    r.runner.script(HANG);
    r.bus.push(makeTask());
    const w = r.worker();
    const done = w.run();
    await r.runner.started();
    w.stop(60_000);
    w.stop(0);
    expect(await done).toBe('stopped');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.releases).toHaveLength(1);
  });

  it('an emergency stop that lands while the claim is being made still aborts the task at once', async () => {
    const r = await rig();
    r.runner.script(HANG);
    r.bus.push(makeTask());
    const w = r.worker();
    const claim = r.bus.claim.bind(r.bus);
    r.bus.claim = async (task, workerId) => {
      const won = await claim(task, workerId);
      w.stop(0); // the signal arrives while the claim request is in flight
      return won;
    };
    expect(await w.run()).toBe('stopped');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.releases).toHaveLength(1);
  });

  it('stop() while waiting between polls ends the loop with STOPPING', async () => {
    const r = await rig();
    const w = r.worker({ pollIntervalMs: 60_000 });
    const done = w.run();
    await until(() => r.bus.polls === 1);
    w.stop();
    expect(await done).toBe('stopped');
    expect(r.bus.statusNames).toEqual(['READY', 'STOPPING']);
  });
});

describe('Worker: files the agent makes', () => {
  const writeFiles = (names: string[]) => async (req: AgentRequest) => {
    for (const n of names) await writeFile(join(req.workspace, n), `content of ${n}`);
    return { text: 'made files' };
  };

  it('attaches a file the agent wrote into the workspace', async () => {
    const r = await rig();
    r.runner.script(writeFiles(['chart.csv']));
    r.bus.push(makeTask());
    await r.worker().run();
    const { files } = r.bus.completes[0]!.report;
    expect(files.map((f) => [f.name, f.data.toString()])).toEqual([['chart.csv', 'content of chart.csv']]);
  });

  it('attaches at most 9 files and lists the rest in a note', async () => {
    const r = await rig();
    const names = Array.from({ length: 12 }, (_, i) => `f${String(i + 1).padStart(2, '0')}.txt`);
    r.runner.script(writeFiles(names));
    r.bus.push(makeTask());
    await r.worker().run();
    const { files, content } = r.bus.completes[0]!.report;
    expect(files.map((f) => f.name)).toEqual(names.slice(0, 9));
    expect(content).toContain('Note: not attached (Discord limits): f10.txt, f11.txt, f12.txt');
  });

  it('does not attach the worker’s own files', async () => {
    const r = await rig();
    r.runner.script(writeFiles(['agent-output.log', 'USAGE.json', '.hidden']));
    r.bus.push(makeTask());
    await r.worker().run();
    expect(r.bus.completes[0]!.report.files).toEqual([]);
  });
});

describe('Worker options', () => {
  it('refuses an unsafe worker id and bad numbers', async () => {
    const r = await rig();
    expect(() => r.worker({ workerId: '../evil' })).toThrow(TypeError);
    expect(() => r.worker({ pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
    expect(() => r.worker({ maxIdleMs: -1 })).toThrow(/maxIdleMs/);
    expect(() => r.worker({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(r.worker({ pollIntervalMs: undefined })).toBeInstanceOf(Worker);
  });
});

describe('Worker: lifecycle and protocol outcomes', () => {
  it('close() stops and resolves once the run is over; it is memoized, and a later close(true) cuts the grace short', async () => {
    const r = await rig();
    r.runner.script(HANG);
    r.bus.push(makeTask());
    const w = r.worker();
    const done = w.run();
    await r.runner.started();
    const graceful = w.close(false, 60_000);
    expect(w.close()).toBe(graceful);
    // Still running: the agent may finish within the grace period. An emergency close hands the task back now.
    const forced = w.close(true);
    expect(forced).toBe(graceful);
    await forced;
    expect(await done).toBe('stopped');
    expect(r.runner.aborted).toHaveLength(1);
    expect(r.bus.releases).toHaveLength(1);
    // Closing a worker that never ran resolves at once.
    await expect(r.worker().close()).resolves.toBeUndefined();
  });

  it('a known bus error out of poll() many times in a row is waited out with a reason, never a crash', async () => {
    const r = await rig();
    let polls = 0;
    const poll = r.bus.poll.bind(r.bus);
    r.bus.poll = async () => {
      if (++polls <= 7)
        throw new DiscordApiError({
          status: 403,
          discordCode: 50001,
          method: 'GET',
          route: '/channels/:id/messages',
          message: 'Missing Access',
        });
      return poll();
    };
    r.bus.push(makeTask());
    const w = r.worker({ maxBackoffMs: 1 });
    const warnings: string[] = [];
    w.on('warning', (m) => warnings.push(m));
    expect(await w.run()).toBe('restart');
    expect(polls).toBe(8);
    expect(warnings[6]).toMatch(/poll\/claim failed 7 time\(s\) in a row \(.*Missing Access\)/);
    expect(r.bus.completes).toHaveLength(1);
  });

  it('a 403 on a report sets it aside and stops claiming with a clear ERROR status', async () => {
    const r = await rig();
    r.bus.complete = async () => {
      throw new DiscordApiError({
        status: 403,
        discordCode: 50013,
        method: 'POST',
        route: '/channels/:id/messages',
        message: 'Missing Permissions',
      });
    };
    r.bus.push(makeTask(), makeTask());
    const w = r.worker({ keepAlive: true, maxIdleMs: 50 });
    expect(await w.run()).toBe('idle');
    expect(r.bus.claims).toHaveLength(1);
    const error = r.bus.statuses.find((s) => s.status === 'ERROR');
    expect(error?.detail).toMatch(
      /^Not claiming: Discord refused a report \(403: .*Missing Permissions\).*lacks a permission/,
    );
    expect(await readdir(join(r.runtimeDir, 'outbox', 'w1', 'set-aside'))).toEqual([
      `${r.bus.claims[0]!.task.id}.json`,
    ]);
  });

  it('says THROTTLED (and until when) while the bus pauses claims, and READY when it claims again', async () => {
    const r = await rig();
    const until = Date.parse('2030-01-01T00:00:00.000Z');
    r.bus.hold = { status: 'THROTTLED', detail: 'Discord throttles thread creation', until };
    r.bus.push(makeTask());
    let polls = 0;
    const poll = r.bus.poll.bind(r.bus);
    r.bus.poll = async () => {
      if (++polls === 3) r.bus.hold = null;
      return poll();
    };
    expect(await r.worker().run()).toBe('restart');
    expect(r.bus.statusNames).toEqual(['READY', 'THROTTLED', 'READY', 'CLAIMED', 'RESTARTING']);
    expect(r.bus.statuses[1]!.detail).toBe(
      'Not claiming until 2030-01-01T00:00:00.000Z: Discord throttles thread creation',
    );
    // While held, no claim was tried (a claim would be a thread creation).
    expect(r.bus.claimAttempts).toHaveLength(1);
  });

  it('a superseded report (the claim was handed back and run elsewhere) is dropped and the claim released', async () => {
    const r = await rig();
    r.bus.completion = () => ({
      outcome: 'superseded',
      reason: 'handed back as discord-9; another run carries it',
    });
    r.bus.push(makeTask());
    const w = r.worker();
    const finished = vi.fn();
    const released = vi.fn();
    w.on('finished', finished);
    w.on('released', released);
    expect(await w.run()).toBe('restart');
    expect(finished).not.toHaveBeenCalled();
    expect(released).toHaveBeenCalledWith(
      expect.objectContaining({ reason: expect.stringContaining('another run') }),
    );
    expect(await readdir(join(r.runtimeDir, 'outbox', 'w1'))).toEqual([]);
  });
});
