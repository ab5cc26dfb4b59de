import { Authorizer } from '../../src/bus/discord/authorization.js';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import { createRest } from '../../src/bus/discord/rest.js';
import { useEmulator } from '../helpers/emulator.js';
import { CONTRACT_LEASE_MS, CONTRACT_MAX_ATTEMPTS, ContractClock, runBusContract } from './bus.contract.js';

const WORKERS = 10;
// Rate limits off: the contract posts many messages; the emulator's limits have their own conformance tests.
const emu = useEmulator({ workers: WORKERS, rateLimits: false });

runBusContract('DiscordBus (emulator)', async () => {
  const world = await emu.admin.seed({ workers: WORKERS }); // a fresh, empty queue per test
  const clock = new ContractClock();
  const make = (token: string) => {
    const rest = createRest({ apiUrl: world.apiUrl, token });
    return new DiscordBus({
      apiUrl: world.apiUrl,
      token,
      taskQueueChannel: world.channels.taskQueue,
      resultsChannel: world.channels.results,
      workerPoolChannel: world.channels.workerPool,
      rest,
      authorizer: new Authorizer(rest, {
        trustedBots: [world.users.submitter, ...world.users.workers],
        allowedUsers: [],
        allowedRoles: [],
      }),
      leaseMs: CONTRACT_LEASE_MS,
      maxAttempts: CONTRACT_MAX_ATTEMPTS,
      now: clock.now,
      monotonic: clock.monotonic,
      // Status lines are written in the background; the contract reads them right away.
      statusDebounceMs: 0,
      // The contract polls a retry right after a hand-back; settling is tested in test/integration/sweeper.test.ts.
      retrySettleMs: 0,
    });
  };
  let next = 1;
  return {
    bus: make(world.tokens.workers[0]!),
    workerBus: async () => make(world.tokens.workers[next++ % WORKERS]!),
    clock,
    statusLines: async () => (await emu.admin.messages(world.channels.workerPool)).map((m) => m.content),
    cleanup: async () => {},
  };
});
