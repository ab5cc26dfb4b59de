/**
 * Default values for every configuration key, and the one source of them: the worker's, the buses' and the
 * runners' own option defaults are these values (in ms where they take ms). Seed-compatible where the seed had a
 * value (`POLL_INTERVAL` 5, `MAX_IDLE_TIME` 300, `TASK_TIMEOUT` 120, the thinking level; the model aliases are
 * `DEFAULT_MODEL_ALIASES` in `task/models.ts`).
 */
import type { ThinkingLevel } from '../task/task.js';

/** The config file read by {@link loadConfig} and written by `dorch setup`. */
export const DEFAULT_CONFIG_FILE = 'discord-config.env';

/** Discord's REST base URL, without the version suffix (`@discordjs/rest` adds `/v10`). */
export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

/** Seconds between queue polls (each wait is jittered around it). */
export const DEFAULT_POLL_INTERVAL_SEC = 5;

/**
 * Seconds between safety polls while push mode's gateway delivers tasks (a poll still catches what a push missed;
 * while the gateway is down, workers poll every `POLL_INTERVAL`).
 */
export const DEFAULT_PUSH_POLL_INTERVAL_SEC = 30;

/** Seconds without a task before a worker posts IDLE and exits (0 = never). */
export const DEFAULT_MAX_IDLE_TIME_SEC = 300;

/** Seconds before a running agent is killed. */
export const DEFAULT_TASK_TIMEOUT_SEC = 120;

/** Folder holding `workers/<worker-id>/tasks/<task-id>/`. */
export const DEFAULT_WORK_DIR = 'workers';

/** Folder for runtime state (local fallback queue, outboxes, pid files). */
export const DEFAULT_RUNTIME_DIR = '.runtime';

/** Seconds between heartbeats: a worker edits its progress message this often while a task runs. */
export const DEFAULT_HEARTBEAT_INTERVAL_SEC = 15;

/**
 * Seconds without a heartbeat before any worker treats a claimed task as abandoned (its machine is gone) and hands
 * it back. At least two heartbeats (validated), so one slow edit never costs a claim.
 */
export const DEFAULT_LEASE_TIMEOUT_SEC = 90;

/** How many times a task may run before it is reported FAILED. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * How deep tasks may delegate: a task people or programs submit is at depth 0, its children at 1, theirs at 2; a
 * task at this depth may not delegate further.
 */
export const DEFAULT_MAX_TASK_DEPTH = 2;

/** The agent runner used when `AGENT_RUNNER` is not set. */
export const DEFAULT_AGENT_RUNNER = 'openclaw';

/** Base URL of the OpenAI-compatible API used by the `openai` runner. */
export const DEFAULT_OPENAI_BASE_URL = 'https://openrouter.ai/api/v1';

/** The model used when a task names none (an alias or a `provider/model` id). */
export const DEFAULT_MODEL = 'primary';

/** The thinking level used when a task names none (the seed's examples and results use `low`). */
export const DEFAULT_THINKING: ThinkingLevel = 'low';
