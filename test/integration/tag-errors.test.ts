/**
 * A misspelt or unclosed tag typed by a person reaches the worker as a FAILED result that says what is wrong
 * (through the task's tagErrors), and the agent never runs: it must not silently run the default model.
 */
import { join } from 'node:path';
import { Routes } from 'discord-api-types/v10';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restFor, useEmulator } from '../helpers/emulator.js';
import { useEnv } from '../helpers/env.js';
import {
  agentRuns,
  fixtureAgent,
  results,
  scratch,
  startWorker,
  waitFor,
  type InProcessWorker,
} from '../helpers/fleet.js';

describe('malformed tags on the worker side', () => {
  const emu = useEmulator({ workers: 1 });
  useEnv('all');
  let worker: InProcessWorker;
  let agentLog: string;

  beforeAll(async () => {
    const dir = await scratch();
    agentLog = join(dir, 'agent.log');
    process.env.AGENT_LOG = agentLog; // inherited by the fixture agent
    worker = await startWorker(emu.world, {
      dir,
      env: { AGENT_RUNNER: 'command', AGENT_COMMAND: fixtureAgent('by-prompt') },
    });
  });
  afterAll(async () => {
    await worker?.stop();
  });

  /** The allowed human operator types a task into #task-queue. */
  async function typed(content: string) {
    const message = (await restFor(emu.world, emu.world.tokens.operator).post(
      Routes.channelMessages(emu.world.channels.taskQueue),
      { body: { content } },
    )) as { id: string };
    const taskId = `discord-${message.id}`;
    return waitFor(
      async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
      30_000,
      `result of ${taskId}`,
    );
  }

  it.each([
    ['[modle:coder] Write a haiku', /Unknown tag \[modle:\]; did you mean \[model:\]\?/],
    ['Write a haiku [thinkng:high]', /Unknown tag \[thinkng:\]; did you mean \[thinking:\]\?/],
    ['[model:coder Write a haiku', /The \[model: tag is not closed/],
  ])('%j → FAILED saying why, agent not run', async (text, why) => {
    const before = (await agentRuns(agentLog)).length;
    const r = await typed(text);
    expect(r.header?.outcome).toBe('FAILED');
    expect(r.content).toMatch(why);
    expect((await agentRuns(agentLog)).length).toBe(before);
  });
});
