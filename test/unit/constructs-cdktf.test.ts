import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AmiCatalog } from '../../src/aws/constructs/amis.ts';
import { DatasetBucket } from '../../src/aws/constructs/dataset-bucket.ts';
import type { StackIdentity } from '../../src/aws/constructs/identity.ts';
import { KafkaCluster } from '../../src/aws/constructs/kafka-cluster.ts';
import { Network } from '../../src/aws/constructs/network.ts';
import { ServiceFleet } from '../../src/aws/constructs/service-fleet.ts';
import { defaultSpec, withDefaults } from '../../src/spec/index.ts';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Synthesize what `build` adds to a test stack; return the resource blocks by type. */
function synth(build: (scope: Construct) => void): { json: string; resources: Resources; data: Resources } {
  const json = Testing.synthScope(build);
  const parsed = JSON.parse(json) as { resource?: Resources; data?: Resources };
  return { json, resources: parsed.resource ?? {}, data: parsed.data ?? {} };
}

function list<T = Record<string, unknown>>(resources: Resources, type: string): T[] {
  return Object.values(resources[type] ?? {}) as T[];
}

const identity: StackIdentity = { stackName: 'tt-test', runId: 'r1', region: 'eu-west-1', extraTags: {} };

function network(scope: Construct, natGateways: 'single' | 'perZone' = 'single'): Network {
  const s = defaultSpec();
  return new Network(scope, 'network', {
    identity,
    vpcCidr: s.network.vpcCidr,
    zones: s.zones,
    publicSubnetCidrs: s.network.publicSubnetCidrs,
    privateSubnetCidrs: s.network.privateSubnetCidrs,
    natGateways,
  });
}

describe('Network', () => {
  it('one public and one private subnet per zone, no public IPs on launch', () => {
    const { resources } = synth((scope) => network(scope));
    const subnets = list<{ availability_zone: string; cidr_block: string; map_public_ip_on_launch: boolean }>(
      resources,
      'aws_subnet',
    );
    expect(subnets).toHaveLength(6);
    expect(subnets.map((s) => s.cidr_block).sort()).toEqual(
      ['10.40.0.0/24', '10.40.1.0/24', '10.40.2.0/24', '10.40.10.0/24', '10.40.11.0/24', '10.40.12.0/24'].sort(),
    );
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
    expect(list(resources, 'aws_internet_gateway')).toHaveLength(1);
    expect(list(resources, 'aws_nat_gateway')).toHaveLength(1);
    expect(list(resources, 'aws_default_security_group')[0]).toMatchObject({ ingress: [], egress: [] });
  });

  it("perZone NAT: each private route table uses its own zone's NAT gateway", () => {
    const { resources } = synth((scope) => network(scope, 'perZone'));
    const nats = resources.aws_nat_gateway!;
    expect(Object.keys(nats)).toHaveLength(3);
    expect(list(resources, 'aws_eip')).toHaveLength(3);
    const privateTables = list<{ route: { nat_gateway_id?: string }[] }>(resources, 'aws_route_table').filter(
      (t) => t.route[0]?.nat_gateway_id,
    );
    const natRefs = privateTables.map((t) => t.route[0]!.nat_gateway_id);
    expect(new Set(natRefs).size).toBe(3);
  });
});

describe('Network flow logs (opt-in)', () => {
  it('logs all traffic to a log group with a retention, through a role limited to that group', () => {
    const s = defaultSpec();
    const { resources } = synth(
      (scope) =>
        new Network(scope, 'network', {
          identity,
          vpcCidr: s.network.vpcCidr,
          zones: s.zones,
          publicSubnetCidrs: s.network.publicSubnetCidrs,
          privateSubnetCidrs: s.network.privateSubnetCidrs,
          flowLogs: true,
        }),
    );
    const [groupKey, group] = Object.entries(resources.aws_cloudwatch_log_group!)[0]!;
    expect(group).toMatchObject({ name: '/terratower/tt-test-r1/vpc-flow-logs', retention_in_days: 14 });
    expect(list(resources, 'aws_flow_log')[0]).toMatchObject({
      traffic_type: 'ALL',
      log_destination_type: 'cloud-watch-logs',
      log_destination: `\${aws_cloudwatch_log_group.${groupKey}.arn}`,
    });
    const policy = JSON.parse(list<{ policy: string }>(resources, 'aws_iam_role_policy')[0]!.policy);
    expect(policy.Statement[0].Resource).toEqual([
      `\${aws_cloudwatch_log_group.${groupKey}.arn}`,
      `\${aws_cloudwatch_log_group.${groupKey}.arn}:*`,
    ]);
  });

  it('is off by default', () => {
    const { resources } = synth((scope) => network(scope));
    expect(resources.aws_flow_log).toBeUndefined();
  });
});

