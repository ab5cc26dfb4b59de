/**
 * The warm mode with the real OpenClaw CLI (the `.tools` install) against the fake model server: one Gateway start,
 * two tasks. What must hold for the mode to be usable at all: each task runs in its own session (the second
 * task's model calls carry nothing of the first), in its own folder (its AGENTS.md is the one OpenClaw reads, and a
 * file the agent writes lands there, where the worker attaches files from), with the usage and cost of that task
 * alone; a daemon a task's command leaves behind ends with the task; and the Gateway is gone after close(). One
 * Gateway start costs 30-100 s on two busy cores; the tasks a few seconds each. `DORCH_SKIP_OPENCLAW=1` skips the
 * file, as the other real-CLI tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenClawRunner, type OpenClawRunner } from '../../src/agent/openclaw/index.js';
import type { AgentRequest } from '../../src/agent/runner.js';
import {
  startFakeModelServer,
  type ChatRequestBody,
  type FakeModelServer,
} from '../helpers/fake-model-server.js';
import {
  createOpenClawScratch,
  fakeOpenClawConfig,
  processesUsingStateDir,
  requireOpenClawInstall,
  skipRealOpenClaw,
  type OpenClawScratch,
} from '../helpers/openclaw.js';

const START_TIMEOUT_MS = 300_000;
const TASK_TIMEOUT_MS = 120_000;
const PROVIDER_KEY = `sk-fake-${process.pid}-gateway-key`;

const LEFTOVER_SECONDS = 3000 + (process.pid % 1000);

// Live `sleep <LEFTOVER_SECONDS>` processes: what the second task leaves behind.
function sleepers(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8') === `sleep\0${LEFTOVER_SECONDS}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

const hasToolResult = (body: ChatRequestBody): boolean =>
  (body.messages ?? []).some((m) => m.role === 'tool');

describe.skipIf(skipRealOpenClaw())('OpenClawRunner (gateway mode) with the real openclaw CLI', () => {
  let server: FakeModelServer;
  let scratch: OpenClawScratch;
  let runner: OpenClawRunner;
  let gatewayDir: string | undefined;

  beforeAll(async () => {
    requireOpenClawInstall();
    server = await startFakeModelServer();
    scratch = await createOpenClawScratch({ baseUrl: server.url, apiKey: '${DORCH_FAKE_PROVIDER_KEY}' });
    // The coding tools (write, exec, …), so the agent can write a file: the minimal profile has none.
    const config = fakeOpenClawConfig({ baseUrl: server.url, apiKey: '${DORCH_FAKE_PROVIDER_KEY}' });
    config.tools = { profile: 'coding' };
    await writeFile(scratch.configPath, JSON.stringify(config, null, 2));
    scratch.env.DORCH_FAKE_PROVIDER_KEY = PROVIDER_KEY;
    runner = createOpenClawRunner({ workerId: 'gw-1', mode: 'gateway', ...scratch.runnerOptions });
  }, 30_000);

  afterAll(async () => {
    await runner?.close();
    await server?.close();
    await scratch?.cleanup();
  }, 60_000);

  async function request(taskId: string, agentsMarker: string): Promise<AgentRequest> {
    const prompt = `Write the file for ${taskId}`;
    const workspace = await scratch.workspace('gw-1', taskId, prompt);
    await writeFile(join(workspace, 'AGENTS.md'), `${agentsMarker}: you work on ${taskId}.\n`);
    return {
      taskId,
      prompt,
      model: 'fake/fake-model',
      thinking: 'off',
      workspace,
      timeoutMs: TASK_TIMEOUT_MS,
      sessionId: `gw-1-${taskId}`,
      workerId: 'gw-1',
    };
  }

  it(
    'starts one Gateway and runs two tasks in separate sessions and folders, each with its own usage',
    async () => {
      await runner.start();
      const gateway = runner.gateway;
      expect(gateway).toBeDefined();
      gatewayDir = gateway!.stateDir;
      // The warm-up turn called no model.
      expect(server.requests).toEqual([]);

      // Each task writes `made-by-agent.txt` (a relative path), then answers: the first with the write tool, the
      // second with a shell command that also leaves a daemon behind (`setsid sleep`), as an agent may.
      server.setReply((body) => {
        if (hasToolResult(body)) return 'PROBE-OK: file written';
        if (JSON.stringify(body.messages).includes('discord-2001')) {
          return {
            toolCall: {
              name: 'write',
              arguments: { path: 'made-by-agent.txt', content: 'written by the agent' },
            },
          };
        }
        const command = `printf 'written by the agent' > made-by-agent.txt; setsid sleep ${LEFTOVER_SECONDS} >/dev/null 2>&1 &`;
        return { toolCall: { name: 'exec', arguments: { command } } };
      });
      const first = await request('discord-2001', 'MARKER-AGENTS-A');
      const resultA = await runner.run(first);
      const callsA = server.requests.splice(0);
      const second = await request('discord-2002', 'MARKER-AGENTS-B');
      const resultB = await runner.run(second);
      const callsB = server.requests.splice(0);

      for (const result of [resultA, resultB]) {
        expect(result.error).toBeUndefined();
        expect(result).toMatchObject({ ok: true, text: 'PROBE-OK: file written', model: 'fake/fake-model' });
        // Two model calls per task (the tool call, then the answer), 1234 prompt tokens (200 cached) and 56
        // completion tokens each: the task's own usage, not a running total of the Gateway.
        expect(result.usage).toEqual({ input: 2068, output: 112, cacheRead: 400, cacheWrite: 0 });
        expect(result.costUsd).toBeCloseTo(0.008004, 9);
      }
      expect(runner.gateway?.pid).toBe(gateway!.pid);

      // A clean context: the second task's calls carry nothing of the first (prompt, AGENTS.md, tool result).
      const textA = JSON.stringify(callsA.map((c) => c.body.messages));
      const textB = JSON.stringify(callsB.map((c) => c.body.messages));
      expect(callsA.length).toBe(2);
      expect(callsB.length).toBe(2);
      expect(textA).toContain('Write the file for discord-2001');
      expect(textA).toContain('MARKER-AGENTS-A');
      expect(textA).not.toContain('MARKER-AGENTS-B');
      expect(textB).toContain('Write the file for discord-2002');
      expect(textB).toContain('MARKER-AGENTS-B');
      expect(textB).not.toContain('discord-2001');
      expect(textB).not.toContain('MARKER-AGENTS-A');
      expect(callsB.every((c) => c.headers.authorization === `Bearer ${PROVIDER_KEY}`)).toBe(true);

      // The agent's file is in its own task folder, where the worker attaches files from.
      expect(await readFile(join(first.workspace, 'made-by-agent.txt'), 'utf8')).toBe('written by the agent');
      expect(await readFile(join(second.workspace, 'made-by-agent.txt'), 'utf8')).toBe(
        'written by the agent',
      );
      // The daemon the second task left is gone with the task; the Gateway lives on.
      expect(sleepers()).toEqual([]);
      expect(runner.gateway?.pid).toBe(gateway!.pid);
    },
    START_TIMEOUT_MS + 2 * TASK_TIMEOUT_MS,
  );

  it('close() ends the Gateway and every process it started', async () => {
    expect(gatewayDir).toBeDefined();
    expect(processesUsingStateDir(gatewayDir!).length).toBeGreaterThan(0);
    await runner.close();
    expect(runner.gateway).toBeUndefined();
    expect(processesUsingStateDir(gatewayDir!)).toEqual([]);
  }, 60_000);
});
