import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBus } from '../../src/bus/local/local-bus.js';
import { CONTRACT_LEASE_MS, CONTRACT_MAX_ATTEMPTS, ContractClock, runBusContract } from './bus.contract.js';

runBusContract('LocalBus', async () => {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'local-bus-contract-'));
  const clock = new ContractClock();
  const open = () =>
    new LocalBus({
      runtimeDir,
      clock: clock.now,
      leaseMs: CONTRACT_LEASE_MS,
      maxAttempts: CONTRACT_MAX_ATTEMPTS,
    });
  const bus = open();
  return {
    bus,
    workerBus: async () => open(),
    clock,
    statusLines: async () =>
      (await readFile(bus.store.workerPoolLog, 'utf8').catch(() => '')).split('\n').filter(Boolean),
    cleanup: () => rm(runtimeDir, { recursive: true, force: true }),
  };
});
