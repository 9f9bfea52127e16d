/**
 * The sweep's inventory covers every resource type the stacks synthesize: each type is either
 * listed by the sweep (`INVENTORY_TYPE_OF`) or part of a listed one (`PART_OF_TYPE`), for the
 * default stack and for one with every option on (and the experiment stack).
 */
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { ExperimentStack } from '../../src/aws/stacks/experiment-stack.ts';
import { PipelineStack } from '../../src/aws/stacks/pipeline-stack.ts';
import { INVENTORY_TYPE_OF, PART_OF_TYPE } from '../../src/harness/targets/aws-sweep.ts';
import { SERVICE_INVENTORY_TYPES } from '../../src/harness/targets/aws-sweep-services.ts';
import { defaultSpec, withDefaults } from '../../src/spec/index.ts';

const CERT = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pipeline-tls-AbCdEf';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function resourceTypes(json: string): string[] {
  return Object.keys((JSON.parse(json) as { resource: Record<string, unknown> }).resource).sort();
}

describe('the sweep knows every resource type the stacks create', () => {
  const everything = withDefaults({
    network: { flowLogs: true },
    encryption: { s3KmsKeyArn: KEY, ebsKmsKeyArn: KEY, logsKmsKeyArn: KEY, secretsKmsKeyArn: KEY },
    alarms: { enabled: true },
    snapshots: { enabled: true },
    kafka: { security: { tls: true, sasl: 'scram-sha-512', certificateSecretArn: CERT } },
    cassandra: { security: { authentication: true, clientTls: true, certificateSecretArn: CERT } },
    producers: {
      scaling: {
        cooldownSeconds: 60,
        warmupSeconds: 60,
        stepScaling: [
          {
            name: 'up',
            metric: 'cpu',
            threshold: 80,
            comparison: 'above',
            evaluationPeriods: 2,
            steps: [{ change: 1 }],
          },
        ],
        scheduled: [{ name: 'night', recurrence: '0 22 * * *', desired: 1 }],
      },
    },
  });
  const stacks: Record<string, () => string> = {
    default: () => Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec: defaultSpec(), runId: 'r1' })),
    'every option': () =>
      Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec: everything, runId: 'r1' })),
    experiment: () => Testing.synth(new ExperimentStack(Testing.app(), 'pair', { spec: everything, runId: 'r1' })),
  };
  for (const [name, synth] of Object.entries(stacks))
    it(`${name}: every type is listed by the sweep or part of a listed type`, () => {
      const types = resourceTypes(synth());
      expect(types.filter((t) => !(t in INVENTORY_TYPE_OF) && !(t in PART_OF_TYPE))).toEqual([]);
    });

  it('every service inventory type is one a stack creates; every part belongs to a listed type', () => {
    const listed = new Set(Object.values(INVENTORY_TYPE_OF));
    for (const t of SERVICE_INVENTORY_TYPES) expect(listed.has(t), t).toBe(true);
    for (const parent of Object.values(PART_OF_TYPE)) expect(listed.has(parent), parent).toBe(true);
  });
});
