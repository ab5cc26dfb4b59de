import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandRunner, type CommandRunnerOptions } from '../../../../src/agent/command/command-runner.js';
import { EMPTY_USAGE } from '../../../../src/task/usage.js';
import { AgentStartError } from '../../../../src/lib/errors.js';
import { fixture, grandchildPid, isAlive, request, tempDir, waitFor } from '../../../helpers/agent.js';

const fast = { killGraceMs: 200, drainMs: 500 };

function runner(agent: string, options: Partial<CommandRunnerOptions> = {}): CommandRunner {
  return new CommandRunner({
    command: `"${process.execPath}" "${fixture(agent)}"`,
    process: fast,
    ...options,
  });
}

describe('CommandRunner with the fixture agents', () => {
  it('ok: answer from stdout, usage, model and cost from USAGE.json, TASK.txt and log written', async () => {
    const ws = await tempDir();
    const agentLog = join(await tempDir(), 'agents.log');
    const result = await runner('ok.mjs', {
      env: { ...process.env, AGENT_LOG: agentLog },
      pass: ['AGENT_LOG'],
    }).run(request(ws));
    expect(result).toMatchObject({
      ok: true,
      text: 'OK discord-1234567890: What is 2+2?',
      exitCode: 0,
      signal: null,
      timedOut: false,
      model: 'openrouter/moonshotai/kimi-k2.5',
      usage: { input: 13, output: 9, cacheRead: 5, cacheWrite: 0 },
      costUsd: 0.000123,
      notes: [],
    });
    expect(result.error).toBeUndefined();
    expect(await readFile(join(ws, 'TASK.txt'), 'utf8')).toBe('What is 2+2?');
    expect(await readFile(join(ws, 'agent-output.log'), 'utf8')).toContain('OK discord-1234567890');
    expect(await readFile(agentLog, 'utf8')).toBe('discord-1234567890 worker-1\n');
  });

  it('reports the model the agent says it ran', async () => {
    const ws = await tempDir();
    const result = await runner('ok.mjs', {
      env: { ...process.env, OK_MODEL: 'other/model' },
      pass: ['OK_MODEL'],
    }).run(request(ws));
    expect(result.model).toBe('other/model');
  });

  it('keeps an existing TASK.txt and deletes a stale USAGE.json', async () => {
    const ws = await tempDir();
    await writeFile(join(ws, 'TASK.txt'), 'written by the worker');
    await writeFile(join(ws, 'USAGE.json'), '{"input":999,"costUsd":5,"model":"stale/model"}');
    const result = await runner('echo-env.mjs').run(request(ws));
    expect(result.ok).toBe(true);
    expect(result.usage).toEqual(EMPTY_USAGE);
    expect(result.costUsd).toBeUndefined();
    expect(result.model).toBe('openrouter/moonshotai/kimi-k2.5');
    expect(await readFile(join(ws, 'TASK.txt'), 'utf8')).toBe('written by the worker');
  });

  it('fail: exit code 3 with the last stderr line in the error', async () => {
    const result = await runner('fail.mjs').run(request(await tempDir()));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 3,
      error: 'agent exited with code 3: error: the fixture agent failed on purpose',
      text: 'partial output\n',
    });
  });

  it('hang: timeout kills the agent and its grandchild', async () => {
    const result = await runner('hang.mjs').run(request(await tempDir(), { timeoutMs: 1_000 }));
    expect(result).toMatchObject({ ok: false, timedOut: true, error: 'agent timed out after 1 s (killed)' });
    const gc = grandchildPid(result.text);
    expect(gc).toBeDefined();
    expect(await waitFor(() => !isAlive(gc!))).toBe(true);
  });

  it('hang: abort cancels the run', async () => {
    const controller = new AbortController();
    const ws = await tempDir();
    const running = runner('hang.mjs').run(request(ws), controller.signal);
    // Wait until the agent is really running (it has printed its grandchild's pid to the log).
    const log = join(ws, 'agent-output.log');
    const started = await waitFor(() => {
      try {
        return grandchildPid(readFileSync(log, 'utf8')) !== undefined;
      } catch {
        return false;
      }
    });
    expect(started).toBe(true);
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, timedOut: false, error: 'agent was cancelled (killed)' });
  });

  it.each([
    ['SIGSEGV', 'agent was killed by SIGSEGV'],
    ['SIGKILL', 'agent was killed by SIGKILL'],
  ])('crash by %s', async (sig, error) => {
    const result = await runner('crash.mjs', {
      env: { ...process.env, CRASH_SIGNAL: sig },
      pass: ['CRASH_SIGNAL'],
    }).run(request(await tempDir()));
    expect(result).toMatchObject({ ok: false, exitCode: null, signal: sig, error, text: 'about to crash\n' });
  });

  it('huge output: the result keeps the head, the log keeps everything', async () => {
    const ws = await tempDir();
    const result = await runner('huge-output.mjs', {
      env: { ...process.env, HUGE_BYTES: '100000' },
      pass: ['HUGE_BYTES'],
      process: { ...fast, maxStdoutBytes: 10_000 },
    }).run(request(ws));
    expect(result.ok).toBe(true);
    expect(result.text.length).toBeLessThanOrEqual(10_000);
    expect(result.text.length).toBeGreaterThan(9_000);
    expect(result.notes).toContain('output cut in the result; the whole output is in agent-output.log');
    expect((await readFile(join(ws, 'agent-output.log'))).length).toBe(100_000);
  });

  it('stderr spam: small stdout is the answer', async () => {
    const result = await runner('stderr-spam.mjs', {
      env: { ...process.env, SPAM_BYTES: '300000' },
      pass: ['SPAM_BYTES'],
    }).run(request(await tempDir()));
    expect(result).toMatchObject({ ok: true, text: 'small answer', notes: [] });
  });

  it('huge usage: large counts and cost pass through', async () => {
    const result = await runner('huge-usage.mjs').run(request(await tempDir()));
    expect(result).toMatchObject({
      ok: true,
      model: 'openrouter/huge/model',
      usage: { input: 2_000_000_000, output: 750_000_000, cacheRead: 9_000_000_000, cacheWrite: 1_000_000 },
      costUsd: 123456.78,
    });
  });

  it('echo-env: DORCH_* set, no token and no API key unless passed, cwd is the workspace, prompt on stdin', async () => {
    const ws = await tempDir();
    const env = {
      ...process.env,
      BOT_TOKEN: 'bot-secret-123',
      WORKER1_TOKEN: 'w1-secret-123',
      WORKER2_TOKEN: 'w2-secret-123',
      SUBMITTER_TOKEN: 'sub-secret-123',
      OPENROUTER_API_KEY: 'sk-or-secret',
      OPENAI_API_KEY: 'sk-openai-secret',
      MY_TOOL_TOKEN: 'tool-secret',
    };
    const seenWith = async (pass: string[]) =>
      JSON.parse(
        (
          await runner('echo-env.mjs', {
            env: { ...env, LEAK_CHECK: 'OPENAI_API_KEY,MY_TOOL_TOKEN,LEAK_CHECK' },
            pass: ['LEAK_CHECK', ...pass],
            secretValues: ['w1-secret-123', 'w2-secret-123', 'bot-secret-123', 'sub-secret-123'],
          }).run(request(ws, { prompt: 'hello agent', thinking: 'high' }))
        ).text,
      );
    const seen = await seenWith([]);
    expect(seen.leaked).toEqual({
      WORKER1_TOKEN: false,
      WORKER2_TOKEN: false,
      BOT_TOKEN: false,
      SUBMITTER_TOKEN: false,
      OPENROUTER_API_KEY: false,
      OPENAI_API_KEY: false,
      MY_TOOL_TOKEN: false,
      LEAK_CHECK: true,
    });
    expect(seen.dorch).toMatchObject({
      DORCH_TASK_ID: 'discord-1234567890',
      DORCH_MODEL: 'openrouter/moonshotai/kimi-k2.5',
      DORCH_THINKING: 'high',
      DORCH_WORKSPACE: ws,
      DORCH_SESSION_ID: 'worker-1-discord-1234567890',
      DORCH_WORKER_ID: 'worker-1',
      DORCH_TIMEOUT_MS: '10000',
    });
    expect(seen.cwd).toBe(ws);
    expect(seen.stdin).toBe('hello agent');

    // Opt-in: a listed key is passed; a Discord token never is, even when listed.
    const opted = await seenWith(['OPENAI_API_KEY', 'MY_TOOL_TOKEN', 'WORKER1_TOKEN', 'BOT_TOKEN']);
    expect(opted.leaked).toMatchObject({
      OPENAI_API_KEY: true,
      MY_TOOL_TOKEN: true,
      OPENROUTER_API_KEY: false,
      WORKER1_TOKEN: false,
      BOT_TOKEN: false,
    });
  });

  it('passes quoted arguments as single argv entries', async () => {
    const r = new CommandRunner({
      command: `"${process.execPath}" "${fixture('echo-env.mjs')}" "two words" 'x "y"' plain\\ space`,
      process: fast,
    });
    const seen = JSON.parse((await r.run(request(await tempDir()))).text);
    expect(seen.argv).toEqual(['two words', 'x "y"', 'plain space']);
  });

  it('resolves relative paths against baseDir, not the workspace', async () => {
    const r = new CommandRunner({
      command: 'node ok.mjs --flag',
      baseDir: dirname(fixture('ok.mjs')),
      process: fast,
    });
    expect(r.argv).toEqual(['node', fixture('ok.mjs'), '--flag']);
    const result = await r.run(request(await tempDir()));
    expect(result.ok).toBe(true);
  });

  it('notes an empty answer', async () => {
    const r = new CommandRunner({ command: `"${process.execPath}" -e ""`, process: fast });
    const result = await r.run(request(await tempDir()));
    expect(result).toMatchObject({ ok: true, text: '', notes: ['the agent printed no answer'] });
  });
});

