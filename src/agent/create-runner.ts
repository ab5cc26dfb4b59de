/**
 * Picks and builds the configured agent runner (`AGENT_RUNNER`). Runners are imported lazily so a worker that
 * uses one never loads the others.
 */
import type { Config } from '../config/schema.js';
import { processRedactor } from '../lib/redact.js';
import type { AgentRunner } from './runner.js';

/** Per-worker context a runner may need. */
export interface RunnerContext {
  workerId: string;
  /**
   * Environment variable names an agent must never see, even when listed in `AGENT_ENV_PASS` (Discord token names
   * never reach an agent anyway). @defaultValue `[]`
   */
  stripEnv?: string[];
  /**
   * The worker stays up between tasks (`--keep-alive`). With `OPENCLAW_MODE` unset, the OpenClaw runner then runs
   * tasks through a warm Gateway (unless `AGENT_SANDBOX` is on); a worker that restarts after each task runs them
   * with `--local`, which is cheaper for a single task. @defaultValue `false`
   */
  keepAlive?: boolean;
}

/**
 * Build the runner named by `config.agent.runner`. What each agent process gets in its environment: `command`,
 * the base (`agentEnv`) plus `DORCH_*` plus `AGENT_ENV_PASS`; `openclaw`, the base plus OpenClaw's settings and the
 * provider keys of the task's model (provider-keys.ts) plus `AGENT_ENV_PASS`; `openai` and `demo` run in this
 * process and start no agent process. The config's Discord tokens are never passed, under any name.
 */

export async function createRunner(config: Config, context: RunnerContext): Promise<AgentRunner> {
  const a = config.agent;
  const secretValues = discordTokens(config);
  switch (a.runner) {
    case 'demo': {
      const { DemoRunner } = await import('./demo/demo-runner.js');
      return new DemoRunner();
    }
    case 'command': {
      const { CommandRunner } = await import('./command/command-runner.js');
      return new CommandRunner({
        command: a.command ?? '',
        pass: a.envPass,
        stripEnv: context.stripEnv ?? [],
        secretValues,
      });
    }
    case 'openai': {
      const { OpenAIRunner } = await import('./openai/openai-runner.js');
      return new OpenAIRunner({ baseUrl: a.openaiBaseUrl, apiKey: a.openaiApiKey });
    }
    case 'openclaw': {
      const { createOpenClawRunner } = await import('./openclaw/index.js');
      const runner = createOpenClawRunner({
        bin: a.openclawBin,
        stateDir: a.openclawStateDir,
        configPath: a.openclawConfigPath,
        mode: a.openclawMode ?? (context.keepAlive && !a.sandbox ? 'gateway' : 'local'),
        workDir: config.worker.workDir,
        workerId: context.workerId,
        sandbox: a.sandbox,
        pass: a.envPass,
        stripEnv: context.stripEnv ?? [],
        secretValues,
      });
      // Keys written in the user's OpenClaw config are secrets of this process too (logs, attached files).
      for (const secret of runner.secretValues) processRedactor.add(secret);
      return runner;
    }
  }
}

/** Every Discord token in the config (worker, bot and submitter tokens). */
export function discordTokens(config: Config): string[] {
  const d = config.discord;
  return [...d.workerTokens, d.botToken, d.submitterToken].filter((t): t is string => !!t);
}

/** Names of environment variables that hold Discord secrets (never passed to agents). */
export function discordSecretEnvNames(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((k) => /^(WORKER\d+_TOKEN|BOT_TOKEN|SUBMITTER_TOKEN)$/.test(k));
}
