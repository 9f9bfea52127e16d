/**
 * Constructs that stand alone: each refuses props that cannot work in its constructor (the
 * message names the construct, the prop and the value), and tags every taggable resource it
 * creates with the project, stack and run-id tags and the user's tags, also in a bare user
 * stack whose provider has no default_tags. Plus the run-scoped names and the provider block.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Testing, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { fitName, resourceName, type StackIdentity } from '../../src/aws/constructs/identity.ts';
import { KafkaCluster } from '../../src/aws/constructs/kafka-cluster.ts';
import { CassandraCluster } from '../../src/aws/constructs/cassandra-cluster.ts';
import { Network } from '../../src/aws/constructs/network.ts';
import { ServiceFleet, type ServiceFleetProps } from '../../src/aws/constructs/service-fleet.ts';
import { DatasetBucket } from '../../src/aws/constructs/dataset-bucket.ts';
import { ConstructPropsError } from '../../src/aws/constructs/props.ts';
import { PipelineStack } from '../../src/aws/stacks/pipeline-stack.ts';
import { AWS_PROVIDER_CONSTRAINT, AWS_STACK_SERVICES, awsServiceOfType } from '../../src/aws/stacks/provider.ts';
import { defaultSpec, type PipelineSpec, specIssues, withDefaults } from '../../src/spec/index.ts';

type Block = Record<string, unknown>;
type Resources = Record<string, Record<string, Block>>;

const identity: StackIdentity = {
  stackName: 'shop',
  runId: 'r7',
  region: 'eu-west-1',
  extraTags: { team: 'payments', 'cost-center': 'cc-42' },
};

function network(scope: Construct): Network {
  const s = defaultSpec();
  return new Network(scope, 'network', {
    identity,
    vpcCidr: s.network.vpcCidr,
    zones: s.zones,
    publicSubnetCidrs: s.network.publicSubnetCidrs,
    privateSubnetCidrs: s.network.privateSubnetCidrs,
  });
}

function fleetProps(net: Network, over: Partial<ServiceFleetProps> = {}): ServiceFleetProps {
  return {
    identity,
    network: net,
    group: 'producers',
    imageId: 'ami-123',
    instanceType: 't3.medium',
    min: 1,
    max: 3,
    desired: 1,
    healthCheckGraceSeconds: 60,
    env: {},
    ...over,
  };
}

/** The error `build` throws, as a ConstructPropsError. */
function propsError(build: (scope: Construct) => void): ConstructPropsError {
  try {
    Testing.synthScope(build);
  } catch (error) {
    expect(error).toBeInstanceOf(ConstructPropsError);
    return error as ConstructPropsError;
  }
  throw new Error('expected the construct to throw');
}

describe('constructs validate their props in the constructor', () => {
  const fleet = (over: Partial<ServiceFleetProps>) => (scope: Construct) =>
    new ServiceFleet(scope, 'fleet', fleetProps(network(scope), over));

  it('ServiceFleet: max below min names max, its value and min', () => {
    const e = propsError(fleet({ min: 5, max: 2, desired: 2 }));
    expect(e.prop).toBe('max');
    expect(e.message).toBe('ServiceFleet "fleet": max must be a whole number ≥ 1 and ≥ min (5), got 2');
  });

  it('ServiceFleet: desired -1', () => {
    const e = propsError(fleet({ desired: -1 }));
    expect(e.message).toBe('ServiceFleet "fleet": desired must be a whole number from 1 to 3, got -1');
  });

  it('ServiceFleet: min -1 and a fractional desired', () => {
    expect(propsError(fleet({ min: -1 })).message).toMatch(/min must be a whole number ≥ 0, got -1$/);
    expect(propsError(fleet({ desired: 1.5 })).message).toMatch(/desired must be .*, got 1\.5$/);
  });

  it('ServiceFleet: instance type "nonsense"', () => {
    const e = propsError(fleet({ instanceType: 'nonsense' }));
    expect(e.message).toBe(
      'ServiceFleet "fleet": instanceType must be an EC2 instance type such as "m5.large" (family.size), got "nonsense"',
    );
  });

  it('KafkaCluster with 0 brokers, CassandraCluster with 0 nodes', () => {
    const spec = defaultSpec();
    spec.kafka.brokers = 0;
    const k = propsError(
      (scope) => new KafkaCluster(scope, 'kafka', { identity, spec, network: network(scope), imageId: 'ami-1' }),
    );
    expect(k.message).toBe('KafkaCluster "kafka": spec.kafka.brokers must be a whole number ≥ 1, got 0');
    const spec2 = defaultSpec();
    spec2.cassandra.nodes = 0;
    const c = propsError(
      (scope) =>
        new CassandraCluster(scope, 'db', { identity, spec: spec2, network: network(scope), imageId: 'ami-1' }),
    );
    expect(c.message).toBe('CassandraCluster "db": spec.cassandra.nodes must be a whole number ≥ 1, got 0');
  });

  it('DatasetBucket with an invalid bucket name; Network with a CIDR list that does not match the zones', () => {
    expect(
      propsError((scope) => new DatasetBucket(scope, 'data', { identity, bucketName: 'No_Such', prefix: '' })).message,
    ).toMatch(/^DatasetBucket "data": bucketName must be a valid S3 bucket name \(it must .*\), got "No_Such"$/);
    expect(
      propsError(
        (scope) =>
          new Network(scope, 'net', {
            identity,
            vpcCidr: '10.0.0.0/16',
            zones: ['eu-west-1a', 'eu-west-1b'],
            publicSubnetCidrs: ['10.0.0.0/24'],
            privateSubnetCidrs: ['10.0.10.0/24', '10.0.11.0/24'],
          }),
      ).message,
    ).toBe('Network "net": publicSubnetCidrs must be one CIDR per zone (2), got ["10.0.0.0/24"]');
  });
});

