import { defineConfig } from 'vitest/config';

/**
 * `npm run test:openclaw`: the tests that run the real OpenClaw CLI (the `.tools` install of
 * scripts/install-openclaw.sh) against the fake model server. Each cold turn costs 15–35 s of CPU and a warm
 * Gateway's start about 45 s, so they are their own tier, one file at a time; CI runs it after `npm test`.
 */
export default defineConfig({
  test: {
    include: ['test/openclaw/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    globalSetup: ['test/setup/build-cli.ts'],
  },
});
