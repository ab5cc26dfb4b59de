/** `dorch result <task-id>`: a task's result now, without waiting. */
import { connect, type FleetClient } from '../../../api/index.js';
import { ExitError } from '../../errors.js';

/** Options of `dorch result`. */
export interface ResultCommandOptions {
  config?: string;
  taskId: string;
  json?: boolean;
  print?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Use this fleet (tests). */
  fleet?: FleetClient;
}

/** Print the result; exit 0 SUCCESS, 1 FAILED/CANCELLED/REFUSED, 3 none yet. */
export async function resultCommand(options: ResultCommandOptions): Promise<void> {
  const print = options.print ?? ((line: string) => console.log(line));
  const fleet = options.fleet ?? (await connect({ config: options.config, env: options.env ?? process.env }));
  try {
    const result = await fleet.result(options.taskId);
    if (!result) {
      const why = `${options.taskId} has no result yet (queued or running): \`dorch wait ${options.taskId}\` waits for it`;
      if (options.json)
        print(JSON.stringify({ ok: false, taskId: options.taskId, outcome: null, error: why }));
      throw new ExitError(3, options.json ? '' : why);
    }
    print(
      options.json ? JSON.stringify(result) : (result.message ?? `${result.outcome}: ${result.error ?? ''}`),
    );
    if (!result.ok) throw new ExitError(1);
  } finally {
    if (!options.fleet) await fleet.close();
  }
}