describe('DatasetBucket', () => {
  it('encrypted, versioned, public access blocked, ACLs disabled, TLS only, with a lifecycle', () => {
    const { resources } = synth(
      (scope) => new DatasetBucket(scope, 'dataset', { identity, bucketName: 'tt-data', prefix: 'payments/' }),
    );
    expect(list(resources, 'aws_s3_bucket')[0]).toMatchObject({ bucket: 'tt-data', force_destroy: false });
    expect(list(resources, 'aws_s3_bucket_server_side_encryption_configuration')[0]).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: 'AES256' } }],
    });
    expect(list(resources, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(list(resources, 'aws_s3_bucket_versioning')[0]).toMatchObject({
      versioning_configuration: { status: 'Enabled' },
    });
    expect(list(resources, 'aws_s3_bucket_ownership_controls')[0]).toMatchObject({
      rule: { object_ownership: 'BucketOwnerEnforced' },
    });
    const lifecycle = list<{ rule: { id: string }[] }>(resources, 'aws_s3_bucket_lifecycle_configuration')[0]!;
    expect(lifecycle.rule.map((r) => r.id)).toEqual(['expire-noncurrent-versions', 'abort-incomplete-uploads']);
    const policy = JSON.parse(list<{ policy: string }>(resources, 'aws_s3_bucket_policy')[0]!.policy);
    expect(policy.Statement[0]).toMatchObject({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });
});

