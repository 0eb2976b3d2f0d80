import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // e2e suites start their own Prometheus; two cores, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
