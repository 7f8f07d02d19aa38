import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // e2e tests start real processes and bind ports; two forks match the 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
