/**
 * Nothing secret leaves the machine, whatever the agent does (issue #7). A real `dorch worker` process, configured
 * by a discord-config.env in its folder like a user's, runs test/fixtures/agents/hostile.mjs against the emulator.
 * The agent copies, hard-links, symlinks, base64s and hides the config in a binary, writes `env > env.txt`, names a
 * file after a token, claims a token as its model and prints tokens with NULs and escape sequences. Then everything
 * that left the worker is read back: the #results message (content, attachment names, attachment bytes fetched from
 * their URLs), the task thread, the ledger, `dorch costs` (local and --fleet) and the worker's own log. None may hold
 * a secret, raw or in a common encoding.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeEnvFile } from '../../src/config/env-file.js';
import { worldConfig } from '../../src/emulator/world-env.js';
import { controlChars } from '../helpers/controls.js';
import { useEmulator } from '../helpers/emulator.js';
import {
  collect,
  fixtureAgent,
  results,
  scratch,
  spawnCli,
  submitterBus,
  waitFor,
} from '../helpers/fleet.js';

// The encodings an agent produces by accident, computed here independently of src/lib/redact.ts: the value, hex,
// and base64/base64url of it at each of the three byte alignments (the middle, which does not depend on what
// surrounds the value).
function forms(secret: string): string[] {
  const out = [secret, Buffer.from(secret).toString('hex')];
  for (let k = 0; k < 3; k++) {
    const bytes = Buffer.concat([Buffer.alloc(k, 0x78), Buffer.from(secret)]);
    for (const enc of ['base64', 'base64url'] as const) out.push(bytes.toString(enc).slice(4, -4));
  }
  return out;
}

describe('a hostile agent run by a real worker', () => {
  const emu = useEmulator({ workers: 1 });
  const openaiKey = `sk-proj-${randomBytes(24).toString('hex')}`;
  const openrouterKey = `sk-or-v1-${randomBytes(24).toString('hex')}`;
  let dir: string;
  let secrets: Record<string, string>;
  let taskId: string;
  let messageId: string;
  let workerOutput: string;

  // Every place the secrets could have gone, read back after the task.
  const seen: Record<string, string> = {};

  async function cli(args: string[]) {
    const run = collect(spawnCli(args, { cwd: dir, env: {} }));
    await run.exited;
    return run.output();
  }

  beforeAll(async () => {
    dir = await scratch('dorch-hostile-');
    const world = emu.world;
    secrets = {
      WORKER1_TOKEN: world.tokens.workers[0]!,
      SUBMITTER_TOKEN: world.tokens.submitter,
      OPENAI_API_KEY: openaiKey,
      OPENROUTER_API_KEY: openrouterKey,
    };
    writeEnvFile(join(dir, 'discord-config.env'), {
      ...worldConfig(world, { workers: 1 }),
      AGENT_RUNNER: 'command',
      AGENT_COMMAND: fixtureAgent('hostile'),
      // Opted in, so env.txt holds a key and must be redacted; OPENAI_API_KEY is not passed.
      AGENT_ENV_PASS: 'OPENROUTER_API_KEY',
      POLL_INTERVAL: '0.3',
      TASK_TIMEOUT: '60',
    });
    // Provider keys in the worker's environment, as a user running OpenClaw or the openai runner has them.
    const worker = spawnCli(['worker', '--id', 'worker-1', '--restart-per-task'], {
      cwd: dir,
      env: { OPENAI_API_KEY: openaiKey, OPENROUTER_API_KEY: openrouterKey },
    });
    const run = collect(worker);
    const submitter = submitterBus(world);
    ({ taskId, messageId } = await submitter.submit('Please summarise your configuration.'));
    await submitter.close();
    const result = await waitFor(
      async () => (await results(emu.running)).find((r) => r.header?.taskId === taskId),
      90_000,
      `the result of ${taskId}`,
    );
    // With --restart-per-task the worker exits after one task: its log is complete.
    expect(await run.exited).toBe(0);
    workerOutput = run.output();

    seen.content = result.content;
    const attachments = result.attachments as { filename: string; url: string }[];
    seen.names = attachments.map((a) => a.filename).join('\n');
    for (const a of attachments) {
      const bytes = Buffer.from(await (await fetch(a.url)).arrayBuffer());
      seen[`file ${a.filename}`] = bytes.toString('latin1');
    }
    const thread = await emu.admin.messages(messageId);
    seen.thread = thread.map((m) => m.content).join('\n');
    seen.ledger = await readFile(join(dir, '.runtime', 'ledger.jsonl'), 'utf8');
    seen.costs = await cli(['costs']);
    seen.costsFleet = await cli(['costs', '--fleet']);
    seen.log = workerOutput;
  }, 150_000);

  it('lets no secret, raw or encoded, into #results, the thread, the ledger, `dorch costs` or the log', () => {
    expect(Object.keys(seen).length).toBeGreaterThan(8);
    // Each source was really read: the model row of the costs tables, the worker's task lines.
    expect(seen.costs).toMatch(/^\[redacted\] +1 /m);
    expect(seen.costsFleet).toMatch(/^\[redacted\] +1 /m);
    expect(seen.log).toContain('"msg":"finished"');
    for (const [where, text] of Object.entries(seen)) {
      for (const [name, value] of Object.entries(secrets)) {
        for (const form of forms(value)) {
          expect(text.includes(form), `${name} (or an encoding of it) in ${where}`).toBe(false);
        }
      }
    }
  });

  it('attaches redacted copies of the copied, hard-linked and base64 config and of env.txt', () => {
    const names = seen.names!.split('\n');
    expect(names).toEqual(expect.arrayContaining(['copy.env', 'hardlink.env', 'config.b64', 'env.txt']));
    expect(seen['file copy.env']).toContain('WORKER1_TOKEN=[redacted]');
    expect(seen['file hardlink.env']).toContain('SUBMITTER_TOKEN=[redacted]');
    expect(seen['file env.txt']).toContain('OPENROUTER_API_KEY=[redacted]');
    expect(seen['file env.txt']).toContain('DORCH_TASK_ID=');
    expect(seen.content).toMatch(/Note: secrets redacted from the attached `[^\n]*copy\.env/);
  });

  it('withholds the binary and the symlink, saying which and why', () => {
    const names = seen.names!.split('\n');
    expect(names).not.toContain('dump.bin');
    expect(names).not.toContain('symlink.env');
    expect(seen.content).toContain(
      'Note: not attached: `dump.bin` (holds a secret), `symlink.env` (symbolic link, not followed)',
    );
  });

  it('posts only safe file names and no control characters', () => {
    for (const name of seen.names!.split('\n')) expect(name).toMatch(/^[\p{L}\p{N}._-]+$/u);
    expect(seen.names).toContain('_redacted_.txt');
    expect(controlChars(seen.content!)).toEqual([]);
    expect(controlChars(seen.thread!)).toEqual([]);
    expect(seen.content).toContain('Model: [redacted]');
    expect(seen.ledger).toContain('"model":"[redacted]"');
  });

  it('does not give the command agent OPENAI_API_KEY, which it was not passed', () => {
    expect(seen.content).toContain('openai-key-visible=no');
    expect(seen['file env.txt']).not.toContain('OPENAI_API_KEY');
  });
});
