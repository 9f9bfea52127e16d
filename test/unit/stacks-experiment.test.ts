import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { defaultSpec, SpecError, withDefaults } from '../../src/spec/index.ts';
import { ExperimentStack, experimentSpecs } from '../../src/aws/stacks/experiment-stack.ts';

type Block = Record<string, unknown>;
interface TerraformJson {
  resource: Record<string, Record<string, Block>>;
  output: Record<string, { value: unknown }>;
}

const app = Testing.app();
const stack = new ExperimentStack(app, 'terratower-experiment-pair', {
  spec: defaultSpec(),
  experiment: { consumers: { scaling: { targetTracking: { metric: 'consumerLag', target: 2000 } } } },
  runId: 'exp-1',
});
const tf = JSON.parse(Testing.synth(stack)) as TerraformJson;

/** Every AWS-side name in the stack: attributes that name a resource in the account. */
const NAME_ATTRIBUTES = ['name', 'alarm_name', 'scheduled_action_name', 'name_prefix'];
function awsNames(): { type: string; name: string }[] {
  const names: { type: string; name: string }[] = [];
  for (const [type, blocks] of Object.entries(tf.resource)) {
    for (const block of Object.values(blocks)) {
      for (const attr of type === 'aws_s3_bucket' ? [...NAME_ATTRIBUTES, 'bucket'] : NAME_ATTRIBUTES) {
        const value = block[attr];
        if (typeof value !== 'string') continue;
        // Every name is a literal, known at synth: a reference could hide a clash.
        expect(value, `${type}.${attr}`).not.toMatch(/\$\{/);
        names.push({ type, name: value });
      }
    }
  }
  return names;
}

describe('ExperimentStack', () => {
  it('the two copies share no names', () => {
    const names = awsNames();
    expect(names.length).toBeGreaterThan(40);
    const seen = new Map<string, string>();
    for (const { type, name } of names) {
      const key = `${type}:${name}`;
      expect(seen.has(key), `${key} appears twice`).toBe(false);
      seen.set(key, name);
    }
    const control = names.filter((n) => n.name.includes('-control'));
    const experiment = names.filter((n) => n.name.includes('-experiment'));
    expect(control.length).toBe(experiment.length);
    expect(control.length + experiment.length).toBe(names.length);
  });

  it('each copy has its own VPC, bucket and stack tag', () => {
    const vpcs = Object.values(tf.resource.aws_vpc!);
    expect(vpcs.map((v) => (v.tags as Record<string, string>)['terratower:stack']).sort()).toEqual([
      'terratower-control',
      'terratower-experiment',
    ]);
    const buckets = Object.values(tf.resource.aws_s3_bucket!)
      .map((b) => b.bucket)
      .sort();
    expect(buckets).toEqual(['terratower-dataset-control-exp-1', 'terratower-dataset-experiment-exp-1']);
    for (const asg of Object.values(tf.resource.aws_autoscaling_group!)) {
      const tags = Object.fromEntries((asg.tag as { key: string; value: string }[]).map((t) => [t.key, t.value]));
      expect((asg.name as string).startsWith(`${tags['terratower:stack']}-exp-1-`)).toBe(true);
      expect(tags['terratower:run-id']).toBe('exp-1');
    }
  });

  it('the experimental copy carries its overrides; the control copy does not', () => {
    const lagPolicies = Object.values(tf.resource.aws_autoscaling_policy!).filter((p) =>
      (p.name as string).endsWith('-target-lag'),
    );
    const targets = Object.fromEntries(
      lagPolicies.map((p) => [p.name, (p.target_tracking_configuration as Block).target_value]),
    );
    expect(targets).toEqual({
      'terratower-control-exp-1-consumers-target-lag': 5000,
      'terratower-experiment-exp-1-consumers-target-lag': 2000,
    });
  });

  it('outputs both copies, prefixed', () => {
    const bucketOf = (ref: unknown) => {
      const key = /^\$\{aws_s3_bucket\.([^.]+)\.bucket\}$/.exec(String(ref))?.[1];
      return key ? tf.resource.aws_s3_bucket![key]!.bucket : undefined;
    };
    expect(bucketOf(tf.output.control_bucket!.value)).toBe('terratower-dataset-control-exp-1');
    expect(bucketOf(tf.output.experiment_bucket!.value)).toBe('terratower-dataset-experiment-exp-1');
    expect(Object.keys(tf.output.experiment_asg_names!.value as object).sort()).toEqual([
      'cassandra',
      'consumers',
      'kafka',
      'producers',
    ]);
    expect(tf.output.control_stack_name!.value).toBe('terratower-control');
  });

  it('validates both copies, paths prefixed with the arm', () => {
    let caught: unknown;
    try {
      experimentSpecs(withDefaults({ dataset: { bucket: 'b'.repeat(60) } }), { kafka: { brokers: 2 } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const paths = (caught as SpecError).issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'control.dataset.bucket',
        'experiment.dataset.bucket',
        'experiment.kafka.replicationFactor',
      ]),
    );
    expect(paths).not.toContain('control.kafka.replicationFactor');
  });
});
