import { defineConfig } from 'vitest/config';

/**
 * `npm test`: four tiers as vitest projects (see README, "Tests and benchmark"). The real OpenClaw CLI's tests
 * (each cold turn costs 15–35 s of CPU) are `npm run test:openclaw` (vitest.openclaw.config.ts); CI runs both.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Four files at a time on two cores: most integration and e2e time is waiting (leases, heartbeats, spawned
    // processes), not CPU. Measured on an idle 2-core machine: 225 s wall with 2, 170 s with 4.
    maxWorkers: 4,
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
        // Each file starts its own emulator, workers and scratch folders; what a test sets in process.env it puts
        // back (useEnv), and the setup file fails a file that does not. So these share threads too: two thirds of
        // the CPU of a fresh fork per file.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          pool: 'threads',
          isolate: false,
          setupFiles: ['test/setup/no-leaks.ts'],
        },
      },
      // Forks: almost all of e2e's CPU is in the processes it spawns; shared threads measured no saving (186 s
      // against 190 s of CPU, loaded machine).
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
