import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FallbackBus } from '../../src/bus/fallback-bus.js';
import { LocalBus } from '../../src/bus/local/local-bus.js';
import { MemoryBus, MemoryQueue, runBusContract } from './bus.contract.js';

// The fake primary must itself be a faithful queue, or the FallbackBus runs below prove nothing.
runBusContract('MemoryBus (the fake primary)', async () => {
  const queue = new MemoryQueue();
  return { bus: new MemoryBus(queue), workerBus: async () => new MemoryBus(queue), cleanup: async () => {} };
});

for (const primaryDown of [false, true]) {
  runBusContract(`FallbackBus (primary ${primaryDown ? 'down: local queue' : 'up'})`, async () => {
    const runtimeDir = await mkdtemp(join(tmpdir(), 'fallback-bus-contract-'));
    const queue = new MemoryQueue();
    queue.down = primaryDown;
    const open = () => new FallbackBus(new MemoryBus(queue), new LocalBus({ runtimeDir }));
    return {
      bus: open(),
      workerBus: async () => open(),
      cleanup: () => rm(runtimeDir, { recursive: true, force: true }),
    };
  });
}
