import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FallbackBus } from '../../src/bus/fallback-bus.js';
import { LocalBus } from '../../src/bus/local/local-bus.js';
import {
  CONTRACT_LEASE_MS,
  CONTRACT_MAX_ATTEMPTS,
  ContractClock,
  MemoryBus,
  MemoryQueue,
  runBusContract,
} from './bus.contract.js';

// The fake primary must itself be a faithful queue, or the FallbackBus runs below prove nothing.
runBusContract('MemoryBus (the fake primary)', async () => {
  const queue = new MemoryQueue();
  const clock = new ContractClock();
  queue.now = clock.now;
  return {
    bus: new MemoryBus(queue),
    workerBus: async () => new MemoryBus(queue),
    clock,
    statusLines: async () => [...queue.statuses],
    cleanup: async () => {},
  };
});

for (const primaryDown of [false, true]) {
  runBusContract(`FallbackBus (primary ${primaryDown ? 'down: local queue' : 'up'})`, async () => {
    const runtimeDir = await mkdtemp(join(tmpdir(), 'fallback-bus-contract-'));
    const queue = new MemoryQueue();
    const clock = new ContractClock();
    queue.now = clock.now;
    queue.down = primaryDown;
    const open = () =>
      new FallbackBus(
        new MemoryBus(queue),
        new LocalBus({
          runtimeDir,
          clock: clock.now,
          leaseMs: CONTRACT_LEASE_MS,
          maxAttempts: CONTRACT_MAX_ATTEMPTS,
        }),
      );
    const bus = open();
    return {
      bus,
      workerBus: async () => open(),
      clock,
      statusLines: async () => [
        ...queue.statuses,
        ...(await readFile((bus.fallback as LocalBus).store.workerPoolLog, 'utf8').catch(() => ''))
          .split('\n')
          .filter(Boolean),
      ],
      cleanup: () => rm(runtimeDir, { recursive: true, force: true }),
    };
  });
}
