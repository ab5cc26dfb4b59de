/**
 * The questions of `dorch setup`, each answer checked live before the next question: a token must belong to a bot
 * with the Message Content intent, the server must hold every bot, a channel must be a text channel of that server,
 * and every bot must hold the permissions its role needs in every channel. A failed check explains itself and the
 * question stays open (retype, or fix it in Discord and press Enter to check again).
 */
import { Routes, type APIChannel, type APIPartialGuild } from 'discord-api-types/v10';
import { ChannelType } from 'discord-api-types/v10';
import type { AgentRunnerName } from '../../../config/schema.js';
import { renderCheck, type Check } from '../../checks/check.js';
import {
  CHANNEL_KEYS,
  checkBotRights,
  checkChannel,
  checkMembership,
  identifyBot,
  inviteUrl,
  type BotInfo,
  type BotRole,
  type ChannelInfo,
  type ChannelKey,
  type DiscordCheckDeps,
} from '../../checks/discord.js';
import type { SetupAnswers } from './answers.js';
import { SetupCancelled, type Choice, type Prompter } from './prompter.js';

/** What the questions need. */
export interface QuestionContext {
  prompter: Prompter;
  apiUrl: string;
  discord?: DiscordCheckDeps;
}

const SNOWFLAKE = /^\d{17,20}$/;
const MAX_WORKERS = 50;

const CHANNEL_QUESTIONS: Record<ChannelKey, { name: string; what: string }> = {
  TASK_QUEUE_CHANNEL: { name: 'task-queue', what: 'the channel where tasks are posted and claimed' },
  RESULTS_CHANNEL: { name: 'results', what: 'the channel for results, one per finished task' },
  WORKER_POOL_CHANNEL: { name: 'worker-pool', what: "the channel for the workers' status lines" },
};

/** Ask every question; resolves to answers that passed every check. Throws {@link SetupCancelled}. */
export async function askAnswers(ctx: QuestionContext): Promise<SetupAnswers> {
  const p = ctx.prompter;
  const count = Number(
    await p.text({
      message: 'How many worker bots? (each worker needs a bot of its own)',
      defaultValue: '3',
      validate: (v) =>
        /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_WORKERS
          ? undefined
          : `a whole number from 1 to ${MAX_WORKERS}`,
    }),
  );
  const taken = new Map<string, string>();
  const workers: BotInfo[] = [];
  for (let i = 1; i <= count; i++)
    workers.push(await askToken(ctx, taken, `WORKER${i}_TOKEN`, 'worker', `Worker ${i}'s bot token`));
  const submitter = await askToken(ctx, taken, 'SUBMITTER_TOKEN', 'submitter', "The submitter bot's token");
  const bots = [submitter, ...workers];

  p.note(
    bots.map((b) => `${b.username} (${b.key}):\n  ${inviteUrl(b.applicationId, b.role)}`).join('\n'),
    'Invite each bot to your server: open its link, pick the server, Authorize',
  );
  const { guildId, guildName } = await askGuild(ctx, bots);
  const channels = await askChannels(ctx, bots, guildId);
  await confirmRights(ctx, bots, channels);
  const allowedSubmitters = await askAllowedUsers(ctx, workers[0]!, guildId, guildName);
  const { runner, agentCommand } = await askRunner(p);

  const id = (key: ChannelKey) => channels.find((c) => c.key === key)!.id;
  return {
    apiUrl: ctx.apiUrl,
    guildId,
    taskQueueChannel: id('TASK_QUEUE_CHANNEL'),
    resultsChannel: id('RESULTS_CHANNEL'),
    workerPoolChannel: id('WORKER_POOL_CHANNEL'),
    submitterToken: submitter.token,
    workerTokens: workers.map((w) => w.token),
    allowedSubmitters,
    allowedRoles: [],
    runner,
    ...(agentCommand ? { agentCommand } : {}),
  };
}

function firstFailure(checks: readonly Check[]): Check | undefined {
  return checks.find((c) => c.status === 'fail');
}

