/**
 * `dorch setup --non-interactive`: the answers come from flags (ids, runner) and the environment (tokens: a flag
 * would show them in `ps`), and go through the same live checks as the questions do, all at once.
 */
import { Routes } from 'discord-api-types/v10';
import { DEFAULT_AGENT_RUNNER, DEFAULT_DISCORD_API_URL } from '../../../config/defaults.js';
import { configSchema, type AgentRunnerName } from '../../../config/schema.js';
import type { Check } from '../../checks/check.js';
import { verifyDiscord, type BotSpec, type DiscordCheckDeps } from '../../checks/discord.js';
import type { SetupAnswers } from './answers.js';

/** The flags of `dorch setup` that carry answers. */
export interface SetupFlags {
  /** Worker bots: `WORKER1_TOKEN` … `WORKERn_TOKEN` from the environment. @defaultValue as many as are set */
  workers?: number;
  guild?: string;
  taskQueue?: string;
  results?: string;
  workerPool?: string;
  /** Comma-separated user ids. */
  allowedSubmitters?: string;
  /** Comma-separated role ids. */
  allowedRoles?: string;
  runner?: string;
  agentCommand?: string;
  /** @defaultValue `DISCORD_API_URL` from the environment, else Discord's */
  apiUrl?: string;
}

/** Flag → config key, for messages that name both. */
const FLAG_OF: Record<string, string> = {
  GUILD_ID: '--guild',
  TASK_QUEUE_CHANNEL: '--task-queue',
  RESULTS_CHANNEL: '--results',
  WORKER_POOL_CHANNEL: '--worker-pool',
  ALLOWED_SUBMITTERS: '--allowed-submitters',
  ALLOWED_ROLES: '--allowed-roles',
  AGENT_RUNNER: '--runner',
  AGENT_COMMAND: '--agent-command',
  DISCORD_API_URL: '--api-url',
};

function named(key: string): string {
  return FLAG_OF[key] ? `${FLAG_OF[key]} (${key})` : key;
}

/** Read the answers; `problems` lists each missing or malformed one (flag and key named). */
export function answersFromFlags(
  flags: SetupFlags,
  env: NodeJS.ProcessEnv,
): { answers?: SetupAnswers; problems: string[] } {
  const problems: string[] = [];
  const raw: Record<string, string | undefined> = {
    DISCORD_API_URL: flags.apiUrl ?? env.DISCORD_API_URL ?? DEFAULT_DISCORD_API_URL,
    GUILD_ID: flags.guild ?? env.GUILD_ID,
    TASK_QUEUE_CHANNEL: flags.taskQueue ?? env.TASK_QUEUE_CHANNEL,
    RESULTS_CHANNEL: flags.results ?? env.RESULTS_CHANNEL,
    WORKER_POOL_CHANNEL: flags.workerPool ?? env.WORKER_POOL_CHANNEL,
    ALLOWED_SUBMITTERS: flags.allowedSubmitters ?? env.ALLOWED_SUBMITTERS,
    ALLOWED_ROLES: flags.allowedRoles ?? env.ALLOWED_ROLES,
    AGENT_RUNNER: flags.runner ?? env.AGENT_RUNNER ?? DEFAULT_AGENT_RUNNER,
    AGENT_COMMAND: flags.agentCommand ?? env.AGENT_COMMAND,
    SUBMITTER_TOKEN: env.SUBMITTER_TOKEN,
  };
  for (const key of ['GUILD_ID', 'TASK_QUEUE_CHANNEL', 'RESULTS_CHANNEL', 'WORKER_POOL_CHANNEL'])
    if (!raw[key]?.trim())
      problems.push(`${named(key)}: missing; give the id (Developer Mode → right-click → Copy ID)`);
  if (!raw.SUBMITTER_TOKEN?.trim()) problems.push(tokenMissing('SUBMITTER_TOKEN'));

  let count = flags.workers ?? 0;
  if (flags.workers === undefined) while (env[`WORKER${count + 1}_TOKEN`]?.trim()) count++;
  if (count === 0) problems.push(tokenMissing('WORKER1_TOKEN'));
  for (let i = 1; i <= count; i++) {
    raw[`WORKER${i}_TOKEN`] = env[`WORKER${i}_TOKEN`];
    if (!raw[`WORKER${i}_TOKEN`]?.trim()) problems.push(tokenMissing(`WORKER${i}_TOKEN`));
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'config');
      const line = `${named(key)}: ${issue.message}`;
      // A missing value was already reported in the words above.
      if (!problems.some((p) => p.startsWith(`${named(key)}:`))) problems.push(line);
    }
  }
  if (problems.length > 0 || !parsed.success) return { problems };
  const c = parsed.data;
  return {
    problems,
    answers: {
      apiUrl: c.discord.apiUrl,
      guildId: c.discord.guildId!,
      taskQueueChannel: c.discord.taskQueueChannel!,
      resultsChannel: c.discord.resultsChannel!,
      workerPoolChannel: c.discord.workerPoolChannel!,
      submitterToken: c.discord.submitterToken!,
      workerTokens: c.discord.workerTokens,
      allowedSubmitters: c.discord.allowedSubmitters,
      allowedRoles: c.discord.allowedRoles,
      runner: c.agent.runner as AgentRunnerName,
      ...(c.agent.command ? { agentCommand: c.agent.command } : {}),
    },
  };
}

function tokenMissing(key: string): string {
  return (
    `${key}: missing from the environment. Non-interactive setup reads tokens from WORKER1_TOKEN … WORKERn_TOKEN ` +
    'and SUBMITTER_TOKEN in the environment (never from flags, where `ps` would show them)'
  );
}

/** Every live check of the answers (the doctor's Discord checks plus the allowlist), in report order. */
export async function verifyAnswers(answers: SetupAnswers, deps: DiscordCheckDeps = {}): Promise<Check[]> {
  const bots: BotSpec[] = [
    { key: 'SUBMITTER_TOKEN', token: answers.submitterToken, role: 'submitter' },
    ...answers.workerTokens.map((token, i): BotSpec => ({
      key: `WORKER${i + 1}_TOKEN`,
      token,
      role: 'worker',
    })),
  ];
  const { checks, bots: found } = await verifyDiscord(
    {
      apiUrl: answers.apiUrl,
      guildId: answers.guildId,
      channels: {
        TASK_QUEUE_CHANNEL: answers.taskQueueChannel,
        RESULTS_CHANNEL: answers.resultsChannel,
        WORKER_POOL_CHANNEL: answers.workerPoolChannel,
      },
      bots,
    },
    deps,
  );
  const reader = found.find((b) => b.role === 'worker') ?? found[0];
  if (reader) {
    for (const id of answers.allowedSubmitters) {
      try {
        await reader.rest.get(Routes.guildMember(answers.guildId, id));
        checks.push({
          status: 'ok',
          key: 'ALLOWED_SUBMITTERS',
          message: `user ${id} is a member of the server`,
        });
      } catch {
        checks.push({
          status: 'fail',
          key: 'ALLOWED_SUBMITTERS',
          message: `user ${id} is not a member of server ${answers.guildId}.`,
          fix: 'check the id (right-click the name → Copy User ID).',
        });
      }
    }
  }
  return checks;
}