describe('CommandRunner start problems', () => {
  it('check() passes for an executable on PATH', async () => {
    await expect(new CommandRunner({ command: 'node x.mjs' }).check()).resolves.toBeUndefined();
  });

  it('check() names a program missing from PATH, without the rest of the command line', async () => {
    const r = new CommandRunner({ command: 'dorch-no-such-agent --api-key sk-secret-value' });
    const error = await r.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentStartError);
    expect((error as Error).message).toContain('`dorch-no-such-agent` not found on PATH');
    expect((error as Error).message).not.toContain('sk-secret-value');
  });

  it('check() names a missing path', async () => {
    const r = new CommandRunner({ command: '/nonexistent/agent.sh' });
    await expect(r.check()).rejects.toThrow('`/nonexistent/agent.sh` does not exist or is not executable');
  });

  it('run() turns a missing program into a failed result', async () => {
    const result = await new CommandRunner({ command: 'dorch-no-such-agent' }).run(request(await tempDir()));
    expect(result).toMatchObject({
      ok: false,
      exitCode: null,
      error: 'could not start agent: `dorch-no-such-agent` not found on PATH',
      usage: EMPTY_USAGE,
    });
  });

  it('an invalid command line fails check() and run(), never the constructor', async () => {
    const r = new CommandRunner({ command: 'agent | tee log' });
    expect(r.argv).toBeUndefined();
    await expect(r.check()).rejects.toThrow(AgentStartError);
    const result = await r.run(request(await tempDir()));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^could not start agent: .*without a shell/);
  });

  it('a missing workspace is a failed result', async () => {
    const result = await runner('ok.mjs').run(request('/nonexistent/workspace'));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^could not start agent: workspace \/nonexistent\/workspace is not usable/);
  });

  it('the constructor rejects a non-string command', () => {
    expect(() => new CommandRunner({ command: undefined as unknown as string })).toThrow(TypeError);
  });
});