describe('tags reach every taggable resource wherever a construct is used', () => {
  /** A user's own stack: their provider (no default_tags), their VPC, and our constructs. */
  function bareUserStack(): Resources {
    const app = new App({ outdir: join(tmpdir(), 'unused-outdir') });
    const stack = new TerraformStack(app, 'user-stack');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    new Vpc(stack, 'their-own-vpc', { cidrBlock: '10.9.0.0/16', tags: { Name: 'theirs' } });
    const net = network(stack);
    new ServiceFleet(stack, 'fleet', fleetProps(net));
    new KafkaCluster(stack, 'kafka', { identity, spec: defaultSpec(), network: net, imageId: 'ami-1' });
    new DatasetBucket(stack, 'data', { identity, bucketName: 'shop-data-r7', prefix: 'in/' });
    const json = JSON.parse(Testing.synth(stack)) as { resource: Resources; provider: { aws: Block[] } };
    expect(json.provider.aws[0]!.default_tags).toBeUndefined();
    return json.resource;
  }

  it('project, stack, run id and the user tags on every resource that has tags; the user’s own resource is left alone', () => {
    const resources = bareUserStack();
    let tagged = 0;
    for (const [type, blocks] of Object.entries(resources)) {
      for (const [key, block] of Object.entries(blocks)) {
        if (type === 'aws_vpc' && key.includes('their-own-vpc')) {
          expect(block.tags).toEqual({ Name: 'theirs' });
          continue;
        }
        if (block.tags === undefined) continue;
        tagged++;
        expect(block.tags, `${type}.${key}`).toMatchObject({
          'terratower:project': 'terratower',
          'terratower:stack': 'shop',
          'terratower:run-id': 'r7',
          team: 'payments',
          'cost-center': 'cc-42',
        });
      }
    }
    expect(tagged).toBeGreaterThan(30);
    // Types that carry tags in the AWS provider all got them (none of ours was left without `tags`).
    for (const type of [
      'aws_vpc',
      'aws_subnet',
      'aws_security_group',
      'aws_iam_role',
      'aws_launch_template',
      'aws_ebs_volume',
      'aws_s3_bucket',
      'aws_vpc_security_group_ingress_rule',
    ])
      expect(
        Object.values(resources[type] ?? {}).every((b) => b.tags !== undefined),
        type,
      ).toBe(true);
    // Auto Scaling groups tag their instances with propagate_at_launch.
    for (const asg of Object.values(resources.aws_autoscaling_group!)) {
      const tags = Object.fromEntries((asg.tag as { key: string; value: string }[]).map((t) => [t.key, t.value]));
      expect(tags).toMatchObject({ 'terratower:run-id': 'r7', team: 'payments' });
    }
  });
});

