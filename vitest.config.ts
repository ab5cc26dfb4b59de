import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // `*.slow.test.ts` (a real OpenClaw agent turn, minutes on two cores) run with `npm run test:slow` only.
    exclude:
      process.env.DORCH_SLOW_TESTS === '1'
        ? configDefaults.exclude
        : [...configDefaults.exclude, 'test/**/*.slow.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration tests spawn worker processes, so keep file-level parallelism modest.
    maxWorkers: 2,
  },
});
