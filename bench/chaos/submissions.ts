/**
 * The chaos run's submissions: each task's text carries a unique `chaos-<run>-<n>` marker, so its first attempt, its
 * retry copies, its runs and its result can be found whatever ids they got. Most are posted by the submitter bot
 * through REST (a careful client: one nonce per task, retried with the same nonce until Discord takes it); some by
 * real `dorch submit` processes.
 */
import { randomBytes } from 'node:crypto';
import { DiscordBus } from '../../src/bus/discord/discord-bus.js';
import type { EmulatorWorld } from '../../src/emulator/world.js';
import { sleep } from '../../src/lib/sleep.js';
import { startCli, type CliSource } from './processes.js';

/** How a task was submitted. */
export type SubmitWay = 'rest' | 'cli-errors' | 'cli-outage';

/** One submission. */
export interface Submission {
  marker: string;
  way: SubmitWay;
  /** The id the submitter got back (`discord-…`, or `local-…` for a CLI submit during the outage). */
  taskId?: string;
  /** `discord` or `local` (CLI submits say which). */
  via?: string;
  /** REST: tries until Discord took it. CLI: 1. */
  tries: number;
  /** A CLI submit that did not exit 0, with its output. */
  error?: string;
}

/** Makes markers and task texts for one run. */
export class Markers {
  readonly run = randomBytes(3).toString('hex');
  #next = 0;

  /** A fresh marker. */
  next(): string {
    return `chaos-${this.run}-${String(++this.#next).padStart(3, '0')}`;
  }

  /** The text of the task with `marker`; a slow one's agent runs long enough to be caught running every time. */
  static text(marker: string, slow = false): string {
    return `Chaos task ${marker}: answer with one line${slow ? ' (slow-run)' : ''}. [model:coder]`;
  }
}

/** Posts tasks as the submitter bot through REST. */
export class RestSubmitter {
  readonly #bus: DiscordBus;

  constructor(world: EmulatorWorld) {
    this.#bus = new DiscordBus({
      apiUrl: world.apiUrl,
      token: world.tokens.submitter,
      taskQueueChannel: world.channels.taskQueue,
    });
  }

  /** Post until Discord takes it, always with the same nonce (so a lost answer never doubles the task). */
  async submit(marker: string, slow = false): Promise<Submission> {
    // Discord nonces are at most 25 characters.
    const nonce = `c${marker.replace(/\W/g, '').slice(-24)}`;
    for (let tries = 1; ; tries++) {
      try {
        const { taskId } = await this.#bus.submit(Markers.text(marker, slow), { nonce });
        return { marker, way: 'rest', taskId, via: 'discord', tries };
      } catch {
        await sleep(500);
      }
    }
  }

  close(): Promise<void> {
    return this.#bus.close();
  }
}

/** `dorch submit "<text>" --json` in the fleet's folder (its local queue is the workers' one). */
export async function cliSubmit(
  source: CliSource,
  marker: string,
  way: Exclude<SubmitWay, 'rest'>,
  options: { cwd: string; env: Record<string, string> },
): Promise<Submission> {
  const cli = startCli(source, ['submit', Markers.text(marker), '--json'], {
    cwd: options.cwd,
    home: options.cwd,
    env: options.env,
  });
  const { code } = await cli.exited;
  const out = cli.output();
  const json = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !json) return { marker, way, tries: 1, error: `exit ${code}: ${out.slice(0, 400)}` };
  const report = JSON.parse(json) as { taskId: string; via: string };
  return { marker, way, taskId: report.taskId, via: report.via, tries: 1 };
}
