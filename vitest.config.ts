import { defineConfig } from 'vitest/config';

const integrationSetup = {
  // One file at a time: integration files each boot a twin (or moto, terraform, packer) on 2 cores.
  fileParallelism: false,
  testTimeout: 15 * 60_000,
  hookTimeout: 25 * 60_000,
  globalSetup: ['test/integration/global-setup.ts'],
};

// Three tiers:
// - `unit`: seconds, no network, no processes.
// - `integration`: real Kafka, Cassandra, an S3 API (moto), terraform, tofu and packer.
// - `scenarios`: the five shipped load-and-kill scenarios end to end on the local twin, each
//   deployed through terraform (about 5 minutes each); last in `npm test`, alone as
//   `npm run test:scenarios`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          globalSetup: ['test/unit/global-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: ['test/integration/scenario-*.test.ts'],
          ...integrationSetup,
        },
      },
      {
        test: {
          name: 'scenarios',
          include: ['test/integration/scenario-*.test.ts'],
          ...integrationSetup,
        },
      },
    ],
  },
});
