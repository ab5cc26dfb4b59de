/**
 * Test support for the real OpenClaw CLI: find the `.tools` install made by scripts/install-openclaw.sh, and build
 * a scratch world (HOME, TMPDIR, an OpenClaw config pointing at a fake model server, a work dir) so a run never
 * touches the real user's files.
 *
 * @example
 * ```ts
 * const install = requireOpenClawInstall(); // throws "run scripts/install-openclaw.sh" when absent
 * const server = await startFakeModelServer();
 * const scratch = await createOpenClawScratch({ modelServerUrl: server.url });
 * const runner = createOpenClawRunner({ workerId: 'w1', ...scratch.runnerOptions });
 * ```
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEFAULT_TOOLS_DIR, isExecutableFile, toolsPaths } from '../../src/agent/openclaw/locate.js';

/** Where the `.tools` install lives. */
export interface OpenClawInstall {
  toolsDir: string;
  openclaw: string;
  nodeBinDir: string;
  node: string;
}

/** The message a test fails with when the install is missing. */
export const OPENCLAW_INSTALL_MISSING =
  'The real OpenClaw CLI is not installed in .tools/: run scripts/install-openclaw.sh (about a minute, ~650 MB), ' +
  'or set DORCH_SKIP_OPENCLAW=1 to skip the tests that need it';

/** Set `DORCH_SKIP_OPENCLAW=1` to skip tests of the real CLI (they fail, never skip silently, otherwise). */
export function skipRealOpenClaw(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DORCH_SKIP_OPENCLAW === '1';
}

/** The `.tools` install, or undefined when it is not there. */
export function findOpenClawInstall(toolsDir: string = DEFAULT_TOOLS_DIR): OpenClawInstall | undefined {
  const paths = toolsPaths(toolsDir);
  if (!isExecutableFile(paths.openclaw) || !isExecutableFile(paths.node)) return undefined;
  return { toolsDir, ...paths };
}

/** The `.tools` install; throws {@link OPENCLAW_INSTALL_MISSING} when it is not there. */
export function requireOpenClawInstall(toolsDir: string = DEFAULT_TOOLS_DIR): OpenClawInstall {
  const install = findOpenClawInstall(toolsDir);
  if (!install) throw new Error(OPENCLAW_INSTALL_MISSING);
  return install;
}

/** Settings of the scratch OpenClaw config. */
export interface FakeOpenClawConfigOptions {
  /** The fake server's base URL (`http://127.0.0.1:P/v1`). */
  baseUrl: string;
  /** `reasoning` of `fake/fake-model`. @defaultValue `false` */
  reasoning?: boolean;
  /** The provider's `apiKey` (a literal, or a `${VAR}` reference OpenClaw resolves). @defaultValue `'sk-dummy'` */
  apiKey?: string;
}

/**
 * The config that worked in reference/openclaw.md §3: provider `fake` (OpenAI completions) with one model priced
 * $3 / $15 / $0.3 / $3.75 per 1M tokens, no catalog refresh, no bootstrap files, no memory plugin, minimal tools,
 * no update check.
 */
export function fakeOpenClawConfig(options: FakeOpenClawConfigOptions): Record<string, unknown> {
  return {
    models: {
      mode: 'merge',
      catalogRefresh: { enabled: false },
      providers: {
        fake: {
          baseUrl: options.baseUrl,
          api: 'openai-completions',
          apiKey: options.apiKey ?? 'sk-dummy',
          models: [
            {
              id: 'fake-model',
              name: 'Fake',
              contextWindow: 128000,
              maxTokens: 4096,
              reasoning: options.reasoning ?? false,
              cost: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
            },
          ],
        },
      },
    },
    agents: { defaults: { model: { primary: 'fake/fake-model' }, skipBootstrap: true } },
    plugins: { slots: { memory: 'none' } },
    tools: { profile: 'minimal' },
    update: { checkOnStart: false },
  };
}

/** A scratch world for real OpenClaw runs. */
export interface OpenClawScratch {
  root: string;
  home: string;
  /** The scratch OpenClaw config (in `<home>/.openclaw/openclaw.json`, where a user's would be). */
  configPath: string;
  /** Work dir for worker folders. */
  workDir: string;
  /** The environment for runs: this process's, with HOME and TMPDIR moved into the scratch folder. */
  env: NodeJS.ProcessEnv;
  /** Options to spread into `createOpenClawRunner`. */
  runnerOptions: { configPath: string; workDir: string; env: NodeJS.ProcessEnv };
  /** Creates `<workDir>/<workerId>/tasks/<taskId>/` with TASK.txt holding `prompt`; returns its path. */
  workspace(workerId: string, taskId: string, prompt: string): Promise<string>;
  /** Removes everything. */
  cleanup(): Promise<void>;
}

/** Builds a scratch world whose OpenClaw config points at a fake model server. */
export async function createOpenClawScratch(
  options: FakeOpenClawConfigOptions & { modelServerUrl?: string },
): Promise<OpenClawScratch> {
  const root = await mkdtemp(join(tmpdir(), 'dorch-openclaw-'));
  const home = join(root, 'home');
  const tmp = join(root, 'tmp');
  const workDir = join(root, 'workers');
  const configPath = join(home, '.openclaw', 'openclaw.json');
  await mkdir(join(home, '.openclaw'), { recursive: true });
  await mkdir(tmp, { recursive: true });
  await mkdir(workDir, { recursive: true });
  await writeFile(configPath, `${JSON.stringify(fakeOpenClawConfig(options), null, 2)}\n`);
  // No global openclaw on PATH: runners find the project's .tools install, whatever this machine has.
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !isExecutableFile(join(dir, 'openclaw')))
    .join(delimiter);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: path,
    HOME: home,
    TMPDIR: tmp,
    OPENCLAW_OFFLINE: '1',
  };
  for (const key of ['OPENCLAW_CONFIG_PATH', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME', 'OPENCLAW_BIN'])
    delete env[key];
  return {
    root,
    home,
    configPath,
    workDir,
    env,
    runnerOptions: { configPath, workDir, env },
    async workspace(workerId, taskId, prompt) {
      const dir = join(workDir, workerId, 'tasks', taskId);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'TASK.txt'), prompt);
      return dir;
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Pids of live processes whose environment has `OPENCLAW_STATE_DIR=<stateDir>` (Linux `/proc`; empty elsewhere):
 * what an orphaned OpenClaw run would look like.
 */
export function processesUsingStateDir(stateDir: string): number[] {
  const needle = `OPENCLAW_STATE_DIR=${stateDir}\0`;
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (`${environ}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // Gone, or not ours.
    }
  }
  return pids;
}
