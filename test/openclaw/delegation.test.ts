/**
 * The end-to-end (the OpenClaw tier: one real OpenClaw turn and `openclaw skills list`, about a minute): a main OpenClaw
 * agent, driven by a scripted fake model, finds the installed `dorch-delegate` skill, asks for a shell tool call
 * that runs the skill's command, and so delegates two tasks to the fleet (the emulator and two in-process workers)
 * and receives both results. Also: the real `openclaw skills list` loads the skill as eligible and model-visible,
 * the strongest check of its format.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentRequest, AgentResult, AgentRunner } from '../../src/agent/runner.js';
import { skillInstall } from '../../src/cli/commands/skill/index.js';
import { SKILL_DESCRIPTION, SKILL_NAME } from '../../src/cli/commands/skill/skill-text.js';
import { writeEnvFile } from '../../src/config/env-file.js';
import { readResultLine } from '../../src/task/format.js';
import { useEmulator } from '../helpers/emulator.js';
import {
  startFakeModelServer,
  type ChatRequestBody,
  type FakeModelServer,
} from '../helpers/fake-model-server.js';
import { emulatorEnv, scratch as scratchDir, startWorker, type InProcessWorker } from '../helpers/fleet.js';
import {
  createOpenClawScratch,
  fakeOpenClawConfig,
  requireOpenClawInstall,
  skipRealOpenClaw,
  type OpenClawScratch,
} from '../helpers/openclaw.js';

const emu = useEmulator({ workers: 2, rateLimits: false });

class Answering implements AgentRunner {
  readonly name = 'answering';
  async check(): Promise<void> {}
  async run(request: AgentRequest): Promise<AgentResult> {
    return {
      ok: true,
      text: `CHILD-ANSWER(${request.prompt})`,
      exitCode: 0,
      signal: null,
      timedOut: false,
      durationMs: 5,
      model: request.model,
      usage: { input: 10, output: 5, cacheRead: 0, cacheWrite: 0 },
      costUsd: 0.0125,
      notes: [],
    };
  }
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(skipRealOpenClaw())('a main OpenClaw agent delegates through the installed skill', () => {
  let server: FakeModelServer;
  let oc: OpenClawScratch;
  const workers: InProcessWorker[] = [];

  beforeAll(async () => {
    requireOpenClawInstall();
    server = await startFakeModelServer();
    oc = await createOpenClawScratch({ baseUrl: server.url });
    // The coding profile has the exec tool; the minimal one has none.
    const config = fakeOpenClawConfig({ baseUrl: server.url });
    config.tools = { profile: 'coding' };
    await writeFile(oc.configPath, JSON.stringify(config, null, 2));
    await emu.admin.seed({ workers: 2 });
    for (let i = 0; i < 2; i++)
      workers.push(
        await startWorker(emu.world, { dir: await scratchDir(), index: i, runner: new Answering() }),
      );
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
    await server?.close();
    await oc?.cleanup();
  }, 60_000);

  it('skill install → openclaw skills list shows it → the agent runs its command → two tasks, both results back', async () => {
    const install = requireOpenClawInstall();
    const dorchDir = join(oc.root, 'operator');
    await mkdir(dorchDir);
    const configFile = join(dorchDir, 'discord-config.env');
    writeEnvFile(configFile, { ...emulatorEnv(emu.world), RUNTIME_DIR: join(dorchDir, '.runtime') });
    const skillDir = await skillInstall({ config: configFile, env: oc.env, print: () => undefined });
    expect(skillDir).toBe(join(oc.home, '.openclaw', 'skills', SKILL_NAME));

    // A plain environment, as a user's shell has it (OpenClaw behaves differently under the test runner's VITEST).
    const env = {
      PATH: [install.nodeBinDir, oc.env.PATH].join(delimiter),
      HOME: oc.home,
      TMPDIR: oc.env.TMPDIR!,
      OPENCLAW_OFFLINE: '1',
      OPENCLAW_NO_AUTO_UPDATE: '1',
      DO_NOT_TRACK: '1',
    };
    const listed = await run(install.openclaw, ['skills', 'list', '--json'], { cwd: oc.root, env });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout, `stderr: ${listed.stderr.slice(-1500)}`).toContain(SKILL_NAME);
    const skills = (
      JSON.parse(listed.stdout.slice(listed.stdout.indexOf('{'))) as { skills: Record<string, unknown>[] }
    ).skills;
    expect(skills.find((s) => s.name === SKILL_NAME)).toMatchObject({
      description: SKILL_DESCRIPTION,
      eligible: true,
      modelVisible: true,
    });

    const command = `${join(skillDir, 'scripts', 'dorch-fleet')} submit --wait --json --timeout 60 --max-cost 1 --task "first part [model:cheap]" --task "second part [model:coder]"`;
    let offered = false;
    server.setReply((body: ChatRequestBody) => {
      const tool = (body.messages ?? []).find((m) => m.role === 'tool');
      if (tool) return `MAIN-DONE: ${JSON.stringify(tool.content)}`;
      offered = JSON.stringify(body.messages).includes(SKILL_NAME);
      return { toolCall: { name: 'exec', arguments: { command } } };
    });
    const started = Date.now();
    const turn = await run(
      install.openclaw,
      [
        'agent',
        '--local',
        '--session-id',
        'main-1',
        '--message',
        'Split this into two parts and delegate them',
        '--json',
      ],
      { cwd: oc.root, env },
    );
    const wallMs = Date.now() - started;
    expect(turn.code, turn.stderr.slice(-2000)).toBe(0);
    expect(offered).toBe(true);
    const final = turn.stdout;
    expect(final).toContain('MAIN-DONE');
    expect(final).toContain('CHILD-ANSWER(first part)');
    expect(final).toContain('CHILD-ANSWER(second part)');
    const results = (await emu.admin.messages(emu.world.channels.results)).map((m) =>
      readResultLine(m.content),
    );
    expect(results.map((r) => r?.outcome)).toEqual(['SUCCESS', 'SUCCESS']);
    console.info(`main agent turn with two delegated tasks: ${wallMs} ms wall`);
  }, 240_000);
});
