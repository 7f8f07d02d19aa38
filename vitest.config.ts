import { defineConfig } from 'vitest/config';

// These measure latency or put the machine under load; beside other tests on a 2-core machine they would
// measure each other. They run after the rest, one file at a time.
const timingSensitive = [
  'test/e2e/slowloris.test.ts',
  'test/e2e/streaming.test.ts',
  'test/e2e/kill-under-load.test.ts',
  'test/e2e/workers.test.ts',
  'test/e2e/graceful-drain.test.ts',
  'test/e2e/backpressure.test.ts',
  'test/e2e/workers-rate-limit.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: timingSensitive,
          // Two forks match the 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'timing',
          include: timingSensitive,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
