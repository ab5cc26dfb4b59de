/**
 * `dorch skill install`: the SKILL.md follows OpenClaw's skill format (front matter of single-line keys, `name` as
 * the folder, a one-line description under 160 characters, `metadata` as one line of JSON; see
 * /work/shared/reference/openclaw.md §9 and OpenClaw's bundled skills), teaches the commands, aliases, thinking levels,
 * result fields and budget rules, and reveals no token and no config path. The real OpenClaw loading it is checked
 * in test/openclaw/delegation.test.ts (`npm run test:openclaw`).
 */
import { mkdir, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openClawSkillsDir, skillInstall } from '../../../src/cli/commands/skill/index.js';
import { SKILL_NAME } from '../../../src/cli/commands/skill/skill-text.js';
import { writeEnvFile } from '../../../src/config/env-file.js';
import { THINKING_LEVELS } from '../../../src/task/task.js';

const TOKEN = 'MTQ3MTI0MTQ2NDY5OTk0NTAxMA.GhXyZa.secret-submitter-token-value-123456';

/** Split a SKILL.md into its front matter keys and body, as OpenClaw's embedded parser reads it (one line a key). */
function frontMatter(text: string): { keys: Record<string, string>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!m) throw new Error('no front matter');
  const keys: Record<string, string> = {};
  for (const line of m[1]!.split('\n')) {
    const kv = /^([a-z-]+): (.+)$/.exec(line);
    if (!kv) throw new Error(`not a single-line key: ${line}`);
    keys[kv[1]!] = kv[2]!;
  }
  return { keys, body: m[2]! };
}

describe('dorch skill install', () => {
  it('writes SKILL.md in OpenClaw’s format and an executable wrapper, with no token or config path in the text', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dorch-skill-'));
    const config = join(dir, 'secret-place', 'discord-config.env');
    await mkdir(join(dir, 'secret-place'));
    writeEnvFile(config, {
      SUBMITTER_TOKEN: TOKEN,
      MODEL_ALIASES: 'fast=openrouter/acme/fast-1',
      MAX_TASK_DEPTH: '3',
    });
    const lines: string[] = [];
    const skillDir = await skillInstall({
      config,
      dir: join(dir, 'skills'),
      env: {},
      print: (l) => lines.push(l),
    });
    expect(skillDir).toBe(join(dir, 'skills', SKILL_NAME));
    const text = await readFile(join(skillDir, 'SKILL.md'), 'utf8');

    const { keys, body } = frontMatter(text);
    expect(Object.keys(keys).sort()).toEqual(['description', 'metadata', 'name']);
    expect(keys.name).toBe(SKILL_NAME);
    expect(keys.name).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(keys.description!.length).toBeLessThan(160);
    const metadata = JSON.parse(keys.metadata!) as { openclaw: { requires: { bins: string[] } } };
    expect(metadata.openclaw.requires.bins).toEqual(['node']);

    // What it teaches.
    for (const needle of [
      '{baseDir}/scripts/dorch-fleet submit --wait --json',
      '--max-cost',
      '--timeout',
      '--stdin',
      '--at-end',
      'dorch-fleet wait --json',
      'dorch-fleet result --json',
      'dorch-fleet cancel',
      '| `cheap` |',
      '| `coder` |',
      '| `fast` | `openrouter/acme/fast-1` |',
      'costUsd',
      'childrenCostUsd',
      'independent',
      '3 levels deep',
      'MAX_TASK_DEPTH',
    ])
      expect(body).toContain(needle);
    for (const level of THINKING_LEVELS) expect(body).toContain(level);

    // What it must not reveal.
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('discord-config.env');
    expect(text).not.toContain(dir);
    expect(text).not.toMatch(/_TOKEN|\/home\/|\/tmp\//);

    const wrapper = join(skillDir, 'scripts', 'dorch-fleet');
    expect((await stat(wrapper)).mode & 0o111).not.toBe(0);
    const script = await readFile(wrapper, 'utf8');
    expect(script).toContain(`--config '${config}'`);
    expect(script).not.toContain(TOKEN);
    expect(lines[0]).toContain(skillDir);
  });

  it('finds OpenClaw’s shared skills folder as OpenClaw does (state dir, config’s folder, OPENCLAW_HOME, home)', () => {
    expect(
      openClawSkillsDir({ OPENCLAW_STATE_DIR: '/s', OPENCLAW_CONFIG_PATH: '/c/o.json', HOME: '/h' }),
    ).toBe('/s/skills');
    expect(openClawSkillsDir({ OPENCLAW_CONFIG_PATH: '/c/o.json', HOME: '/h' })).toBe('/c/skills');
    expect(openClawSkillsDir({ OPENCLAW_HOME: '/oh', HOME: '/h' })).toBe('/oh/.openclaw/skills');
    expect(openClawSkillsDir({ HOME: '/h' })).toBe('/h/.openclaw/skills');
  });
});