describe('KafkaCluster (self-healing members)', () => {
  const spec = withDefaults({ kafka: { brokers: 4 } });
  const built = synth((scope) => {
    const net = network(scope);
    new KafkaCluster(scope, 'kafka', { identity, spec, network: net, imageId: 'ami-kafka' });
  });
  const { resources } = built;

  it("an Auto Scaling group of exactly one per member, pinned to its zone's private subnet", () => {
    const asgs = list<{
      name: string;
      min_size: number;
      max_size: number;
      desired_capacity: number;
      vpc_zone_identifier: string[];
    }>(resources, 'aws_autoscaling_group');
    expect(asgs.map((a) => a.name).sort()).toEqual([
      'tt-test-r1-kafka-1',
      'tt-test-r1-kafka-2',
      'tt-test-r1-kafka-3',
      'tt-test-r1-kafka-4',
    ]);
    const subnetKey = (zoneIndex: number) =>
      Object.entries(resources.aws_subnet!).find(
        ([, s]) => s.cidr_block === spec.network.privateSubnetCidrs[zoneIndex],
      )![0];
    for (const asg of asgs) {
      expect([asg.min_size, asg.max_size, asg.desired_capacity]).toEqual([1, 1, 1]);
      expect(asg.vpc_zone_identifier).toHaveLength(1);
    }
    const fourth = asgs.find((a) => a.name === 'tt-test-r1-kafka-4')!;
    expect(fourth.vpc_zone_identifier[0]).toBe(`\${aws_subnet.${subnetKey(0)}.id}`);
  });

  it('a persistent network interface with a fixed IP and an encrypted volume per member, both in its zone', () => {
    const enis = list<{ private_ips: string[]; tags: Record<string, string> }>(resources, 'aws_network_interface');
    expect(enis.map((e) => e.private_ips[0]).sort()).toEqual([
      '10.40.10.16',
      '10.40.10.17',
      '10.40.11.16',
      '10.40.12.16',
    ]);
    const volumes = list<{ availability_zone: string; encrypted: boolean; size: number; tags: Record<string, string> }>(
      resources,
      'aws_ebs_volume',
    );
    expect(volumes).toHaveLength(4);
    for (const v of volumes) {
      expect(v.encrypted).toBe(true);
      expect(v.size).toBe(100);
      expect(v.tags['terratower:zone']).toBe(v.availability_zone);
    }
    expect(volumes.find((v) => v.tags['terratower:member'] === 'kafka-4')!.availability_zone).toBe('eu-west-1a');
  });

  it("each member's user data attaches its own interface and volume", () => {
    const templates = resources.aws_launch_template!;
    const eniKey = (member: string) =>
      Object.entries(resources.aws_network_interface!).find(
        ([, e]) => (e.tags as Record<string, string>)['terratower:member'] === member,
      )![0];
    const volKey = (member: string) =>
      Object.entries(resources.aws_ebs_volume!).find(
        ([, e]) => (e.tags as Record<string, string>)['terratower:member'] === member,
      )![0];
    for (const member of ['kafka-1', 'kafka-4']) {
      const lt = Object.values(templates).find((t) => t.name === `tt-test-r1-${member}`)!;
      const userData = lt.user_data as string;
      expect(userData).toContain(`aws_network_interface.${eniKey(member)}.id`);
      expect(userData).toContain(`aws_ebs_volume.${volKey(member)}.id`);
      expect(lt.metadata_options).toMatchObject({ http_tokens: 'required' });
    }
  });

  it('security group: peers on 9092/9093, no CIDR ingress', () => {
    const ingress = list<{ from_port: number; cidr_ipv4?: string; referenced_security_group_id?: string }>(
      resources,
      'aws_vpc_security_group_ingress_rule',
    );
    // The network's interface endpoints admit HTTPS from the VPC; the brokers admit only peers.
    const endpointRules = ingress.filter((r) => r.cidr_ipv4 !== undefined);
    expect(endpointRules.map((r) => [r.from_port, r.cidr_ipv4])).toEqual([[443, '10.40.0.0/16']]);
    const brokerRules = ingress.filter((r) => r.cidr_ipv4 === undefined);
    expect(brokerRules.map((r) => r.from_port).sort()).toEqual([9092, 9093]);
    expect(brokerRules.every((r) => r.referenced_security_group_id)).toBe(true);
  });

  it('may attach only volumes and interfaces of its own stack and group', () => {
    const policy = JSON.parse(list<{ policy: string }>(resources, 'aws_iam_role_policy')[0]!.policy);
    const attach = policy.Statement.find((s: { Sid: string }) => s.Sid === 'AttachOwnPersistentParts');
    expect(attach.Action).toEqual(['ec2:AttachVolume', 'ec2:AttachNetworkInterface']);
    expect(attach.Resource).toHaveLength(4 + 4 + 1);
    expect(attach.Condition.StringEquals).toEqual({
      'aws:ResourceTag/terratower:stack': 'tt-test',
      'aws:ResourceTag/terratower:run-id': 'r1',
      'aws:ResourceTag/terratower:group': 'kafka',
    });
  });
});

