import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../../src/cli/cli.js';

// Each command module is replaced by one spy; `loaded` records which modules were actually imported.
const { spies, loaded } = vi.hoisted(() => {
  const names = [
    'start',
    'demo',
    'manager',
    'worker',
    'submit',
    'clear',
    'requeue',
    'stop',
    'doctor',
    'costs',
    'emulator',
    'setup',
    'service',
    'cancel',
    'status',
    'waitCommand',
    'resultCommand',
    'skillInstall',
  ];
  return {
    spies: Object.fromEntries(names.map((n) => [n, vi.fn(async (_options: unknown) => undefined)])),
    loaded: new Set<string>(),
  };
});

vi.mock('../../../src/cli/commands/start/index.js', () => (loaded.add('start'), { start: spies.start }));
vi.mock('../../../src/cli/commands/demo/index.js', () => (loaded.add('demo'), { demo: spies.demo }));
vi.mock(
  '../../../src/cli/commands/manager/index.js',
  () => (loaded.add('manager'), { manager: spies.manager }),
);
vi.mock('../../../src/cli/commands/worker/index.js', () => (loaded.add('worker'), { worker: spies.worker }));
vi.mock('../../../src/cli/commands/submit/index.js', () => (loaded.add('submit'), { submit: spies.submit }));
vi.mock('../../../src/cli/commands/clear/index.js', () => (loaded.add('clear'), { clear: spies.clear }));
vi.mock(
  '../../../src/cli/commands/requeue/index.js',
  () => (loaded.add('requeue'), { requeue: spies.requeue }),
);
vi.mock('../../../src/cli/commands/stop/index.js', () => (loaded.add('stop'), { stop: spies.stop }));
vi.mock('../../../src/cli/commands/doctor/index.js', () => (loaded.add('doctor'), { doctor: spies.doctor }));
vi.mock('../../../src/cli/commands/costs/index.js', () => (loaded.add('costs'), { costs: spies.costs }));
vi.mock(
  '../../../src/cli/commands/emulator/index.js',
  () => (loaded.add('emulator'), { emulator: spies.emulator }),
);
vi.mock('../../../src/cli/commands/setup/index.js', () => (loaded.add('setup'), { setup: spies.setup }));
vi.mock(
  '../../../src/cli/commands/service/index.js',
  () => (loaded.add('service'), { service: spies.service }),
);

vi.mock('../../../src/cli/commands/cancel/index.js', () => (loaded.add('cancel'), { cancel: spies.cancel }));
vi.mock('../../../src/cli/commands/status/index.js', () => (loaded.add('status'), { status: spies.status }));
vi.mock(
  '../../../src/cli/commands/wait/index.js',
  () => (loaded.add('waitCommand'), { waitCommand: spies.waitCommand }),
);
vi.mock(
  '../../../src/cli/commands/result/index.js',
  () => (loaded.add('resultCommand'), { resultCommand: spies.resultCommand }),
);
vi.mock(
  '../../../src/cli/commands/skill/index.js',
  () => (loaded.add('skillInstall'), { skillInstall: spies.skillInstall }),
);

const CONFIG = 'discord-config.env';

async function run(...argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv, { from: 'user' });
}

let stderr: string[];

beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  for (const spy of Object.values(spies)) spy.mockClear();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('dorch command table', () => {
  it('building the program imports no command module (commands load lazily)', () => {
    buildProgram();
    expect(loaded.size).toBe(0);
  });

  const table: { argv: string[]; command: string; options: Record<string, unknown> }[] = [
    {
      argv: ['submit', 'text', 'coder', 'high', '--wait'],
      command: 'submit',
      options: { config: CONFIG, text: 'text', model: 'coder', thinking: 'high', wait: true, timeout: 600 },
    },
    {
      argv: ['submit', 'fix it [model:cheap]', '--file', 'a.txt', 'b.txt', '--timeout', '30'],
      command: 'submit',
      options: {
        config: CONFIG,
        text: 'fix it [model:cheap]',
        model: undefined,
        thinking: undefined,
        file: ['a.txt', 'b.txt'],
        timeout: 30,
      },
    },
    {
      argv: ['manager', '-w', '5', '--keep-alive'],
      command: 'manager',
      options: { config: CONFIG, workers: 5, keepAlive: true, push: true },
    },
    { argv: ['manager'], command: 'manager', options: { config: CONFIG, workers: 3, push: true } },
    {
      argv: ['manager', '--restart-per-task', '--no-push'],
      command: 'manager',
      options: { config: CONFIG, workers: 3, restartPerTask: true, push: false },
    },
    {
      argv: ['worker', '--id', 'w1', '--once'],
      command: 'worker',
      options: { config: CONFIG, id: 'w1', once: true, push: true },
    },
    {
      argv: ['worker', '--keep-alive'],
      command: 'worker',
      options: { config: CONFIG, keepAlive: true, push: true },
    },
    {
      argv: ['worker', '--restart-per-task', '--push-from', 'manager'],
      command: 'worker',
      options: { config: CONFIG, restartPerTask: true, push: true, pushFrom: 'manager' },
    },
    {
      argv: ['worker', '--no-push'],
      command: 'worker',
      options: { config: CONFIG, push: false },
    },
    {
      argv: ['emulator', '--port', '0', '--workers', '2', '--no-rate-limits'],
      command: 'emulator',
      options: { port: 0, workers: 2, rateLimits: false },
    },
    {
      argv: ['emulator', '-p', '3210', '--write-env', 'emu.env'],
      command: 'emulator',
      options: { port: 3210, workers: 3, rateLimits: true, writeEnv: 'emu.env', envFile: 'emu.env' },
    },
    {
      argv: ['emulator', '--env-file', 'emu.env'],
      command: 'emulator',
      options: { port: 0, workers: 3, rateLimits: true, envFile: 'emu.env' },
    },
    { argv: ['costs', '--json'], command: 'costs', options: { config: CONFIG, json: true } },
    {
      argv: ['costs', '--fleet', '--ledger', 'l.jsonl'],
      command: 'costs',
      options: { config: CONFIG, fleet: true, ledger: 'l.jsonl' },
    },
    { argv: ['stop', '--force'], command: 'stop', options: { config: CONFIG, force: true } },
    {
      argv: ['cancel', 'discord-1471241464699945010', '--json'],
      command: 'cancel',
      options: { config: CONFIG, taskId: 'discord-1471241464699945010', json: true },
    },
    { argv: ['status'], command: 'status', options: { config: CONFIG, results: 10 } },
    {
      argv: ['status', '--json', '--results', '3'],
      command: 'status',
      options: { config: CONFIG, json: true, results: 3 },
    },
    { argv: ['stop'], command: 'stop', options: { config: CONFIG } },
    {
      argv: ['requeue', 'discord-1471241464699945010'],
      command: 'requeue',
      options: { config: CONFIG, taskId: 'discord-1471241464699945010' },
    },
    {
      argv: ['--config', 'other.env', 'clear', '--all'],
      command: 'clear',
      options: { config: 'other.env', all: true },
    },
    { argv: ['start', '-w', '2'], command: 'start', options: { config: CONFIG, workers: 2 } },
    { argv: ['demo'], command: 'demo', options: { workers: 3 } },
    { argv: ['doctor', '--config', 'x.env'], command: 'doctor', options: { config: 'x.env' } },
    { argv: ['doctor', '--json'], command: 'doctor', options: { config: CONFIG, json: true } },
    {
      argv: ['submit', 'hi', '--json'],
      command: 'submit',
      options: {
        config: CONFIG,
        text: 'hi',
        model: undefined,
        thinking: undefined,
        timeout: 600,
        json: true,
      },
    },
    {
      argv: ['emulator', '--write-env', 'e.env', '--force'],
      command: 'emulator',
      options: { port: 0, workers: 3, rateLimits: true, writeEnv: 'e.env', envFile: 'e.env', force: true },
    },
    { argv: ['setup'], command: 'setup', options: { config: CONFIG } },
    {
      argv: [
        '--config',
        'f.env',
        'setup',
        '--non-interactive',
        '-w',
        '2',
        '--guild',
        '1',
        '--task-queue',
        '2',
        '--results',
        '3',
        '--worker-pool',
        '4',
        '--allowed-submitters',
        '5,6',
        '--allowed-roles',
        '7',
        '--runner',
        'command',
        '--agent-command',
        'python3 a.py',
        '--api-url',
        'http://127.0.0.1:9/api',
        '--force',
        '--doctor',
        '--test-task',
      ],
      command: 'setup',
      options: {
        config: 'f.env',
        nonInteractive: true,
        workers: 2,
        guild: '1',
        taskQueue: '2',
        results: '3',
        workerPool: '4',
        allowedSubmitters: '5,6',
        allowedRoles: '7',
        runner: 'command',
        agentCommand: 'python3 a.py',
        apiUrl: 'http://127.0.0.1:9/api',
        force: true,
        doctor: true,
        testTask: true,
      },
    },
    {
      argv: ['service', 'install', '-w', '4'],
      command: 'service',
      options: { config: CONFIG, workers: 4, name: 'dorch', action: 'install' },
    },
    {
      argv: ['service', 'install', '--name', 'b', '--files-only'],
      command: 'service',
      options: { config: CONFIG, name: 'b', filesOnly: true, action: 'install' },
    },
    {
      argv: ['service', 'uninstall'],
      command: 'service',
      options: { config: CONFIG, name: 'dorch', action: 'uninstall' },
    },
    {
      argv: [
        'submit',
        '--task',
        'a [model:cheap]',
        '--task',
        'b',
        '--wait',
        '--json',
        '--max-cost',
        '0.5',
        '--at-end',
      ],
      command: 'submit',
      options: {
        config: CONFIG,
        task: ['a [model:cheap]', 'b'],
        wait: true,
        json: true,
        maxCost: 0.5,
        atEnd: true,
        timeout: 600,
      },
    },
    {
      argv: ['submit', '--stdin', '--wait'],
      command: 'submit',
      options: { config: CONFIG, stdin: true, wait: true, timeout: 600 },
    },
    {
      argv: ['wait', 'discord-1', 'discord-2', '--json', '--timeout', '30'],
      command: 'waitCommand',
      options: { config: CONFIG, ids: ['discord-1', 'discord-2'], json: true, timeout: 30 },
    },
    {
      argv: ['result', 'discord-1', '--json'],
      command: 'resultCommand',
      options: { config: CONFIG, taskId: 'discord-1', json: true },
    },
    {
      argv: ['skill', 'install', '--dir', '/tmp/skills'],
      command: 'skillInstall',
      options: { config: CONFIG, dir: '/tmp/skills' },
    },
  ];

  it.each(table)('$argv → $command($options)', async ({ argv, command, options }) => {
    await run(...argv);
    expect(spies[command]).toHaveBeenCalledExactlyOnceWith(options);
    // toHaveBeenCalledWith ignores undefined-valued keys; check the defined keys exactly.
    const passed = spies[command]!.mock.calls[0]![0] as Record<string, unknown>;
    const defined = (o: Record<string, unknown>) =>
      Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .sort();
    expect(defined(passed)).toEqual(defined(options));
    for (const [name, spy] of Object.entries(spies)) if (name !== command) expect(spy).not.toHaveBeenCalled();
    expect(loaded.has(command)).toBe(true);
  });

  const errors: { argv: string[]; code: string; message: RegExp }[] = [
    {
      argv: ['manager', '-w', '0'],
      code: 'commander.invalidArgument',
      message: /whole number >= 1, got "0"/,
    },
    { argv: ['start', '--workers', 'many'], code: 'commander.invalidArgument', message: /got "many"/ },
    { argv: ['emulator', '--port', '70000'], code: 'commander.invalidArgument', message: /port 0-65535/ },
    { argv: ['submit', 'x', '--timeout', '-5'], code: 'commander.invalidArgument', message: /got "-5"/ },
    { argv: ['submit'], code: 'commander.missingArgument', message: /missing required argument 'text'/ },
    { argv: ['wait'], code: 'commander.missingArgument', message: /missing required argument 'task-id'/ },
    { argv: ['submit', 'x', '--max-cost', 'lots'], code: 'commander.invalidArgument', message: /USD >= 0/ },
    { argv: ['requeue'], code: 'commander.missingArgument', message: /missing required argument 'task-id'/ },
    { argv: ['worker', '--bogus'], code: 'commander.unknownOption', message: /unknown option '--bogus'/ },
    { argv: ['nope'], code: 'commander.unknownCommand', message: /unknown command 'nope'/ },
    { argv: ['setup', '-w', '0'], code: 'commander.invalidArgument', message: /whole number >= 1/ },
    { argv: ['service', 'start'], code: 'commander.unknownCommand', message: /unknown command 'start'/ },
  ];

  it.each(errors)('$argv is a usage error ($code)', async ({ argv, code, message }) => {
    const error = await run(...argv).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as CommanderError).code).toBe(code);
    expect((error as CommanderError).exitCode).toBe(1);
    expect(stderr.join('')).toMatch(message);
    for (const spy of Object.values(spies)) expect(spy).not.toHaveBeenCalled();
  });

  it('--version prints the package version (exit code 0 in cli/index.ts)', async () => {
    const stdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    const error = await run('--version').then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as CommanderError).code).toBe('commander.version');
    expect((error as CommanderError).exitCode).toBe(0);
    const { version } = (await import('../../../package.json', { with: { type: 'json' } })).default;
    expect(stdout.join('').trim()).toBe(version);
  });

  it('--help ends with the exit codes', async () => {
    const stdout: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
    await run('--help').catch(() => undefined);
    expect(stdout.join('')).toMatch(
      /Exit codes:\n\s+0\s+success[\s\S]*2\s+bad input[\s\S]*70\s+internal error/,
    );
  });

  it('quietErrors (--json) leaves usage errors unprinted for cli/index.ts to print as JSON', async () => {
    const error = await buildProgram({ quietErrors: true })
      .parseAsync(['requeue'], { from: 'user' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect((error as CommanderError).code).toBe('commander.missingArgument');
    expect(stderr.join('')).not.toContain('missing required argument');
  });

  it("a command's own error propagates unchanged (cli/index.ts maps it to an exit code)", async () => {
    const boom = new Error('boom');
    spies.stop!.mockRejectedValueOnce(boom);
    await expect(run('stop')).rejects.toBe(boom);
  });
});
