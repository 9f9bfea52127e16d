/**
 * The local twin's stack applied and destroyed by real terraform and tofu. The provisioners run
 * a recording stand-in for `bin/terratower.mjs` (a `repoRoot` in a temp dir), so this checks the
 * stack's wiring — `local up` once on apply with the run's spec/run id/slot, outputs readable as
 * a pipeline stack's, `local down` once on destroy, also after a failed `local up` — without
 * booting Kafka and Cassandra. The twin itself is tested through the real CLI elsewhere.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findTerraformBinary,
  readPipelineOutputs,
  sweepTerraformRunDirs,
  TERRAFORM_KINDS,
  TerraformCommandError,
  withDeployedStack,
  type TerraformBinary,
} from '../../src/harness/terraform/index.ts';
import { defaultSpec } from '../../src/spec/index.ts';
import { localTwinEndpoints, localTwinStackConfig } from '../../src/harness/targets/local-twin-stack.ts';

const binaries = await Promise.all(
  TERRAFORM_KINDS.map(async (kind) => ({ kind, binary: await findTerraformBinary(kind) })),
);

// Records each call (argv + TERRATOWER_CACHE) as one JSON line; `up` fails while fail-up exists.
const RECORDER = `
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
const cache = process.env.TERRATOWER_CACHE;
appendFileSync(join(cache, 'calls.jsonl'), JSON.stringify(process.argv.slice(2)) + '\\n');
if (process.argv[3] === 'up' && existsSync(join(cache, 'fail-up'))) { console.error('boot failed'); process.exit(1); }
`;

describe.each(binaries)('local twin stack with $kind', ({ kind, binary }) => {
  const d = binary ? describe : describe.skip;
  d(binary ? `${kind} ${binary.version}` : `SKIPPED: ${kind} not found on PATH or in the cache`, () => {
    const bin = binary as TerraformBinary;
    let root = '';
    let repoRoot = '';
    let cacheDir = '';
    const calls = (): string[][] =>
      existsSync(join(cacheDir, 'calls.jsonl'))
        ? readFileSync(join(cacheDir, 'calls.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as string[])
        : [];

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), `tt-twinstack-${kind}-`));
      repoRoot = join(root, 'repo');
      cacheDir = join(root, 'cache');
      await mkdir(join(repoRoot, 'bin'), { recursive: true });
      await mkdir(cacheDir);
      writeFileSync(join(repoRoot, 'bin', 'terratower.mjs'), RECORDER);
    });
    afterAll(async () => {
      await sweepTerraformRunDirs({ runsRoot: join(root, 'runs'), echo: false, log: () => undefined });
      await rm(root, { recursive: true, force: true });
    });

    const stack = (runId: string) => {
      const spec = defaultSpec();
      return {
        spec,
        // The network is given, not detected: the recorder boots nothing, and the choice must reach `local up`.
        config: localTwinStackConfig({
          spec,
          specFile: join(root, 'spec.json'),
          runId,
          slot: 1,
          network: 'namespaces',
          repoRoot,
          cacheDir,
        }),
      };
    };

    /** The `local up` command line the recorder sees for a run. */
    const upCall = (runId: string): string[] => [
      'local',
      'up',
      '--spec',
      join(root, 'spec.json'),
      '--run-id',
      runId,
      '--slot',
      '1',
      '--network',
      'namespaces',
      '--json',
    ];

    it('runs `local up` on apply, outputs the endpoints, runs `local down` on destroy', async () => {
      await rm(join(cacheDir, 'calls.jsonl'), { force: true });
      const runId = `twin-ok-${kind}`;
      const { spec, config } = stack(runId);
      const outputs = await withDeployedStack(
        { config, binary: kind, binaryPath: bin.path, runsRoot: join(root, 'runs'), echo: false },
        async (o) => {
          expect(calls()).toEqual([upCall(runId)]);
          return readPipelineOutputs(o);
        },
      );
      const expected = localTwinEndpoints(spec, runId, 1, 'namespaces');
      expect(outputs).toEqual({
        bucket: expected.bucket,
        datasetPrefix: expected.dataset_prefix,
        kafkaBootstrap: expected.kafka_bootstrap,
        cassandraContactPoints: expected.cassandra_contact_points,
        s3Endpoint: expected.s3_endpoint,
        asgNames: expected.asg_names,
        runId,
      });
      expect(calls()).toEqual([upCall(runId), ['local', 'down', '--run-id', runId]]);
    });

    it('still runs `local down` when `local up` failed (the guard outlives the tainted twin)', async () => {
      await rm(join(cacheDir, 'calls.jsonl'), { force: true });
      writeFileSync(join(cacheDir, 'fail-up'), '');
      const runId = `twin-fail-${kind}`;
      const { config } = stack(runId);
      const error = await withDeployedStack(
        { config, binary: kind, binaryPath: bin.path, runsRoot: join(root, 'runs'), echo: false, maxRetries: 0 },
        async () => undefined,
      ).catch((e: unknown) => e);
      await rm(join(cacheDir, 'fail-up'));
      expect(error).toBeInstanceOf(TerraformCommandError);
      expect(String((error as Error).message)).toMatch(/boot failed|local-exec provisioner error/);
      expect(calls().map((c) => c[1])).toEqual(['up', 'down']);
      expect(existsSync(join(root, 'runs', runId))).toBe(false);
    });
  });
});