describe('ServiceFleet', () => {
  const { resources, data } = synth((scope) => {
    const net = network(scope);
    const amis = new AmiCatalog(scope, 'amis');
    const dataset = new DatasetBucket(scope, 'dataset', { identity, bucketName: 'tt-data', prefix: 'payments/' });
    const fleet = new ServiceFleet(scope, 'consumers', {
      identity,
      network: net,
      group: 'consumers',
      imageId: amis.imageId('consumer'),
      instanceType: 't3.medium',
      min: 1,
      max: 6,
      desired: 2,
      healthCheckGraceSeconds: 90,
      warmupSeconds: 60,
      env: { TT_TOPIC: 'payments' },
      metricsNamespace: 'Terratower',
    });
    fleet.grantDatasetRead(dataset);
    fleet.scaleOnCpuUtilization('cpu', { targetPercent: 55 });
    fleet.scaleOnMetricPerMember('lag', {
      metric: {
        kind: 'perMember',
        namespace: 'Terratower',
        name: 'ConsumerGroupLag',
        dimensions: { ConsumerGroup: 'g' },
      },
      target: 5000,
    });
    fleet.scaleOnMetric('burst', {
      metric: { kind: 'cpu' },
      threshold: 80,
      comparison: 'above',
      evaluationPeriods: 2,
      steps: [
        { lowerBound: 0, upperBound: 10, change: 1 },
        { lowerBound: 10, change: 3 },
      ],
    });
    fleet.scaleOnSchedule('morning', { recurrence: '0 8 * * MON-FRI', desired: 4 });
  });

  it('an ASG over every private subnet with grace, warm-up, instance refresh and desired capacity left to scaling', () => {
    const asg = list(resources, 'aws_autoscaling_group')[0]!;
    expect(asg).toMatchObject({
      name: 'tt-test-r1-consumers',
      min_size: 1,
      max_size: 6,
      desired_capacity: 2,
      health_check_grace_period: 90,
      default_instance_warmup: 60,
    });
    expect(asg.vpc_zone_identifier).toHaveLength(3);
    expect(asg.instance_refresh).toMatchObject({ strategy: 'Rolling', preferences: { min_healthy_percentage: 50 } });
    expect(asg.lifecycle).toMatchObject({ ignore_changes: ['desired_capacity'] });
    const tags = asg.tag as { key: string; value: string; propagate_at_launch: boolean }[];
    expect(tags.filter((t) => t.propagate_at_launch).map((t) => t.key)).toEqual(
      expect.arrayContaining(['terratower:project', 'terratower:stack', 'terratower:run-id', 'terratower:group']),
    );
  });

  it('launch template: IMDSv2 required, encrypted root volume, AMI from the tag lookup of the shared app image', () => {
    const lt = list(resources, 'aws_launch_template')[0]!;
    expect(lt.metadata_options).toMatchObject({ http_tokens: 'required' });
    expect(lt.block_device_mappings).toMatchObject([{ ebs: { encrypted: 'true' } }]);
    expect(lt.image_id).toMatch(/^\$\{data\.aws_ami\./);
    expect(list(data, 'aws_ami')[0]).toMatchObject({
      owners: ['self'],
      filter: [{ name: 'tag:terratower:role', values: ['app'] }],
    });
  });

  it('target tracking on CPU (predefined) and on a metric per member (metric math)', () => {
    const policies = list<{
      name: string;
      policy_type: string;
      target_tracking_configuration?: Record<string, unknown>;
    }>(resources, 'aws_autoscaling_policy');
    const cpu = policies.find((p) => p.name.endsWith('-cpu'))!;
    expect(cpu.target_tracking_configuration).toMatchObject({
      target_value: 55,
      predefined_metric_specification: { predefined_metric_type: 'ASGAverageCPUUtilization' },
    });
    const lag = policies.find((p) => p.name.endsWith('-lag'))!;
    const metrics = (
      lag.target_tracking_configuration!.customized_metric_specification as {
        metrics: { id: string; expression?: string }[];
      }
    ).metrics;
    expect(metrics.map((m) => m.id)).toEqual(['total', 'members', 'perMember']);
    expect(metrics[2]!.expression).toBe('total / members');
  });

  it('step scaling with its CloudWatch alarm, and a scheduled action', () => {
    const step = list<{ policy_type: string; step_adjustment: Record<string, unknown>[] }>(
      resources,
      'aws_autoscaling_policy',
    ).find((p) => p.policy_type === 'StepScaling')!;
    expect(step.step_adjustment).toEqual([
      { scaling_adjustment: 1, metric_interval_lower_bound: '0', metric_interval_upper_bound: '10' },
      { scaling_adjustment: 3, metric_interval_lower_bound: '10' },
    ]);
    const alarm = list(resources, 'aws_cloudwatch_metric_alarm')[0]!;
    expect(alarm).toMatchObject({
      threshold: 80,
      evaluation_periods: 2,
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      metric_name: 'CPUUtilization',
    });
    expect((alarm.alarm_actions as string[])[0]).toMatch(/aws_autoscaling_policy\..*\.arn/);
    expect(list(resources, 'aws_autoscaling_schedule')[0]).toMatchObject({
      recurrence: '0 8 * * MON-FRI',
      desired_capacity: 4,
      min_size: -1,
      max_size: -1,
    });
  });

  it('IAM: dataset reads limited to the prefix; PutMetricData limited to its namespace', () => {
    const policy = JSON.parse(list<{ policy: string }>(resources, 'aws_iam_role_policy')[0]!.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.ReadDatasetObjects.Resource[0]).toMatch(/\.arn\}\/payments\/\*$/);
    expect(bySid.ListDatasetPrefix.Condition).toEqual({ StringLike: { 's3:prefix': ['payments/*'] } });
    expect(bySid.PutMetricsInOwnNamespace.Condition).toEqual({
      StringEquals: { 'cloudwatch:namespace': 'Terratower' },
    });
  });

  it('IAM: members are managed by SSM (AmazonSSMManagedInstanceCore equivalent) so Run Command CPU stress reaches them', () => {
    const policy = JSON.parse(list<{ policy: string }>(resources, 'aws_iam_role_policy')[0]!.policy);
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    const register = bySid.SsmRegisterThisStacksInstances;
    expect(register.Action).toContain('ssm:UpdateInstanceInformation');
    expect(register.Resource).toEqual([expect.stringMatching(/:ec2:eu-west-1:.*:instance\/\*$/)]);
    expect(register.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/terratower:stack': 'tt-test', 'aws:ResourceTag/terratower:run-id': 'r1' },
    });
    // Run Command delivery: the agent polls ec2messages (and the ssmmessages control channel on newer agents).
    expect(bySid.SsmSessionChannels.Action).toEqual(
      expect.arrayContaining([
        'ec2messages:GetMessages',
        'ec2messages:SendReply',
        'ec2messages:AcknowledgeMessage',
        'ssmmessages:CreateControlChannel',
      ]),
    );
    const profile = list<{ role: string }>(resources, 'aws_iam_instance_profile')[0]!;
    expect(profile.role).toMatch(/aws_iam_role\..*\.name/);
  });
});