describe('names are scoped to the stack and the run', () => {
  const synthNames = (runId: string): Set<string> => {
    const app = Testing.app();
    const stack = new PipelineStack(app, 'terratower', { spec: defaultSpec(), runId });
    const tf = JSON.parse(Testing.synth(stack)) as { resource: Resources };
    const names = new Set<string>();
    for (const [type, blocks] of Object.entries(tf.resource))
      for (const b of Object.values(blocks)) {
        const name = (b.name ?? b.bucket ?? b.alarm_name ?? b.scheduled_action_name) as string | undefined;
        if (typeof name === 'string' && !name.startsWith('${')) names.add(`${type}:${name}`);
      }
    return names;
  };

  it('two runs of one spec share no bucket, IAM role, instance profile, ASG, launch template or security group name', () => {
    const a = synthNames('run-a');
    const b = synthNames('run-b');
    expect(a.size).toBeGreaterThan(20);
    expect([...a].filter((n) => b.has(n))).toEqual([]);
    expect(a).toContain('aws_s3_bucket:terratower-dataset-run-a');
    expect(a).toContain('aws_iam_role:terratower-run-a-kafka');
  });

  it('the default run id keeps the plain names (a hand-deployed stack)', () => {
    const names = synthNames('manual');
    expect(names).toContain('aws_s3_bucket:terratower-dataset');
    expect(names).toContain('aws_iam_role:terratower-kafka');
  });

  it('long names are cut to the service limit, deterministically, with a hash', () => {
    const long: StackIdentity = { ...identity, stackName: 'a-very-long-pipeline-nm', runId: 'r'.repeat(40) };
    const n = resourceName(long, 'cassandra-3');
    expect(n.length).toBeLessThanOrEqual(64);
    expect(n).toBe(resourceName(long, 'cassandra-3'));
    expect(n).not.toBe(resourceName(long, 'cassandra-2'));
    expect(fitName('x'.repeat(70), 63)).toMatch(/^x{54}-[0-9a-f]{8}$/);
  });

  it('force_destroy on the bucket only for disposable (harness) runs', () => {
    const bucketOf = (runId: string, disposable?: boolean) => {
      const stack = new PipelineStack(Testing.app(), 'terratower', {
        spec: defaultSpec(),
        runId,
        ...(disposable !== undefined ? { disposable } : {}),
      });
      const tf = JSON.parse(Testing.synth(stack)) as { resource: Resources };
      return Object.values(tf.resource.aws_s3_bucket!)[0]!;
    };
    expect(bucketOf('manual').force_destroy).toBe(false);
    expect(bucketOf('aws-20261128-1').force_destroy).toBe(true);
    expect(bucketOf('prod-2', false).force_destroy).toBe(false);
  });
});

describe('the provider block', () => {
  const synthStack = (endpoint?: string) => {
    const spec = withDefaults({ network: { flowLogs: true } });
    const stack = new PipelineStack(Testing.app(), 'terratower', {
      spec,
      runId: 'unit',
      ...(endpoint ? { awsEndpoint: { url: endpoint } } : {}),
    });
    return JSON.parse(Testing.synth(stack)) as {
      terraform: { required_providers: { aws: Block } };
      provider: { aws: Block[] };
      resource: Resources;
      data: Resources;
    };
  };

  it('admits the tested provider, 5.100.x, fully qualified', () => {
    const tf = synthStack();
    expect(tf.terraform.required_providers.aws).toEqual({ source: 'hashicorp/aws', version: AWS_PROVIDER_CONSTRAINT });
    expect(AWS_PROVIDER_CONSTRAINT).toBe('~> 5.100');
    expect(tf.provider.aws[0]!.endpoints).toBeUndefined();
    expect(tf.provider.aws[0]!.skip_credentials_validation).toBeUndefined();
  });

  it('an endpoint points every service the stack uses at the emulator, with test credentials and no AWS-only checks', () => {
    const tf = synthStack('http://127.0.0.1:5123/');
    const p = tf.provider.aws[0]!;
    expect(p).toMatchObject({
      access_key: 'testing',
      secret_key: 'testing',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
      skip_metadata_api_check: 'true',
      s3_use_path_style: true,
    });
    const endpoints = (p.endpoints as Record<string, string>[])[0]!;
    for (const service of AWS_STACK_SERVICES) expect(endpoints[service]).toBe('http://127.0.0.1:5123');
    // Every resource and data source type of the stack calls a service that has the endpoint.
    for (const type of [...Object.keys(tf.resource), ...Object.keys(tf.data)]) {
      const service = awsServiceOfType(type);
      expect(service, type).toBeDefined();
      expect(endpoints[service!], type).toBe('http://127.0.0.1:5123');
    }
    // moto 5.2.5 has no MonitorInstances: instances there go without detailed monitoring.
    for (const i of Object.values(tf.resource.aws_instance!)) expect(i.monitoring).toBe(false);
    expect(Object.values(synthStack().resource.aws_instance!)[0]!.monitoring).toBe(true);
  });

  it('refuses an endpoint that is not a URL, naming it', () => {
    expect(() => synthStack('localhost:5000/x')).toThrow(/AWS endpoint "localhost:5000\/x"/);
  });
});

