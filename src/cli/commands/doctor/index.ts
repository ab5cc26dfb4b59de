/**
 * `dorch doctor`: checks everything a worker needs and says what to fix. Exit 1 when something is broken.
 */
import { Routes, type APIChannel, type APIMessage, type APIUser } from 'discord-api-types/v10';
import { createRunner } from '../../../agent/create-runner.js';
import { createRest } from '../../../bus/discord/rest.js';
import { toBusError } from '../../../bus/discord/errors.js';
import { loadConfig } from '../../../config/load.js';
import type { Config } from '../../../config/schema.js';
import { loadPriceTable, openClawConfigPath, suspiciousPricing } from '../../../cost/pricing.js';
import { ConfigError, DiscordApiError, errorMessage } from '../../../lib/errors.js';
import { processRedactor } from '../../../lib/redact.js';
import { ExitError } from '../../errors.js';

/** Options of `dorch doctor`. */
export interface DoctorOptions {
  config?: string;
  print?: (line: string) => void;
}

/** One finding. */
export interface Finding {
  level: 'ok' | 'warn' | 'fail';
  message: string;
}

const ICON = { ok: '✔', warn: '!', fail: '✖' } as const;

/** Run every check, print the findings, throw ExitError(1) when any failed. Returns the findings. */
export async function doctor(options: DoctorOptions): Promise<Finding[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const findings: Finding[] = [];
  const add = (level: Finding['level'], message: string) => {
    findings.push({ level, message });
    print(`${ICON[level]} ${processRedactor.redact(message)}`);
  };

  let config: Config;
  try {
    const loaded = await loadConfig({ file: options.config });
    config = loaded.config;
    for (const s of loaded.secrets) processRedactor.add(s);
    add('ok', `config loaded (${options.config ?? 'discord-config.env'} + environment)`);
    for (const w of loaded.warnings) add('warn', w);
  } catch (error) {
    if (error instanceof ConfigError) for (const issue of error.issues) add('fail', issue);
    else add('fail', `config: ${errorMessage(error)}`);
    throw new ExitError(1);
  }

  await checkDiscord(config, add);
  await checkRunner(config, add);
  await checkPricing(config, add);

  const failed = findings.filter((f) => f.level === 'fail').length;
  const warned = findings.filter((f) => f.level === 'warn').length;
  print(`\n${failed ? `${failed} problem(s)` : 'No problems'}${warned ? `, ${warned} warning(s)` : ''}.`);
  if (failed) throw new ExitError(1);
  return findings;
}

type Add = (level: Finding['level'], message: string) => void;

