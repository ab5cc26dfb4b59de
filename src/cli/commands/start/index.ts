/**
 * `npm start`: the manager when a Discord config exists, otherwise the offline demo.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG_FILE } from '../../../config/defaults.js';

/** Options of `dorch start`. */
export interface StartOptions {
  config?: string;
  workers: number;
}

/** Start the right thing for this machine. */
export async function start(options: StartOptions): Promise<void> {
  const file = options.config ?? DEFAULT_CONFIG_FILE;
  if (existsSync(file) || process.env.TASK_QUEUE_CHANNEL) {
    const { manager } = await import('../manager/index.js');
    await manager({ config: file, workers: options.workers });
    return;
  }
  console.log(
    `No ${file} found: running the offline demo (nothing leaves this machine). \`dorch setup\` connects Discord.\n`,
  );
  const { demo } = await import('../demo/index.js');
  await demo({ workers: options.workers });
}
