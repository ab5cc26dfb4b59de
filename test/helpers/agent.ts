// Shared helpers for the agent tests (not a test file).
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import type { AgentRequest } from '../../src/agent/runner.js';

/** Absolute path of a fixture agent. */
export function fixture(name: string): string {
  return resolve(import.meta.dirname, '../fixtures/agents', name);
}

/** True while `pid` runs; a zombie (killed, not yet reaped by init) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Poll until `condition` holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh temp directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dorch-agent-test-'));
  dirs.push(dir);
  return dir;
}

/** A request for `workspace` with test defaults. */
export function request(workspace: string, overrides: Partial<AgentRequest> = {}): AgentRequest {
  return {
    taskId: 'discord-1234567890',
    prompt: 'What is 2+2?',
    model: 'openrouter/moonshotai/kimi-k2.5',
    thinking: 'low',
    workspace,
    timeoutMs: 10_000,
    sessionId: 'worker-1-discord-1234567890',
    workerId: 'worker-1',
    ...overrides,
  };
}

/** The pid printed by hang.mjs as `GRANDCHILD <pid>`, if any. */
export function grandchildPid(output: string): number | undefined {
  const match = /GRANDCHILD (\d+)/.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** The pid printed by daemon.mjs as `DAEMON <pid>`, if any. */
export function daemonPid(output: string): number | undefined {
  const match = /DAEMON (\d+)/.exec(output);
  return match ? Number(match[1]) : undefined;
}
