/**
 * `dorch doctor`: checks everything the fleet needs, one line per check with the fix for each ✗, and exits 1
 * when anything is broken. Every bot is checked, not one: each token (whose bot, Message Content intent, member of
 * the server), each channel (exists, text channel, in the server), and each bot's permissions in each channel its
 * role uses. Then the agent runner and the price table.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';
import { loadConfig } from '../../../config/load.js';
import type { Config } from '../../../config/schema.js';
import { ConfigError, errorMessage } from '../../../lib/errors.js';
import { processRedactor } from '../../../lib/redact.js';
import { renderCheck, tally, type Check, type CheckStatus } from '../../checks/check.js';
import { verifyDiscord, type BotSpec, type DiscordCheckDeps } from '../../checks/discord.js';
import { ExitError } from '../../errors.js';

/** Options of `dorch doctor`. */
export interface DoctorOptions {
  /** The config file. @defaultValue `discord-config.env` */
  config?: string;
  /** Print one JSON object instead of lines. @defaultValue false */
  json?: boolean;
  /** @defaultValue `console.log` */
  print?: (line: string) => void;
  /** The environment. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** Seams of the Discord checks. */
  discord?: DiscordCheckDeps;
}

/** What `dorch doctor` found (also its `--json` output). */
export interface DoctorReport {
  ok: boolean;
  config: { file: string; exists: boolean };
  checks: Check[];
  counts: Record<CheckStatus, number>;
}

/** Run every check and print them; throws `ExitError(1)` (after printing) when any check failed. */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const report = await diagnose(options);
  if (!report.ok) throw new ExitError(1);
  return report;
}

/** Run every check and print them (lines, or one JSON object with `json`); resolves to the report. */
export async function diagnose(options: DoctorOptions = {}): Promise<DoctorReport> {
  const print = options.print ?? ((line: string) => console.log(line));
  const env = options.env ?? process.env;
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  const path = resolve(file);
  const exists = existsSync(path);
  const checks: Check[] = [];
  const add = (...found: Check[]) => {
    for (const c of found) {
      const clean = JSON.parse(processRedactor.redact(JSON.stringify(c))) as Check;
      checks.push(clean);
      if (!options.json) print(renderCheck(clean));
    }
  };

  const config = readConfig(file, path, exists, env, add);
  if (config) {
    await checkDiscord(config, add, options.discord);
    await checkRunner(config, add);
    await checkPricing(config, env, add);
  }

  const counts = tally(checks);
  const report: DoctorReport = { ok: counts.fail === 0, config: { file: path, exists }, checks, counts };
  if (options.json) print(JSON.stringify(report, null, 2));
  else
    print(
      `\n${counts.fail ? `${counts.fail} problem(s)` : 'No problems'}` +
        `${counts.warn ? `, ${counts.warn} warning(s)` : ''}${counts.skip ? `, ${counts.skip} not checked` : ''}.`,
    );
  return report;
}

type Add = (...checks: Check[]) => void;

function readConfig(
  file: string,
  path: string,
  exists: boolean,
  env: NodeJS.ProcessEnv,
  add: Add,
): Config | undefined {
  const fromEnv = Boolean(env.TASK_QUEUE_CHANNEL);
  if (exists) {
    const mode = statSync(path).mode & 0o777;
    add({ status: 'ok', key: 'config', message: `read ${path} (mode ${mode.toString(8)})` });
  } else if (fromEnv) {
    add({
      status: 'warn',
      key: 'config',
      message: `${path} does not exist; using the environment only.`,
      fix: 'fine for services that set the keys themselves; otherwise run `dorch setup`.',
    });
  } else {
    add({
      status: 'fail',
      key: 'config',
      message: `${path} does not exist, and the environment sets no Discord keys.`,
      fix: `run \`dorch setup\` here (or pass --config <file>); the manual way is in README, "Connecting Discord".`,
    });
  }
  try {
    const loaded = loadConfig({ file, env });
    for (const s of loaded.secrets) processRedactor.add(s);
    for (const w of loaded.warnings) add({ status: 'warn', key: 'config', message: w });
    return exists || fromEnv ? loaded.config : undefined;
  } catch (error) {
    if (error instanceof ConfigError)
      for (const issue of error.issues) {
        const [key, ...rest] = issue.split(': ');
        add({
          status: 'fail',
          key: rest.length ? key! : 'config',
          message: rest.length ? rest.join(': ') : issue,
        });
      }
    else add({ status: 'fail', key: 'config', message: errorMessage(error) });
    return undefined;
  }
}

