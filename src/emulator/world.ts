/** The seeded world: one guild, three channels, a submitter bot, K worker bots and a human operator. */
import { EVERYONE_PERMISSIONS, OPERATOR_PERMISSIONS } from './permissions.js';
import type { EmulatorState } from './state.js';

/** What a running emulator serves: URLs, ids and tokens of the seeded world. */
export interface EmulatorWorld {
  /** `http://127.0.0.1:P/api`, the `api` option of `@discordjs/rest` (the version is added by REST). */
  apiUrl: string;
  /** `http://127.0.0.1:P/_emulator`, the admin API. */
  adminUrl: string;
  guildId: string;
  channels: { taskQueue: string; results: string; workerPool: string };
  /** Bot tokens; `workers[0]` is worker-1's. `operator` is the human operator's token. */
  tokens: { submitter: string; operator: string; workers: string[] };
  /** User ids in the same order as `tokens`. */
  users: { submitter: string; operator: string; workers: string[] };
  roles: { operator: string };
}

/** Populate an empty state; returns the world without its URLs. */
export function seedWorld(state: EmulatorState, workers: number): Omit<EmulatorWorld, 'apiUrl' | 'adminUrl'> {
  if (!Number.isInteger(workers) || workers < 0 || workers > 100) {
    throw new TypeError(
      `Expected \`workers\` to be an integer from 0 to 100, got \`${String(workers)}\` (${typeof workers})`,
    );
  }
  const owner = state.addUser({ username: 'guild-owner', bot: false });
  const guild = state.addGuild('dorch-emulator', owner.id, EVERYONE_PERMISSIONS);
  state.primaryGuildId = guild.id;
  const operatorRole = state.addRole(guild, { name: 'operator', permissions: OPERATOR_PERMISSIONS });
  const taskQueue = state.addTextChannel(guild, 'task-queue', 'Tasks for the worker fleet');
  const results = state.addTextChannel(guild, 'results', 'One message per finished task');
  const workerPool = state.addTextChannel(guild, 'worker-pool', 'Worker status lines');
  const submitter = state.addBot(guild, { name: 'submitter' });
  const bots = Array.from({ length: workers }, (_, i) => state.addBot(guild, { name: `worker-${i + 1}` }));
  const operator = state.addUser({ username: 'operator', bot: false });
  state.addMember(guild, operator.id, [operatorRole.id]);
  return {
    guildId: guild.id,
    channels: { taskQueue: taskQueue.id, results: results.id, workerPool: workerPool.id },
    tokens: { submitter: submitter.token, operator: operator.token, workers: bots.map((b) => b.token) },
    users: { submitter: submitter.id, operator: operator.id, workers: bots.map((b) => b.id) },
    roles: { operator: operatorRole.id },
  };
}
