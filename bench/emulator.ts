/**
 * Emulator throughput: the emulator runs in a child process (rate limits off) and N keep-alive clients in this
 * process hammer it for a few seconds per scenario. Run with `npx tsx bench/emulator.ts [seconds] [clients]`.
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmulatorWorld } from '../src/emulator/index.js';

/** Options of {@link benchEmulator}. */
export interface EmulatorBenchOptions {
  /** Seconds per scenario. @defaultValue 4 */
  seconds?: number;
  /** Concurrent keep-alive clients. @defaultValue 16 */
  clients?: number;
}

/** One scenario's outcome. */
export interface EmulatorBenchResult {
  scenario: string;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const SERVE_FLAG = '--serve-emulator';
const thisFile = fileURLToPath(import.meta.url);

interface Call {
  method: string;
  path: string;
  token: string;
  body?: string;
}

function call(agent: Agent, base: URL, c: Call): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Authorization: `Bot ${c.token}` };
    if (c.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(c.body);
    }
    const req = request(
      { agent, host: base.hostname, port: base.port, method: c.method, path: `/api/v10${c.path}`, headers },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

async function runScenario(
  world: EmulatorWorld,
  scenario: string,
  next: (i: number) => Call,
  options: Required<EmulatorBenchOptions>,
): Promise<EmulatorBenchResult> {
  const base = new URL(world.apiUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const start = performance.now();
  const deadline = start + options.seconds * 1000;
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          const status = await call(agent, base, next(counter++));
          if (status >= 400) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2));
  return {
    scenario,
    requests: latencies.length,
    errors,
    seconds: Number(seconds.toFixed(2)),
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
  };
}

/** Start the emulator in a child process, run the scenarios, stop it; resolves to one result per scenario. */
export async function benchEmulator(options: EmulatorBenchOptions = {}): Promise<EmulatorBenchResult[]> {
  const opts = { seconds: 4, clients: 16, ...options };
  const child = fork(thisFile, [SERVE_FLAG], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const world = await new Promise<EmulatorWorld>((resolve, reject) => {
      child.once('message', (m) => resolve(m as EmulatorWorld));
      child.once('exit', (code) => reject(new Error(`emulator child exited early (${String(code)})`)));
    });
    const tokens = [world.tokens.submitter, ...world.tokens.workers];
    const channels = [world.channels.taskQueue, world.channels.results, world.channels.workerPool];
    const results: EmulatorBenchResult[] = [];
    results.push(
      await runScenario(
        world,
        'GET /users/@me',
        (i) => ({ method: 'GET', path: '/users/@me', token: tokens[i % tokens.length]! }),
        opts,
      ),
    );
    results.push(
      await runScenario(
        world,
        'mix: 40% @me, 30% create, 30% list (limit 50)',
        (i) => {
          const token = tokens[i % tokens.length]!;
          const channel = channels[i % channels.length]!;
          const kind = i % 10;
          if (kind < 4) return { method: 'GET', path: '/users/@me', token };
          if (kind < 7)
            return {
              method: 'POST',
              path: `/channels/${channel}/messages`,
              token,
              body: JSON.stringify({ content: `bench message ${i}`, allowed_mentions: { parse: [] } }),
            };
          return { method: 'GET', path: `/channels/${channel}/messages?limit=50`, token };
        },
        opts,
      ),
    );
    return results;
  } finally {
    child.kill('SIGTERM');
  }
}

async function serve(): Promise<void> {
  const { startEmulator } = await import('../src/emulator/index.js');
  const running = await startEmulator({ rateLimits: false, workers: 3 });
  process.send?.(running.world);
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}

if (process.argv.includes(SERVE_FLAG)) {
  await serve();
} else if (process.argv[1] && resolve(process.argv[1]) === thisFile) {
  const [seconds, clients] = process.argv.slice(2).map(Number);
  const results = await benchEmulator({ ...(seconds ? { seconds } : {}), ...(clients ? { clients } : {}) });
  console.table(results);
  const floor = Math.min(...results.map((r) => r.requestsPerSecond));
  console.log(`slowest scenario: ${floor} req/s (target >= 2000)`);
}
