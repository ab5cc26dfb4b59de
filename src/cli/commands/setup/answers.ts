/**
 * What `dorch setup` collects (by questions or by flags), and how it becomes `discord-config.env`.
 */
import { DEFAULT_AGENT_RUNNER, DEFAULT_DISCORD_API_URL } from '../../../config/defaults.js';
import type { AgentRunnerName } from '../../../config/schema.js';

/** Everything setup writes. Tokens are secrets: never print them. */
export interface SetupAnswers {
  apiUrl: string;
  guildId: string;
  taskQueueChannel: string;
  resultsChannel: string;
  workerPoolChannel: string;
  submitterToken: string;
  /** `WORKER1_TOKEN` … in order. */
  workerTokens: string[];
  allowedSubmitters: string[];
  allowedRoles: string[];
  runner: AgentRunnerName;
  agentCommand?: string;
}

/** The file's entries, in the order a person reads them. */
export function configEntries(answers: SetupAnswers): Record<string, string | undefined> {
  const entries: Record<string, string | undefined> = {
    DISCORD_API_URL: answers.apiUrl === DEFAULT_DISCORD_API_URL ? undefined : answers.apiUrl,
    GUILD_ID: answers.guildId,
    TASK_QUEUE_CHANNEL: answers.taskQueueChannel,
    RESULTS_CHANNEL: answers.resultsChannel,
    WORKER_POOL_CHANNEL: answers.workerPoolChannel,
    SUBMITTER_TOKEN: answers.submitterToken,
  };
  answers.workerTokens.forEach((token, i) => (entries[`WORKER${i + 1}_TOKEN`] = token));
  entries.ALLOWED_SUBMITTERS = answers.allowedSubmitters.join(',') || undefined;
  entries.ALLOWED_ROLES = answers.allowedRoles.join(',') || undefined;
  entries.AGENT_RUNNER = answers.runner === DEFAULT_AGENT_RUNNER ? undefined : answers.runner;
  entries.AGENT_COMMAND = answers.agentCommand;
  return entries;
}

/** The comment at the top of the file. */
export function configHeader(now: Date): string[] {
  return [
    `Written by \`dorch setup\` on ${now.toISOString().slice(0, 10)}. Holds bot tokens: keep it private (mode 600),`,
    'never commit it. Check it any time with `dorch doctor`; every key is described in README.md.',
  ];
}

/** The walk-through shown before the first question, for someone who has never made a Discord bot. */
export const BOT_GUIDE = [
  'You need one Discord bot per worker, plus one "submitter" bot that posts tasks.',
  '',
  'For each bot:',
  '  1. https://discord.com/developers/applications → New Application → give it a name (worker-1, …, submitter).',
  '  2. Bot (left menu) → Privileged Gateway Intents → turn on MESSAGE CONTENT INTENT → Save Changes.',
  '  3. Bot → Reset Token → Copy. Paste it here when asked; it is checked at once and never shown again.',
  '',
  'After the tokens, setup prints one invite link per bot: open each, pick your server, Authorize.',
  '',
  'Ids: in Discord, User Settings → Advanced → turn on Developer Mode. Then right-click the server icon →',
  '"Copy Server ID", or a channel → "Copy Channel ID", or your name → "Copy User ID".',
  'Create three text channels first if you have none: #task-queue, #results, #worker-pool.',
].join('\n');
