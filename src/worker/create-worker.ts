/**
 * Builds a fully wired worker from the configuration: runner (checked), Discord bus with the local fallback,
 * prices, ledger and budget. The `worker` command and the integration tests both start workers this way.
 */
import { createRunner, discordSecretEnvNames } from '../agent/create-runner.js';
import type { AgentRunner } from '../agent/runner.js';
import type { PushSource } from '../bus/bus.js';
import { checkWorkerPermissions, createResilientBus, type ResilientBus } from '../bus/create-bus.js';
import { BusUnavailableError, ConfigError, errorMessage } from '../lib/errors.js';
import type { Config } from '../config/schema.js';
import { machineName } from '../config/machine.js';
import { createAccounting } from '../cost/accounting.js';
import { ledgerPath } from '../cost/ledger.js';
import { loadPriceTable, openClawConfigPath } from '../cost/pricing.js';
import { Worker } from './worker.js';
import type { WorkerOptions } from './options.js';

/** Options for {@link createWorker}. */
export interface CreateWorkerOptions {
  workerId: string;
  /** The bot token this worker acts as. */
  token: string;
  keepAlive?: boolean;
  once?: boolean;
  /** Where new tasks are pushed from (the gateway, or the manager's relay). @defaultValue none (polling only) */
  push?: PushSource;
  redact?: (text: string) => string;
  /** Use this runner instead of the configured one (tests). */
  runner?: AgentRunner;
  /** Overrides of worker options (tests: heartbeat, backoff). */
  overrides?: Partial<WorkerOptions>;
  /**
   * Check the bot's permissions in each channel before starting (refuse to start, naming the config key, when one
   * is missing). @defaultValue true
   */
  checkPermissions?: boolean;
}

/** A wired worker and the buses behind it. */
export interface WiredWorker extends ResilientBus {
  worker: Worker;
  runner: AgentRunner;
  /** Problems found while wiring that the worker runs despite (a price table that cannot be read), to log once. */
  warnings: string[];
  /** Close the buses. */
  close(): Promise<void>;
}

/** Build a worker; throws `AgentStartError` when the runner cannot work here. */
export async function createWorker(config: Config, options: CreateWorkerOptions): Promise<WiredWorker> {
  const runner =
    options.runner ??
    (await createRunner(config, {
      workerId: options.workerId,
      stripEnv: discordSecretEnvNames(process.env),
      keepAlive: options.keepAlive,
    }));
  await runner.check();
  // A warm runner (OpenClaw's Gateway) starts now: one that cannot start is an error at start-up, not at the first
  // task, and is stopped with the worker instead of being killed on exit.
  await runner.start?.();
  // A rejected token or a missing permission should stop the worker now, with a clear error naming what to fix;
  // an unreachable Discord should not (the worker then serves the local queue).
  if (options.checkPermissions ?? true)
    await checkWorkerPermissions(config, options.token, `worker ${options.workerId}'s bot`).catch(
      (error: unknown) => {
        if (!(error instanceof BusUnavailableError)) throw error;
      },
    );
  const buses = await createResilientBus(config, { token: options.token, actor: options.workerId });
  const warnings: string[] = [];
  const pricesPath = config.agent.openclawConfigPath ?? openClawConfigPath(process.env);
  // Without prices a task costs the runner's own figure or $0: worth a warning, not worth refusing to work.
  const prices = await loadPriceTable(pricesPath).catch((error: unknown) => {
    const why = error instanceof ConfigError ? error.issues.join('; ') : errorMessage(error);
    warnings.push(
      `no price table (${why}): costs come from the runner's own figures or show $0; see dorch doctor`,
    );
    return new Map();
  });
  const cost = createAccounting({
    prices,
    ledgerPath: ledgerPath(config.worker.runtimeDir),
    budget: config.budget,
  });
  const worker = new Worker({
    workerId: options.workerId,
    bus: buses.bus,
    runner,
    models: config.models,
    cost,
    workDir: config.worker.workDir,
    runtimeDir: config.worker.runtimeDir,
    pollIntervalMs: config.worker.pollIntervalSec * 1000,
    maxIdleMs: config.worker.maxIdleTimeSec * 1000,
    taskTimeoutMs: config.worker.taskTimeoutSec * 1000,
    heartbeatMs: config.worker.heartbeatIntervalSec * 1000,
    keepAlive: options.keepAlive,
    once: options.once,
    push: options.push,
    maxAttempts: config.worker.maxAttempts,
    leaseMs: config.worker.leaseTimeoutSec * 1000,
    machine: machineName(config),
    redact: options.redact,
    delegation: { maxDepth: config.worker.maxTaskDepth, discord: buses.discord },
    ...options.overrides,
  });
  const close = async () => {
    try {
      await runner.close?.();
    } finally {
      await buses.bus.close();
    }
  };
  return { ...buses, worker, runner, warnings, close };
}