describe('production-safe network defaults', () => {
  it('a spec that tolerates zone loss with one NAT gateway is refused, naming network.natGateways', () => {
    const issues = specIssues(withDefaults({ network: { natGateways: 'single' } }));
    const nat = issues.find((i) => i.path === 'network.natGateways');
    expect(nat?.message).toMatch(/set network\.natGateways to "perZone", or tolerateZoneLoss to false$/);
    expect(specIssues(withDefaults({ tolerateZoneLoss: false, network: { natGateways: 'single' } }))).toEqual([]);
  });

  it('the default stack: a NAT gateway per zone, each private subnet routed through its own', () => {
    const tf = JSON.parse(Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec: defaultSpec() }))) as {
      resource: Resources;
    };
    expect(Object.keys(tf.resource.aws_nat_gateway!)).toHaveLength(3);
  });

  it('interface endpoints for ec2, ssm, ssmmessages, monitoring and logs in the private subnets, HTTPS from the VPC only', () => {
    const { resource } = JSON.parse(Testing.synthScope((scope) => network(scope))) as { resource: Resources };
    const interfaces = Object.values(resource.aws_vpc_endpoint!).filter((e) => e.vpc_endpoint_type === 'Interface');
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(
      ['ec2', 'logs', 'monitoring', 'ssm', 'ssmmessages'].map((s) => `com.amazonaws.eu-west-1.${s}`),
    );
    for (const e of interfaces) {
      expect(e.private_dns_enabled).toBe(true);
      expect(e.subnet_ids as string[]).toHaveLength(3);
      expect((e.subnet_ids as string[]).every((s) => s.includes('private'))).toBe(true);
    }
    const rules = Object.values(resource.aws_vpc_security_group_ingress_rule!);
    expect(rules.map((r) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[443, 443, '10.40.0.0/16']]);
  });
});

describe('app fleets: health beyond EC2 status', () => {
  const synthFleet = (over: Partial<ServiceFleetProps> = {}) =>
    JSON.parse(Testing.synthScope((scope) => new ServiceFleet(scope, 'fleet', fleetProps(network(scope), over)))) as {
      resource: Resources;
    };

  it("members report Unhealthy to their own group when the app's /healthz fails three times", () => {
    const { resource } = synthFleet();
    const lt = Object.values(resource.aws_launch_template!)[0]!;
    // `${base64encode("…")}`: the script is in the expression, quotes escaped.
    const script = String(lt.user_data).replace(/\\"/g, '"');
    expect(script).toContain('curl -fsS -m 5 -o /dev/null "http://127.0.0.1:9400/healthz"');
    expect(script).toContain('if [ "$fails" -ge 3 ]');
    expect(script).toContain(
      'aws autoscaling set-instance-health --region eu-west-1 --instance-id "$INSTANCE_ID" --health-status Unhealthy --should-respect-grace-period',
    );
    expect(script).toContain('systemctl enable --now terratower-health.service');
    const policy = JSON.parse(String(Object.values(resource.aws_iam_role_policy!)[0]!.policy)) as {
      Statement: { Sid: string; Action: string[]; Resource: string[] }[];
    };
    const report = policy.Statement.find((s) => s.Sid === 'ReportOwnHealth')!;
    expect(report.Action).toEqual(['autoscaling:SetInstanceHealth']);
    expect(report.Resource).toHaveLength(1);
    expect(report.Resource[0]).toMatch(
      /:autoscaling:eu-west-1:.*:autoScalingGroup:\*:autoScalingGroupName\/shop-r7-producers$/,
    );
  });

  it('appHealthCheck: false leaves EC2 status checks only', () => {
    const { resource } = synthFleet({ appHealthCheck: false });
    const lt = Object.values(resource.aws_launch_template!)[0]!;
    expect(String(lt.user_data)).not.toContain('terratower-health');
    expect(String(Object.values(resource.aws_iam_role_policy!)[0]!.policy)).not.toContain('SetInstanceHealth');
  });
});

describe('customer-managed KMS keys (spec.encryption)', () => {
  const s3Key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const ebsKey = 'arn:aws:kms:eu-west-1:123456789012:key/abcd1234-12ab-34cd-56ef-1234567890ab';

  it('S3 with SSE-KMS and a bucket key, data volumes with the EBS key, producers may decrypt the dataset', () => {
    const spec = withDefaults({ encryption: { s3KmsKeyArn: s3Key, ebsKmsKeyArn: ebsKey } });
    const tf = JSON.parse(Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec, runId: 'k1' }))) as {
      resource: Resources;
    };
    const sse = Object.values(tf.resource.aws_s3_bucket_server_side_encryption_configuration!)[0]!;
    expect(sse.rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: s3Key },
        bucket_key_enabled: true,
      },
    ]);
    const volumes = Object.values(tf.resource.aws_ebs_volume!);
    expect(volumes).toHaveLength(6);
    expect(volumes.every((v) => v.kms_key_id === ebsKey && v.encrypted === true)).toBe(true);
    const producerPolicy = Object.values(tf.resource.aws_iam_role_policy!).find(
      (p) => p.name === 'terratower-k1-producers-policy',
    )!;
    expect(String(producerPolicy.policy)).toContain('"Sid":"DecryptDataset"');
  });

  it('a key that is not a KMS ARN is refused, naming the field', () => {
    const issues = specIssues(withDefaults({ encryption: { ebsKmsKeyArn: 'my-key' } }));
    expect(issues.map((i) => i.path)).toEqual(['encryption.ebsKmsKeyArn']);
    expect(issues[0]!.message).toMatch(/^"my-key" is not a KMS key ARN: give one such as arn:aws:kms:/);
  });
});