async function askToken(
  ctx: QuestionContext,
  taken: Map<string, string>,
  key: string,
  role: BotRole,
  label: string,
): Promise<BotInfo> {
  let found: BotInfo | undefined;
  await ctx.prompter.password({
    message: `${label} (${key})`,
    validate: async (token) => {
      if (!token) return 'Paste the token: Developer Portal → your application → Bot → Reset Token → Copy.';
      const { bot, checks, rejected } = await identifyBot(ctx.apiUrl, { key, token, role }, ctx.discord);
      const failed = firstFailure(checks);
      if (failed && rejected)
        return `${failed.message} Paste the right token (Developer Portal → your application → Bot → Reset Token → Copy).`;
      if (failed && !bot) return `${failed.message} Fix: ${failed.fix} Then press Enter to try again.`;
      if (failed) return `${failed.message} Fix: ${failed.fix} Then press Enter here to check again.`;
      const twin = taken.get(bot!.userId);
      if (twin)
        return `That is the same bot as ${twin} ("${bot!.username}"); every worker and the submitter need bots of their own.`;
      found = bot;
      return undefined;
    },
  });
  taken.set(found!.userId, key);
  ctx.prompter.success(`${key}: bot "${found!.username}", Message Content intent on.`);
  return found!;
}

async function askGuild(
  ctx: QuestionContext,
  bots: BotInfo[],
): Promise<{ guildId: string; guildName: string }> {
  const shared = await sharedGuilds(bots);
  const only = shared.length === 1 ? shared[0] : undefined;
  let guildName = '';
  const guildId = await ctx.prompter.text({
    message: only
      ? `Server id (GUILD_ID); all bots are in "${only.name}", Enter takes it`
      : 'Server id (GUILD_ID): right-click the server icon → Copy Server ID',
    ...(only ? { defaultValue: only.id } : {}),
    validate: async (id) => {
      if (!SNOWFLAKE.test(id))
        return 'A server id is a number of 17 to 20 digits (right-click the server icon → Copy Server ID).';
      const missing: string[] = [];
      for (const bot of bots) {
        const { check, guildName: name } = await checkMembership(bot, id, ctx.apiUrl);
        if (check.status !== 'ok')
          missing.push(`${bot.username} (${inviteUrl(bot.applicationId, bot.role)})`);
        else guildName = name ?? id;
      }
      if (missing.length === 0) return undefined;
      return `Not in server ${id} yet: ${missing.join(', ')}. Open each link, pick the server, Authorize; then press Enter to check again (or correct the id).`;
    },
  });
  return { guildId, guildName };
}

async function sharedGuilds(bots: BotInfo[]): Promise<APIPartialGuild[]> {
  try {
    let shared: APIPartialGuild[] | undefined;
    for (const bot of bots) {
      const guilds = (await bot.rest.get(Routes.userGuilds())) as APIPartialGuild[];
      shared = shared ? shared.filter((g) => guilds.some((h) => h.id === g.id)) : guilds;
    }
    return shared ?? [];
  } catch {
    return []; // only a suggestion: the question works without it
  }
}

async function askChannels(ctx: QuestionContext, bots: BotInfo[], guildId: string): Promise<ChannelInfo[]> {
  const listed = await textChannels(bots[0]!, guildId);
  const chosen: ChannelInfo[] = [];
  for (const key of CHANNEL_KEYS) {
    const q = CHANNEL_QUESTIONS[key];
    const free = listed.filter((c) => !chosen.some((d) => d.id === c.id));
    let picked = 'other';
    if (free.length > 0) {
      const options: Choice<string>[] = [
        ...free.map((c) => ({ value: c.id, label: `#${c.name}`, hint: c.id })),
        { value: 'other', label: 'Another channel: paste its id' },
      ];
      picked = await ctx.prompter.select({
        message: `Which is ${q.what}? (${key})`,
        options,
        initialValue: free.find((c) => c.name === q.name)?.id ?? free[0]!.id,
      });
    }
    let found: ChannelInfo | undefined;
    const check = async (id: string): Promise<string | undefined> => {
      if (!SNOWFLAKE.test(id))
        return 'A channel id is a number of 17 to 20 digits (right-click the channel → Copy Channel ID).';
      const twin = chosen.find((c) => c.id === id);
      if (twin) return `That is already ${twin.key} (#${twin.name}); use three different channels.`;
      const result = await checkChannel(key, id, bots, { guildId, apiUrl: ctx.apiUrl });
      if (!result.channel)
        return `${result.check.message}${result.check.fix ? ` Fix: ${result.check.fix}` : ''}`;
      found = result.channel;
      return undefined;
    };
    const problem = picked === 'other' ? 'ask' : await check(picked);
    if (problem) {
      if (problem !== 'ask') ctx.prompter.error(`${key}: ${problem}`);
      await ctx.prompter.text({
        message: `${key}: the id of ${q.what} (right-click it → Copy Channel ID)`,
        validate: check,
      });
    }
    chosen.push(found!);
    ctx.prompter.success(`${key}: #${found!.name}`);
  }
  return chosen;
}

