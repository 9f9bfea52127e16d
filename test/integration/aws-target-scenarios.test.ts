/**
 * The shipped scenarios on AWS: opt-in. They apply the real PipelineStack (billable resources)
 * through terraform, so they run only with AWS credentials and TERRATOWER_AWS=1; otherwise the
 * suite is skipped and its name says why.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsOptIn } from '../../src/harness/aws-opt-in.ts';
import { deployedRun, runShipped, scenarioSpec, SCENARIOS } from '../../src/harness/scenarios/index.ts';
import { AwsTarget } from '../../src/harness/targets/aws.ts';
import { newRunId } from '../../src/harness/terraform/index.ts';
import { defaultSpec, loadSpecFile } from '../../src/spec/index.ts';

const optIn = awsOptIn();
const suite = optIn.ok ? describe : describe.skip;
if (!optIn.ok) console.warn(`aws-target-scenarios: skipped — ${optIn.reason}`);

suite(optIn.ok ? 'shipped scenarios on AWS' : `SKIPPED: shipped scenarios on AWS — ${optIn.reason}`, () => {
  for (const def of SCENARIOS) {
    it(
      `${def.name} holds its hypothesis and the ledger is exact`,
      async () => {
        const base = process.env.TERRATOWER_AWS_SPEC
          ? await loadSpecFile(process.env.TERRATOWER_AWS_SPEC)
          : defaultSpec();
        const spec = scenarioSpec(base, def);
        const workDir = await mkdtemp(join(tmpdir(), `tt-aws-${def.name}-`));
        try {
          const target = new AwsTarget({
            spec,
            runId: newRunId('aws'),
            log: (l) => process.stderr.write(`[aws ${def.name}] ${l}\n`),
          });
          const result = await deployedRun(target, (t) =>
            runShipped(def, { target: t, spec, out: join(workDir, 'report'), workDir }),
          );
          expect(result.hypothesisHeld).toBe(true);
          expect(result.ledger?.exact).toBe(true);
          expect(target.lastSweep?.errors).toEqual([]);
        } finally {
          await rm(workDir, { recursive: true, force: true });
        }
      },
      90 * 60_000,
    );
  }
});
