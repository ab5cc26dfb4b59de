import { defineConfig } from 'vitest/config';

/**
 * `npm test`: four tiers as vitest projects (see README, "Tests and benchmark"). The real OpenClaw CLI's tests
 * (each cold turn costs 15–35 s of CPU) are `npm run test:openclaw` (vitest.openclaw.config.ts); CI runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at a time on two cores. Four measured 170 s instead of 225 s on an idle machine, but a CI run with
    // four failed two timing-sensitive tests (a daemon's log line, fault counts): kept at two until those are sturdy.
    maxWorkers: 2,
    // The CLI that integration and e2e tests spawn runs from dist/, transpiled once here.
    globalSetup: ['test/setup/build-cli.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit tests touch no process, socket or global state of their own (their seams are injected), so they
          // share threads and their module graph: a quarter of the CPU of a fresh fork per file.
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        // The emulator and the buses run in the test's own process, each test on servers and folders of its own:
        // shared threads as for unit tests (a third of the CPU of a fresh fork per file).
        test: { name: 'contract', include: ['test/contract/**/*.test.ts'], pool: 'threads', isolate: false },
      },
      {
        extends: true,
        // Forks, a fresh module graph per file. Shared threads cost a third less CPU (72–77 s against 117 s) and
        // passed locally, but a CI run had a fault-count test see no faults: back to forks until that is explained.
        // What a test sets in process.env it puts back (useEnv); the setup file fails a file that does not.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          setupFiles: ['test/setup/no-leaks.ts'],
        },
      },
      // Forks: almost all of e2e's CPU is in the processes it spawns; shared threads measured no saving (186 s
      // against 190 s of CPU, loaded machine).
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
