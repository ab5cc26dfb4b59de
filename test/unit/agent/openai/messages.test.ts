import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMessages, DEFAULT_SYSTEM_PROMPT } from '../../../../src/agent/openai/messages.js';
import type { AgentRequest } from '../../../../src/agent/runner.js';

describe('buildMessages', () => {
  let workspace: string;
  const request = (): AgentRequest => ({
    taskId: 'discord-1',
    prompt: 'Summarise the data',
    model: 'fake/m',
    thinking: 'off',
    workspace,
    timeoutMs: 1000,
    sessionId: 's',
    workerId: 'w',
  });

  beforeEach(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'dorch-ws-'));
    for (const f of ['TASK.txt', 'AGENTS.md', 'RESULT.txt', 'agent-output.log', '.hidden']) {
      await writeFile(join(workspace, f), 'worker file');
    }
  });
  afterEach(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  it('is a system message and the prompt when there are no attachments', async () => {
    const messages = await buildMessages(request());
    expect(messages).toEqual([
      { role: 'system', content: DEFAULT_SYSTEM_PROMPT },
      { role: 'user', content: 'Summarise the data' },
    ]);
    expect(messages[0]?.content).not.toMatch(/discord|orchestrat|worker/i);
  });

  it('names attachments, inlines small text ones and leaves binary or large ones as names', async () => {
    await writeFile(join(workspace, 'data.csv'), 'a,b\n1,2\n');
    await writeFile(join(workspace, 'image.png'), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    await mkdir(join(workspace, 'sub'));
    await writeFile(join(workspace, 'sub', 'big.txt'), 'x'.repeat(100));
    const messages = await buildMessages(request(), { maxInlineBytes: 50 });
    expect(messages[0]?.content).toContain('data.csv, image.png, sub/big.txt');
    expect(messages[0]?.content).toContain('You cannot open image.png, sub/big.txt');
    expect(messages[1]?.content).toBe('Summarise the data\n\n<file name="data.csv">\na,b\n1,2\n\n</file>');
  });
});