async function checkDiscord(config: Config, add: Add): Promise<void> {
  const d = config.discord;
  const tokens: [string, string][] = [];
  if (d.submitterToken) tokens.push(['SUBMITTER_TOKEN', d.submitterToken]);
  if (d.botToken) tokens.push(['BOT_TOKEN', d.botToken]);
  d.workerTokens.forEach((t, i) => tokens.push([`WORKER${i + 1}_TOKEN`, t]));
  if (tokens.length === 0) {
    add(
      'fail',
      'no Discord token: set WORKER1_TOKEN… (or BOT_TOKEN) and SUBMITTER_TOKEN in discord-config.env',
    );
    return;
  }
  let workerToken: string | undefined;
  for (const [key, token] of tokens) {
    const rest = createRest({ apiUrl: d.apiUrl, token, retries: 0, timeoutMs: 10_000 });
    try {
      const me = (await rest.get(Routes.user('@me'))) as APIUser;
      add('ok', `${key}: valid, bot ${me.username} (${me.id})`);
      if (key !== 'SUBMITTER_TOKEN') workerToken ??= token;
    } catch (raw) {
      const error = toBusError(raw, 'GET', '/users/@me');
      if (error instanceof DiscordApiError && error.status === 401)
        add(
          'fail',
          `${key}: rejected by Discord (401). Reset the token in the Developer Portal and update the file`,
        );
      else add('fail', `${key}: could not reach Discord at ${d.apiUrl} (${error.message})`);
    }
  }
  if (!workerToken) return;
  const rest = createRest({ apiUrl: d.apiUrl, token: workerToken, retries: 0, timeoutMs: 10_000 });
  const channels: [string, string | undefined][] = [
    ['TASK_QUEUE_CHANNEL', d.taskQueueChannel],
    ['RESULTS_CHANNEL', d.resultsChannel],
    ['WORKER_POOL_CHANNEL', d.workerPoolChannel],
  ];
  for (const [key, id] of channels) {
    if (!id) {
      add(
        'fail',
        `${key}: missing; put the channel id in discord-config.env (Developer Mode → right-click → Copy ID)`,
      );
      continue;
    }
    try {
      const channel = (await rest.get(Routes.channel(id))) as APIChannel;
      const guild = 'guild_id' in channel ? channel.guild_id : undefined;
      if (d.guildId && guild && guild !== d.guildId)
        add('warn', `${key}: channel is in guild ${guild}, not GUILD_ID ${d.guildId}`);
      else add('ok', `${key}: #${'name' in channel ? channel.name : id} is readable`);
    } catch (raw) {
      const error = toBusError(raw, 'GET', '/channels/:id');
      add('fail', `${key}: ${describeChannelError(error)}`);
    }
  }
  if (d.taskQueueChannel) await checkIntent(rest, d.taskQueueChannel, add);
  if (d.allowedSubmitters.length === 0 && d.allowedRoles.length === 0)
    add(
      'warn',
      'no ALLOWED_SUBMITTERS or ALLOWED_ROLES: only the submitter bot can post tasks (typed tasks are ignored)',
    );
}

/** Discord blanks other users' messages for a bot without the Message Content intent: detect that. */
async function checkIntent(rest: ReturnType<typeof createRest>, channel: string, add: Add): Promise<void> {
  try {
    const me = (await rest.get(Routes.user('@me'))) as APIUser;
    const messages = (await rest.get(Routes.channelMessages(channel), {
      query: new URLSearchParams({ limit: '50' }),
    })) as APIMessage[];
    const others = messages.filter((m) => m.author.id !== me.id);
    const blank = others.filter(
      (m) => m.content === '' && m.attachments.length === 0 && m.embeds.length === 0,
    );
    if (others.length > 0 && blank.length === others.length)
      add(
        'fail',
        'the worker bot reads other users\' messages as empty: enable "Message Content Intent" for it (Developer Portal → Bot → Privileged Gateway Intents)',
      );
    else if (others.length > 0) add('ok', 'message content is readable (Message Content intent is on)');
    else add('warn', 'cannot verify the Message Content intent yet: #task-queue has no messages from others');
  } catch (raw) {
    add(
      'warn',
      `could not read #task-queue history: ${toBusError(raw, 'GET', '/channels/:id/messages').message}`,
    );
  }
}

function describeChannelError(error: Error): string {
  if (error instanceof DiscordApiError) {
    if (error.status === 404) return 'no such channel (check the id)';
    if (error.status === 403)
      return 'the bot cannot see this channel: give it View Channel, Send Messages, Read Message History, Add Reactions, Create Public Threads and Send Messages in Threads';
  }
  return error.message;
}

async function checkRunner(config: Config, add: Add): Promise<void> {
  try {
    const runner = await createRunner(config, { workerId: 'doctor', stripEnv: [] });
    await runner.check();
    add('ok', `agent runner "${config.agent.runner}" is ready`);
  } catch (error) {
    add('fail', `agent runner "${config.agent.runner}": ${errorMessage(error)}`);
  }
}

async function checkPricing(config: Config, add: Add): Promise<void> {
  const path = config.agent.openclawConfigPath ?? openClawConfigPath(process.env);
  try {
    const table = await loadPriceTable(path);
    add(table.size ? 'ok' : 'warn', `${table.size} model price(s) in ${path} (USD per 1M tokens)`);
    for (const w of suspiciousPricing(table)) add('warn', w);
  } catch (error) {
    add(
      'warn',
      `no prices from ${path} (${errorMessage(error)}); costs will use the runner's own figures or show $0`,
    );
  }
}
