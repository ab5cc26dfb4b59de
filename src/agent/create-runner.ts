/**
 * Picks and builds the configured agent runner (`AGENT_RUNNER`). Runners are imported lazily so a worker that
 * uses one never loads the others.
 */
import type { Config } from '../config/schema.js';
import type { AgentRunner } from './runner.js';

/** Per-worker context a runner may need. */
export interface RunnerContext {
  workerId: string;
  /** Environment variable names an agent must never see (Discord tokens, API keys of other services). */
  stripEnv: string[];
}

/** Build the runner named by `config.agent.runner`. */
export async function createRunner(config: Config, context: RunnerContext): Promise<AgentRunner> {
  const a = config.agent;
  switch (a.runner) {
    case 'demo': {
      const { DemoRunner } = await import('./demo/demo-runner.js');
      return new DemoRunner();
    }
    case 'command': {
      const { CommandRunner } = await import('./command/command-runner.js');
      return new CommandRunner({ command: a.command ?? '', stripEnv: context.stripEnv });
    }
    case 'openai': {
      const { OpenAIRunner } = await import('./openai/openai-runner.js');
      return new OpenAIRunner({ baseUrl: a.openaiBaseUrl, apiKey: a.openaiApiKey });
    }
    case 'openclaw': {
      const { createOpenClawRunner } = await import('./openclaw/index.js');
      return createOpenClawRunner({
        bin: a.openclawBin,
        stateDir: a.openclawStateDir,
        configPath: a.openclawConfigPath,
        workDir: config.worker.workDir,
        workerId: context.workerId,
        sandbox: a.sandbox,
        stripEnv: context.stripEnv,
      });
    }
  }
}

/** Names of environment variables that hold Discord secrets (never passed to agents). */
export function discordSecretEnvNames(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((k) => /^(WORKER\d+_TOKEN|BOT_TOKEN|SUBMITTER_TOKEN)$/.test(k));
}
