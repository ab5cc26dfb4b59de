/**
 * One real worker (in process, built like `dorch worker`) against the emulator with Discord's rate limits on,
 * running real fixture agents: tags, bad input, oversize tasks and results, mentions, the allowlist, and agent
 * failures. Each case submits over real sockets and reads what landed in #results.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { Routes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import { submit } from '../../src/cli/commands/submit/index.js';
import { useEmulator, restFor } from '../helpers/emulator.js';
import { useEnv } from '../helpers/env.js';
import {
  agentRuns,
  emulatorEnv,
  fixtureAgent,
  results,
  scratch,
  startWorker,
  waitFor,
  type InProcessWorker,
  submitterBus,
} from '../helpers/fleet.js';

describe('worker against the emulator', () => {
  const emu = useEmulator({ workers: 2 });
  useEnv('all');
  let dir: string;
  let agentLog: string;
  let worker: InProcessWorker;
  let submitter: DiscordBus;

  beforeAll(async () => {
    dir = await scratch();
    agentLog = join(dir, 'agent.log');
    process.env.AGENT_LOG = agentLog; // passed to the fixture agents through AGENT_ENV_PASS
    worker = await startWorker(emu.world, {
      dir,
      env: {
        AGENT_RUNNER: 'command',
        AGENT_COMMAND: fixtureAgent('by-prompt'),
        TASK_TIMEOUT: '2',
        AGENT_ENV_PASS: 'AGENT_LOG',
      },
    });
    submitter = submitterBus(emu.world);
  });
  afterAll(async () => {
    await worker?.stop();
    await submitter?.close();
  });

  /** Submit and wait for the task's result message. */
  async function runTask(text: string) {
    const { taskId } = await submitter.submit(text);
    return waitFor(
      async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
      30_000,
      `result of ${taskId}`,
    ).then((r) => ({ ...r, taskId }));
  }

  it('passes tags to the agent and strips them from the prompt', async () => {
    const r = await runTask('[thinking:high] Tell me about queues [model:coder]');
    expect(r.header?.outcome).toBe('SUCCESS');
    expect(r.content).toContain('model=openrouter/qwen/qwen3-coder-next thinking=high token-leak=no');
    expect(r.content).toContain('Tell me about queues');
    expect(r.content).not.toContain('[model:coder]');
    expect(r.content).toMatch(/Model: openrouter\/qwen\/qwen3-coder-next \| Thinking: high/);
  });

  it('fails an unknown model alias without running the agent, listing the valid aliases', async () => {
    const before = (await agentRuns(agentLog)).length;
    const r = await runTask('Hello [model:gpt-imaginary]');
    expect(r.header?.outcome).toBe('FAILED');
    expect(r.content).toContain('unknown model "gpt-imaginary"');
    expect(r.content).toMatch(/cheap, primary, coder, research/);
    expect((await agentRuns(agentLog)).length).toBe(before);
  });

  it('fails a bad thinking level, listing the valid ones', async () => {
    const r = await runTask('Hello [thinking:extreme]');
    expect(r.header?.outcome).toBe('FAILED');
    expect(r.content).toMatch(/off, minimal, low, medium, high, xhigh/);
  });

  it('truncates a 100 KB result to fit Discord and attaches the whole text as RESULT.txt', async () => {
    const r = await runTask('HUGE please');
    expect(r.header?.outcome).toBe('SUCCESS');
    expect(r.content.length).toBeLessThanOrEqual(2000);
    const attachment = (r.attachments as { filename: string; url: string }[]).find(
      (a) => a.filename === 'RESULT.txt',
    );
    expect(attachment).toBeDefined();
    const body = await (await fetch(attachment!.url)).text();
    // The agent printed 1000 lines of 100 bytes; RESULT.txt (workspace and attachment) holds all of it, less the
    // final newline that the runner trims from every answer.
    const printed = `${'x'.repeat(99)}\n`.repeat(1000).trimEnd();
    const inWorkspace = await readFile(
      join(dir, 'workers', 'worker-1', 'tasks', r.taskId, 'RESULT.txt'),
      'utf8',
    );
    expect(inWorkspace).toBe(printed);
    expect(body).toBe(printed);
  });

  it('keeps fences balanced and never pings @everyone', async () => {
    const r = await runTask('Show code:\n```js\nconsole.log(1)\n```\n@everyone look');
    expect(r.header?.outcome).toBe('SUCCESS');
    const fenceLines = r.content.split('\n').filter((l) => /^```/.test(l));
    expect(fenceLines.length % 2).toBe(0);
    expect(r.content).toContain('@everyone');
    const raw = (await emu.admin.messages(emu.world.channels.results)).find((m) => m.content === r.content)!;
    expect(raw.mention_everyone).toBe(false);
  });

  it('reports timeout, crash and non-zero exit as FAILED with the reason, and keeps working', async () => {
    const hang = await runTask('HANG forever');
    expect(hang.header?.outcome).toBe('FAILED');
    expect(hang.content).toMatch(/timed out after 2 s/);
    const crash = await runTask('CRASH now');
    expect(crash.header?.outcome).toBe('FAILED');
    expect(crash.content).toMatch(/SIGSEGV/);
    const fail = await runTask('FAIL please');
    expect(fail.header?.outcome).toBe('FAILED');
    expect(fail.content).toMatch(/exited with code 3/);
    const after = await runTask('still alive?');
    expect(after.header?.outcome).toBe('SUCCESS');
  });

  it('attaches files the agent made', async () => {
    const r = await runTask('MAKEFILES now');
    const names = (r.attachments as { filename: string }[]).map((a) => a.filename).sort();
    expect(names).toEqual(['data.csv', 'report.md']);
  });

  it('runs tasks from allowed people and the operator role, never from others (🚫)', async () => {
    const stranger = await emu.admin.createUser({ name: 'stranger' });
    const member = await emu.admin.createUser({ name: 'member', roles: [emu.world.roles.operator] });
    const post = async (token: string, content: string) =>
      (await restFor(emu.world, token).post(Routes.channelMessages(emu.world.channels.taskQueue), {
        body: { content },
      })) as { id: string };
    const bad = await post(stranger.token, 'rm -rf / please');
    const good = await post(emu.world.tokens.operator, 'typed by the operator');
    const viaRole = await post(member.token, 'typed by a role member');
    await waitFor(
      async () => {
        const ids = (await results(emu.running)).map((r) => r.header?.taskId);
        return ids.includes(`discord-${good.id}`) && ids.includes(`discord-${viaRole.id}`);
      },
      30_000,
      'allowed tasks to finish',
    );
    const queue = await emu.admin.messages(emu.world.channels.taskQueue);
    const badMessage = queue.find((m) => m.id === bad.id)!;
    expect((badMessage.reactions ?? []).map((r) => r.emoji.name)).toContain('🚫');
    expect(badMessage.thread).toBeUndefined();
    expect(await agentRuns(agentLog)).not.toContain(`discord-${bad.id}`);
  });

  it('submits an oversize task as TASK.txt and the agent receives all of it', async () => {
    const long = `Summarise this: ${'lorem ipsum '.repeat(600)}THE-END`;
    const env = { ...emulatorEnv(emu.world), RUNTIME_DIR: join(dir, '.runtime-submit') };
    Object.assign(process.env, env);
    const printed: string[] = [];
    const taskId = await submit({ text: long, print: (l) => printed.push(l), config: join(dir, 'none.env') });
    expect(printed[0]).toBe(taskId);
    const r = await waitFor(
      async () => (await results(emu.running)).find((x) => x.header?.taskId === taskId),
      30_000,
      'oversize task result',
    );
    expect(r.header?.outcome).toBe('SUCCESS');
    const attachment = (r.attachments as { filename: string; url: string }[]).find(
      (a) => a.filename === 'RESULT.txt',
    );
    const full = attachment ? await (await fetch(attachment.url)).text() : r.content;
    expect(full).toContain('THE-END');
    const task = await readFile(join(dir, 'workers', 'worker-1', 'tasks', taskId, 'TASK.txt'), 'utf8');
    expect(task).toBe(long);
  });
});
