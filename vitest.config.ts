import { defineConfig } from 'vitest/config';

const integrationSetup = {
  // One file at a time within a lane: a twin takes most of the 2 cores.
  fileParallelism: false,
  testTimeout: 15 * 60_000,
  hookTimeout: 25 * 60_000,
  globalSetup: ['test/integration/global-setup.ts'],
};

/**
 * Integration files that start no twin (terraform against moto, npm installs and tsc, packer, a
 * browser on a stand-in run): alone they took 10 min 41 s and 0.8 of a core on average, in
 * bursts (each AWS provider start takes 1.4 cores for a few seconds). `npm test` runs them as a
 * lane beside the twin files, which alone keep about 64 % of the 2 cores busy. Beside the
 * scenarios instead the total was the same and the scenarios ran a minute slower, with their
 * timing checks under the noise.
 */
const besideTwins = [
  'test/integration/aws-stack-moto.test.ts',
  'test/integration/aws-target-scenarios.test.ts',
  'test/integration/aws-target-sdk.test.ts',
  'test/integration/consumer-project.test.ts',
  'test/integration/experiment-actionlint.test.ts',
  'test/integration/experiment-store-s3.test.ts',
  'test/integration/packer-shellcheck.test.ts',
  'test/integration/packer-validate.test.ts',
  'test/integration/service-recovery.test.ts',
  'test/integration/service-ui.test.ts',
  'test/integration/terraform-lifecycle.test.ts',
  'test/integration/terraform-local-twin-stack.test.ts',
];

// Four projects in three tiers:
// - `unit`: seconds, no network, no processes.
// - `integration`: real Kafka, Cassandra, an S3 API (moto), terraform, tofu and packer, in two
//   lanes `npm test` runs side by side: `integration` (the files that boot a twin) and
//   `integration-aside` (the files that do not).
// - `scenarios`: the shipped load-and-kill scenarios end to end on the local twin, each deployed
//   through terraform (2–4 minutes each); last in `npm test`, alone as `npm run test:scenarios`.
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
          exclude: ['test/integration/scenario-*.test.ts', ...besideTwins],
          ...integrationSetup,
        },
      },
      {
        test: {
          name: 'integration-aside',
          include: besideTwins,
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