describe('ServiceFleet.applyScaling (from a ScalingSpec)', () => {
  const { resources } = synth((scope) => {
    const net = network(scope);
    const fleet = new ServiceFleet(scope, 'consumers', {
      identity,
      network: net,
      group: 'consumers',
      imageId: 'ami-c',
      instanceType: 't3.medium',
      min: 1,
      max: 6,
      desired: 1,
      healthCheckGraceSeconds: 60,
      env: {},
    });
    fleet.applyScaling(
      {
        cooldownSeconds: 60,
        warmupSeconds: 30,
        targetTracking: { metric: 'consumerLag', target: 1000, disableScaleIn: true },
        stepScaling: [
          {
            name: 'lag-in',
            metric: 'consumerLag',
            threshold: 100,
            comparison: 'below',
            evaluationPeriods: 5,
            steps: [{ upperBound: 0, change: -1 }],
          },
        ],
        scheduled: [{ name: 'night', recurrence: '0 22 * * *', max: 2 }],
      },
      { kind: 'perMember', namespace: 'Terratower', name: 'ConsumerGroupLag', dimensions: { ConsumerGroup: 'g' } },
    );
  });

  it('creates the target-tracking, step and scheduled policies the spec names', () => {
    const policies = list<{
      name: string;
      policy_type: string;
      target_tracking_configuration?: Record<string, unknown>;
      step_adjustment?: unknown[];
    }>(resources, 'aws_autoscaling_policy');
    expect(policies.map((p) => p.name).sort()).toEqual([
      'tt-test-r1-consumers-step-lag-in',
      'tt-test-r1-consumers-target-lag',
    ]);
    expect(policies.find((p) => p.name.endsWith('target-lag'))!.target_tracking_configuration).toMatchObject({
      target_value: 1000,
      disable_scale_in: true,
    });
    expect(policies.find((p) => p.name.endsWith('step-lag-in'))!.step_adjustment).toEqual([
      { scaling_adjustment: -1, metric_interval_upper_bound: '0' },
    ]);
    const alarm = list(resources, 'aws_cloudwatch_metric_alarm')[0]!;
    expect(alarm).toMatchObject({
      comparison_operator: 'LessThanOrEqualToThreshold',
      threshold: 100,
      evaluation_periods: 5,
    });
    const queries = alarm.metric_query as {
      id: string;
      expression?: string;
      metric?: { namespace: string; dimensions: Record<string, string> };
    }[];
    expect(queries.map((q) => q.id)).toEqual(['total', 'members', 'perMember']);
    expect(queries[0]!.metric).toMatchObject({ namespace: 'Terratower', dimensions: { ConsumerGroup: 'g' } });
    expect(list(resources, 'aws_autoscaling_schedule')[0]).toMatchObject({
      scheduled_action_name: 'tt-test-r1-consumers-night',
      max_size: 2,
      min_size: -1,
      desired_capacity: -1,
    });
  });
});