describe('CloudWatch alarms to SNS (spec.alarms)', () => {
  const synthAlarms = (alarms: PipelineSpec['alarms']) => {
    const spec = withDefaults({ alarms });
    return JSON.parse(Testing.synth(new PipelineStack(Testing.app(), 'terratower', { spec, runId: 'a1' }))) as {
      resource: Resources;
    };
  };

  it('off by default', () => {
    expect(synthAlarms(undefined).resource.aws_cloudwatch_metric_alarm).toBeUndefined();
  });

  it('consumer lag, fleets at max, every group short of desired, under-replicated partitions, unhealthy members, all to a new encrypted topic', () => {
    const tf = synthAlarms({ enabled: true, consumerLagMax: 20_000 });
    const topics = Object.entries(tf.resource.aws_sns_topic!);
    expect(topics).toHaveLength(1);
    expect(topics[0]![1]).toMatchObject({ name: 'terratower-a1-alarms', kms_master_key_id: 'alias/aws/sns' });
    const alarms = Object.values(tf.resource.aws_cloudwatch_metric_alarm!);
    expect(alarms.map((a) => a.alarm_name).sort()).toEqual(
      [
        'consumer-lag',
        'producers-at-max',
        'consumers-at-max',
        'producers-short',
        'consumers-short',
        'under-replicated',
        'producers-unhealthy',
        'consumers-unhealthy',
        ...['kafka-1', 'kafka-2', 'kafka-3', 'cassandra-1', 'cassandra-2', 'cassandra-3'].map((m) => `${m}-short`),
      ]
        .map((n) => `terratower-a1-${n}`)
        .sort(),
    );
    const topicRef = `\${aws_sns_topic.${topics[0]![0]}.arn}`;
    for (const a of alarms) expect(a.alarm_actions).toEqual([topicRef]);
    const lag = alarms.find((a) => a.alarm_name === 'terratower-a1-consumer-lag')!;
    expect(lag).toMatchObject({ namespace: 'Terratower', metric_name: 'ConsumerGroupLag', threshold: 20_000 });
  });

  it('a given topic is used, a bad ARN refused naming the field', () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:oncall';
    const tf = synthAlarms({ enabled: true, snsTopicArn: topic });
    expect(tf.resource.aws_sns_topic).toBeUndefined();
    expect(
      Object.values(tf.resource.aws_cloudwatch_metric_alarm!).every((a) => (a.alarm_actions as string[])[0] === topic),
    ).toBe(true);
    const issues = specIssues(withDefaults({ alarms: { enabled: true, snsTopicArn: 'oncall' } }));
    expect(issues.map((i) => i.path)).toEqual(['alarms.snsTopicArn']);
  });
});
