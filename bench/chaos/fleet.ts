/** The manager of a chaos run as a real `dorch manager` process: started, SIGKILLed and started again, stopped. */
import { sleep } from '../../src/lib/sleep.js';
import {
  allWorkersOf,
  fleetProcesses,
  startCli,
  workersOf,
  type CliProcess,
  type CliSource,
} from './processes.js';

/** Options of {@link Fleet}. */
export interface FleetOptions {
  source: CliSource;
  /** The run's folder: the manager's working directory and HOME. */
  dir: string;
  env: Record<string, string>;
  workers: number;
  keepAlive: boolean;
}

/** One `dorch manager` at a time (the one SIGKILL in a run leaves its workers to finish on their own). */
export class Fleet {
  readonly #o: FleetOptions;
  readonly #managers: CliProcess[] = [];
  #up = false;

  constructor(options: FleetOptions) {
    this.#o = options;
  }

  /** The manager runs (not between a SIGKILL and its restart). */
  get up(): boolean {
    return this.#up;
  }

  get managerPid(): number {
    return this.#managers.at(-1)?.pid ?? -1;
  }

  /** Start a manager. */
  start(): void {
    const args = ['manager', '--workers', String(this.#o.workers)];
    if (!this.#o.keepAlive) args.push('--restart-per-task');
    this.#managers.push(
      startCli(this.#o.source, args, { cwd: this.#o.dir, home: this.#o.dir, env: this.#o.env }),
    );
    this.#up = true;
  }

  /** The current manager's workers, by worker id → pid. */
  workers(): Map<string, number> {
    return this.#up ? workersOf(this.#o.dir, this.managerPid) : new Map();
  }

  /** Every worker process, the ones a killed manager left behind included, by pid → worker id. */
  allWorkers(): Map<number, string> {
    return allWorkersOf(this.#o.dir);
  }

  /** SIGKILL the manager, wait `downMs`, start a new one. */
  async killManager(downMs: number): Promise<number> {
    const manager = this.#managers.at(-1)!;
    this.#up = false;
    process.kill(manager.pid, 'SIGKILL');
    await manager.exited;
    await sleep(downMs);
    this.start();
    return manager.pid;
  }

  /**
   * Stop as an operator would (SIGTERM: running tasks finish), then wait until no dorch process of this run is left
   * (the workers the killed manager left behind exit on their own after their task). Throws after `timeoutMs`.
   */
  async stop(timeoutMs = 90_000): Promise<void> {
    const manager = this.#managers.at(-1);
    this.#up = false;
    const deadline = Date.now() + timeoutMs;
    if (manager && manager.child.exitCode === null && manager.child.signalCode === null) {
      manager.child.kill('SIGTERM');
      await Promise.race([manager.exited, sleep(timeoutMs)]);
    }
    while (fleetProcesses(this.#o.dir).length > 0) {
      if (Date.now() > deadline)
        throw new Error(`dorch processes still running ${timeoutMs / 1000} s after SIGTERM`);
      await sleep(200);
    }
  }

  /** Everything every manager printed. */
  output(): string {
    return this.#managers.map((m) => m.output()).join('\n');
  }
}
