/** `dorch wait <task-id>…`: wait for tasks submitted earlier; see `submit/batch.ts`. */
import { runBatch } from '../submit/batch.js';

/** Options of `dorch wait`. */
export interface WaitCommandOptions {
  config?: string;
  ids: string[];
  /** Seconds. @defaultValue 600 */
  timeout?: number;
  maxCost?: number;
  json?: boolean;
  atEnd?: boolean;
  pollMs?: number;
  print?: (line: string) => void;
  warn?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

/** Wait for every task; exit code as `submit --wait` with several tasks. */
export async function waitCommand(options: WaitCommandOptions): Promise<void> {
  await runBatch({ ...options, wait: true, ids: [...new Set(options.ids)] });
}
