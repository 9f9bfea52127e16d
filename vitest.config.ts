import { defineConfig } from 'vitest/config';

// Two tiers: `unit` runs in seconds with no network or processes; `integration` boots real
// Kafka, Cassandra, an S3 API and terraform, one file at a time (2 cores).
export default defineConfig({
  test: {
    // One file at a time: integration files each boot a twin on 2 cores.
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 15 * 60_000,
          hookTimeout: 10 * 60_000,
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