async function checkDiscord(config: Config, add: Add, deps?: DiscordCheckDeps): Promise<void> {
  const d = config.discord;
  const bots: BotSpec[] = [];
  if (d.submitterToken) bots.push({ key: 'SUBMITTER_TOKEN', token: d.submitterToken, role: 'submitter' });
  else
    add({
      status: 'warn',
      key: 'SUBMITTER_TOKEN',
      message: 'not set: `dorch submit` and `dorch clear` cannot run on this machine (workers can).',
      fix: 'set SUBMITTER_TOKEN to a bot of its own, or run `dorch setup`.',
    });
  if (d.botToken) bots.push({ key: 'BOT_TOKEN', token: d.botToken, role: 'worker' });
  d.workerTokens.forEach((token, i) => bots.push({ key: `WORKER${i + 1}_TOKEN`, token, role: 'worker' }));
  if (!bots.some((b) => b.role === 'worker')) {
    add({
      status: d.submitterToken ? 'warn' : 'fail',
      key: 'WORKER1_TOKEN',
      message: 'no worker token: this machine cannot run workers.',
      fix: 'set WORKER1_TOKEN … WORKERn_TOKEN (one bot per worker), or run `dorch setup`.',
    });
  }
  if (bots.length === 0) return;
  const { checks } = await verifyDiscord(
    {
      apiUrl: d.apiUrl,
      guildId: d.guildId,
      channels: {
        TASK_QUEUE_CHANNEL: d.taskQueueChannel,
        RESULTS_CHANNEL: d.resultsChannel,
        WORKER_POOL_CHANNEL: d.workerPoolChannel,
      },
      bots,
    },
    deps,
  );
  add(...checks);
  if (d.allowedSubmitters.length === 0 && d.allowedRoles.length === 0)
    add({
      status: 'warn',
      key: 'ALLOWED_SUBMITTERS',
      message:
        'no ALLOWED_SUBMITTERS or ALLOWED_ROLES: only the submitter bot can post tasks (typed tasks are ignored).',
      fix: 'add your Discord user id (right-click your name → Copy User ID) to ALLOWED_SUBMITTERS.',
    });
}

async function checkRunner(config: Config, add: Add): Promise<void> {
  try {
    const { createRunner } = await import('../../../agent/create-runner.js');
    const runner = await createRunner(config, { workerId: 'doctor', stripEnv: [] });
    await runner.check();
    add({ status: 'ok', key: 'AGENT_RUNNER', message: `"${config.agent.runner}" is ready` });
  } catch (error) {
    add({
      status: 'fail',
      key: 'AGENT_RUNNER',
      message: `"${config.agent.runner}": ${errorMessage(error)}`,
      fix: 'see README, "Agent runners".',
    });
  }
}

async function checkPricing(config: Config, env: NodeJS.ProcessEnv, add: Add): Promise<void> {
  const { loadPriceTable, openClawConfigPath, suspiciousPricing } = await import('../../../cost/pricing.js');
  const path = config.agent.openclawConfigPath ?? openClawConfigPath(env);
  if (!existsSync(path)) {
    add({
      status: 'warn',
      key: 'prices',
      message: `no price table: ${path} does not exist, so costs come from the runner's own figures or show $0.`,
      fix: "add models.providers.*.models[].cost (USD per 1M tokens) to OpenClaw's config, or set OPENCLAW_CONFIG_PATH.",
    });
    return;
  }
  try {
    const table = await loadPriceTable(path);
    add({
      status: table.size ? 'ok' : 'warn',
      key: 'prices',
      message: `read ${path}: ${table.size} model price(s) (USD per 1M tokens)`,
      ...(table.size ? {} : { fix: 'add models.providers.*.models[].cost to price tasks.' }),
    });
    for (const w of suspiciousPricing(table)) add({ status: 'warn', key: 'prices', message: w });
  } catch (error) {
    const why = error instanceof ConfigError ? error.issues.join('; ') : `${path}: ${errorMessage(error)}`;
    add({
      status: 'warn',
      key: 'prices',
      message: `no price table (${why}): workers run without one, so costs come from the runner's own figures or show $0`,
      fix: "fix OpenClaw's config (JSON5), or point OPENCLAW_CONFIG_PATH at a readable one.",
    });
  }
}