async function textChannels(bot: BotInfo, guildId: string): Promise<{ id: string; name: string }[]> {
  try {
    const channels = (await bot.rest.get(Routes.guildChannels(guildId))) as APIChannel[];
    return channels
      .filter((c) => c.type === ChannelType.GuildText)
      .map((c) => ({ id: c.id, name: ('name' in c && c.name) || c.id }));
  } catch {
    return []; // the bot may not list channels; the id question still works
  }
}

async function confirmRights(ctx: QuestionContext, bots: BotInfo[], channels: ChannelInfo[]): Promise<void> {
  for (;;) {
    const failed: Check[] = [];
    for (const bot of bots)
      failed.push(...(await checkBotRights(bot, channels, ctx.apiUrl)).filter((c) => c.status !== 'ok'));
    if (failed.length === 0) {
      ctx.prompter.success('Every bot has the permissions its role needs in every channel.');
      return;
    }
    for (const f of failed) ctx.prompter.error(renderCheck(f));
    const next = await ctx.prompter.select({
      message: 'Fix the permissions above in Discord, then:',
      options: [
        { value: 'again', label: 'Check again' },
        { value: 'cancel', label: 'Cancel setup (nothing is written)' },
      ],
    });
    if (next === 'cancel') throw new SetupCancelled();
  }
}

async function askAllowedUsers(
  ctx: QuestionContext,
  bot: BotInfo,
  guildId: string,
  guildName: string,
): Promise<string[]> {
  const answer = await ctx.prompter.text({
    message:
      'Who may post tasks by typing in #task-queue? User ids, comma-separated (right-click your name → Copy User ID). ' +
      'Empty: only `dorch submit`.',
    placeholder: 'empty = only the submitter bot',
    validate: async (text) => {
      const ids = splitIds(text);
      const bad = ids.find((id) => !SNOWFLAKE.test(id));
      if (bad) return `"${bad.slice(0, 30)}" is not a user id (a number of 17 to 20 digits).`;
      for (const id of ids) {
        try {
          await bot.rest.get(Routes.guildMember(guildId, id));
        } catch {
          return `User ${id} is not a member of "${guildName}"; check the id.`;
        }
      }
      return undefined;
    },
  });
  return splitIds(answer);
}

function splitIds(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

async function askRunner(p: Prompter): Promise<{ runner: AgentRunnerName; agentCommand?: string }> {
  const runner = await p.select<AgentRunnerName>({
    message: 'Which agent runs the tasks? (AGENT_RUNNER)',
    options: [
      { value: 'openclaw', label: 'openclaw', hint: 'the OpenClaw CLI (default)' },
      { value: 'openai', label: 'openai', hint: 'any OpenAI-compatible API, OpenRouter by default' },
      { value: 'command', label: 'command', hint: 'any command line you give' },
      { value: 'demo', label: 'demo', hint: 'canned answers, to try the fleet out' },
    ],
    initialValue: 'openclaw',
  });
  if (runner === 'openai')
    p.info(
      'The openai runner needs OPENROUTER_API_KEY (or OPENAI_API_KEY) in the environment or in the config file.',
    );
  if (runner !== 'command') return { runner };
  const agentCommand = await p.text({
    message: 'AGENT_COMMAND: the command line that runs one task (README, "Agent runners")',
    validate: (v) => (v ? undefined : 'Give the command line, e.g. `python3 my_agent.py`.'),
  });
  return { runner, agentCommand };
}
