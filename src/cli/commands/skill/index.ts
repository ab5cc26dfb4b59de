/**
 * `dorch skill install`: write the OpenClaw skill that teaches an agent to delegate through the fleet (see
 * `skill-text.ts`) into OpenClaw's shared skills folder, where every agent on this machine finds it (OpenClaw's
 * `resolveConfigDir()`: `$OPENCLAW_STATE_DIR`, else the folder of `$OPENCLAW_CONFIG_PATH`, else `~/.openclaw`
 * under `$OPENCLAW_HOME` or the home folder; then `skills/`), with the wrapper its commands run.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { loadConfig } from '../../../config/load.js';
import { SKILL_NAME, skillMarkdown, wrapperScript } from './skill-text.js';

/** Options of `dorch skill install`. */
export interface SkillInstallOptions {
  config?: string;
  /** The skills folder. @defaultValue OpenClaw's shared one (see the module comment) */
  dir?: string;
  env?: NodeJS.ProcessEnv;
  print?: (line: string) => void;
}

/** OpenClaw's shared skills folder for this environment. */
export function openClawSkillsDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.OPENCLAW_HOME?.trim() || env.HOME || homedir();
  const expand = (p: string) => resolve(p.replace(/^~(?=$|\/)/, env.HOME || homedir()));
  const state = env.OPENCLAW_STATE_DIR?.trim();
  if (state) return join(expand(state), 'skills');
  const config = env.OPENCLAW_CONFIG_PATH?.trim();
  if (config) return join(dirname(expand(config)), 'skills');
  return join(expand(home), '.openclaw', 'skills');
}

/** Write `<skills>/dorch-delegate/SKILL.md` and `scripts/dorch-fleet`; resolves to the skill's folder. */
export async function skillInstall(options: SkillInstallOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const print = options.print ?? ((line: string) => console.log(line));
  const configFile = resolve(options.config ?? DEFAULT_CONFIG_FILE);
  const { config } = loadConfig({ file: configFile, env });
  const dir = join(options.dir ? resolve(options.dir) : openClawSkillsDir(env), SKILL_NAME);
  await mkdir(join(dir, 'scripts'), { recursive: true });
  await writeFile(
    join(dir, 'SKILL.md'),
    skillMarkdown({
      aliases: config.models.aliases,
      defaultModel: config.models.defaultModel,
      defaultThinking: config.models.defaultThinking,
      maxDepth: config.worker.maxTaskDepth,
      ...(config.budget.maxTaskCostUsd !== undefined ? { maxTaskCostUsd: config.budget.maxTaskCostUsd } : {}),
    }),
  );
  // This very CLI, run by this very node: dist/cli/index.js, or src/cli/index.ts through tsx in a checkout.
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const cli = join(dirname(here), '..', '..', fromSource ? 'index.ts' : 'index.js');
  const node = fromSource ? [process.execPath, '--import', import.meta.resolve('tsx')] : [process.execPath];
  const wrapper = join(dir, 'scripts', 'dorch-fleet');
  await writeFile(wrapper, wrapperScript(node, cli, configFile));
  await chmod(wrapper, 0o755);
  print(`Installed the OpenClaw skill "${SKILL_NAME}" in ${dir}`);
  print(
    'OpenClaw picks it up at the next session (`openclaw skills list` shows it); the agent needs its exec tool.',
  );
  return dir;
}
