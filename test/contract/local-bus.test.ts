import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBus } from '../../src/bus/local/local-bus.js';
import { runBusContract } from './bus.contract.js';

runBusContract('LocalBus', async () => {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'local-bus-contract-'));
  return {
    bus: new LocalBus({ runtimeDir }),
    workerBus: async () => new LocalBus({ runtimeDir }),
    cleanup: () => rm(runtimeDir, { recursive: true, force: true }),
  };
});
