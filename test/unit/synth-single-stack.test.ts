/**
 * `synthesize` skips cdktf's preparing pass and records no token creation stacks (see
 * src/aws/stacks/synthesize.ts and creation-stacks.ts): its cdk.tf.json must be the very bytes
 * cdktf's full path writes for the same stack.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { App } from '../../src/aws/cdktf.ts';
import { ExperimentStack } from '../../src/aws/stacks/experiment-stack.ts';
import { PipelineStack } from '../../src/aws/stacks/pipeline-stack.ts';
import { synthesize } from '../../src/aws/stacks/synthesize.ts';
import { defaultSpec, withDefaults, type PipelineSpec } from '../../src/spec/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tt-synth-single-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** cdk.tf.json of `stack` built into a plain cdktf App (both passes, creation stacks on). */
function cdktfFullPath(name: string, build: (app: InstanceType<typeof App>) => void): string {
  const outdir = join(dir, `${name}-cdktf`);
  const app = new App({ outdir, skipValidation: false });
  build(app);
  app.synth();
  return readFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8');
}

const hardened: PipelineSpec = withDefaults({
  name: 'hardened',
  kafka: {
    security: {
      tls: true,
      sasl: 'scram-sha-512',
      certificateSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tls-AbCdEf',
    },
  },
  cassandra: {
    security: {
      authentication: true,
      clientTls: true,
      certificateSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tls-AbCdEf',
    },
  },
});

describe('synthesize writes what cdktf would', () => {
  for (const spec of [defaultSpec(), hardened]) {
    it(`PipelineStack of ${spec.name}`, () => {
      const ours = synthesize({ spec, outdir: join(dir, `${spec.name}-ours`), runId: 'r1' });
      const theirs = cdktfFullPath(spec.name, (app) => new PipelineStack(app, spec.name, { spec, runId: 'r1' }));
      expect(readFileSync(ours.file, 'utf8')).toBe(theirs);
    });
  }

  it('ExperimentStack', () => {
    const spec = defaultSpec();
    const experiment = { consumers: { max: 6 } };
    const ours = synthesize({ spec, experiment: true, experimentOverrides: experiment, outdir: join(dir, 'exp-ours') });
    const theirs = cdktfFullPath(ours.stack, (app) => new ExperimentStack(app, ours.stack, { spec, experiment }));
    expect(readFileSync(ours.file, 'utf8')).toBe(theirs);
  });
});
