/**
 * AwsTarget's SDK calls against a real moto server over HTTP (no hand-written mocks): a VPC with
 * a subnet per zone, a launch template and the pipeline's Auto Scaling groups are created in moto
 * with the SDK, then AwsTarget's methods run and the state moto reports is checked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateLaunchTemplateCommand,
  CreateNetworkAclCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVolumesCommand,
  EC2Client,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/harness/dataset/index.ts';
import { startMoto, type MotoServer } from '../../src/harness/moto.ts';
import { AwsTarget, type AwsDeployment } from '../../src/harness/targets/aws.ts';
import { runAutoScalingGroups } from '../../src/harness/targets/aws-sweep.ts';
import { defaultSpec } from '../../src/spec/index.ts';
import { TAG_KEYS } from '../../src/spec/tags.ts';
import type { GroupName } from '../../src/spec/index.ts';

const REGION = 'eu-west-1';
const ZONES = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const RUN_ID = 'moto-run-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let moto: MotoServer;
let ec2: EC2Client;
let autoScaling: AutoScalingClient;
let s3: S3Client;
let cloudWatch: CloudWatchClient;
let ssm: SSMClient;
let deployment: AwsDeployment;
let target: AwsTarget;
let vpcId: string;
const subnets: Record<string, string> = {};
const tmp: string[] = [];

const runTags = (extra: Record<string, string> = {}) =>
  Object.entries({ [TAG_KEYS.project]: 'terratower', [TAG_KEYS.runId]: RUN_ID, ...extra }).map(([Key, Value]) => ({
    Key,
    Value,
  }));

async function createAsg(
  name: string,
  group: GroupName,
  size: number,
  zones: string[],
  member?: string,
): Promise<void> {
  await autoScaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      MinSize: size === 0 ? 0 : 1,
      MaxSize: Math.max(size, 6),
      DesiredCapacity: size,
      LaunchTemplate: { LaunchTemplateName: 'tt-app', Version: '$Latest' },
      VPCZoneIdentifier: zones.map((z) => subnets[z]).join(','),
      Tags: runTags({ [TAG_KEYS.group]: group, ...(member ? { [TAG_KEYS.member]: member } : {}) }).map((t) => ({
        ...t,
        PropagateAtLaunch: true,
      })),
    }),
  );
}

async function asg(name: string) {
  return (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups![0]!;
}

async function instanceState(id: string): Promise<string | undefined> {
  const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return res.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

/** One JSON-protocol call seen on the wire (SSM speaks AWS JSON 1.1: `X-Amz-Target: AmazonSSM.<Op>`). */
interface WireCall {
  target: string;
  body: Record<string, unknown>;
}

/**
 * A pass-through HTTP proxy in front of moto that records the JSON-protocol calls it forwards:
 * what the SDK really sent, for checks moto's own read-back cannot give.
 */
async function recordingProxy(
  upstream: string,
): Promise<{ endpoint: string; calls: WireCall[]; close(): Promise<void> }> {
  const up = new URL(upstream);
  const calls: WireCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string')
        calls.push({ target, body: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown> });
      const forward = request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (e) => res.destroy(e));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  moto = await startMoto();
  const common = { region: REGION, endpoint: moto.endpoint, credentials };
  ec2 = new EC2Client(common);
  autoScaling = new AutoScalingClient(common);
  s3 = new S3Client({ ...common, forcePathStyle: true });
  cloudWatch = new CloudWatchClient(common);
  ssm = new SSMClient(common);

  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
  for (const [i, zone] of ZONES.entries()) {
    subnets[zone] = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.40.${10 + i}.0/24`, AvailabilityZone: zone }),
      )
    ).Subnet!.SubnetId!;
  }
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images!.find((im) => im.ImageId)!.ImageId!;
  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'tt-app',
      LaunchTemplateData: { ImageId: image, InstanceType: 't3.medium' },
    }),
  );
  await createAsg('tt-producers', 'producers', 1, ZONES);
  await createAsg('tt-consumers', 'consumers', 3, ZONES);
  const groups: Record<GroupName, string[]> = {
    producers: ['tt-producers'],
    consumers: ['tt-consumers'],
    kafka: [],
    cassandra: [],
  };
  for (const g of ['kafka', 'cassandra'] as const) {
    for (const [i, zone] of ZONES.entries()) {
      const name = `tt-${g}-${i + 1}`;
      await createAsg(name, g, 1, [zone], `${g}-${i + 1}`);
      groups[g].push(name);
    }
  }
  deployment = {
    endpoints: {
      s3Endpoint: moto.endpoint,
      bucket: 'tt-dataset-moto',
      kafkaBootstrap: ['10.40.10.16:9092'],
      cassandraContactPoints: ['10.40.10.32:9042'],
      groups,
    },
    vpcId,
    subnetIdsByZone: Object.fromEntries(ZONES.map((z) => [z, [subnets[z]!]])),
    stackName: 'tt',
  };
  const spec = { ...defaultSpec(), region: REGION, zones: ZONES };
  spec.dataset = { ...spec.dataset, bucket: 'tt-dataset-moto' };
  target = new AwsTarget({ spec, runId: RUN_ID, deployed: deployment, aws: { endpoint: moto.endpoint, credentials } });
}, 180_000);

afterAll(async () => {
  target?.close();
  for (const c of [ec2, autoScaling, s3, cloudWatch, ssm]) c?.destroy();
  await moto?.stop();
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
});

describe('AwsTarget against moto', () => {
  it('deploy() of an attached deployment waits for every group in service and returns its endpoints', async () => {
    const endpoints = await target.deploy();
    expect(endpoints.groups.kafka).toEqual(['tt-kafka-1', 'tt-kafka-2', 'tt-kafka-3']);
  });

  it('groupState sums the ASGs of a group; stateful members are named by their member tag', async () => {
    const kafka = await target.groupState('kafka');
    expect(kafka).toMatchObject({ group: 'kafka', desired: 3, min: 3 });
    expect(kafka.members.map((m) => [m.id, m.zone, m.lifecycle])).toEqual([
      ['kafka-1', 'eu-west-1a', 'InService'],
      ['kafka-2', 'eu-west-1b', 'InService'],
      ['kafka-3', 'eu-west-1c', 'InService'],
    ]);
    expect(kafka.inServiceByZone).toEqual({ 'eu-west-1a': 1, 'eu-west-1b': 1, 'eu-west-1c': 1 });
    for (const m of kafka.members) expect(m.address).toMatch(/^10\.40\.1\d\.\d+$/);
    const consumers = await target.groupState('consumers');
    expect(consumers.desired).toBe(3);
    expect(consumers.members).toHaveLength(3);
    expect(consumers.members[0]!.id).toMatch(/^i-/);
  });

  it('killMembers terminates in the ASG without lowering desired; the group replaces the member', async () => {
    const before = await target.groupState('kafka');
    const oldInstance = before.instanceIds['kafka-2']!;
    const killed = await target.killMembers('kafka', { ids: ['kafka-2'] });
    expect(killed).toEqual(['kafka-2']);
    expect(['shutting-down', 'terminated']).toContain(await instanceState(oldInstance));
    const group = await asg('tt-kafka-2');
    expect(group.DesiredCapacity).toBe(1);
    const after = await target.groupState('kafka');
    expect(after.instanceIds['kafka-2']).toBeDefined();
    expect(after.instanceIds['kafka-2']).not.toBe(oldInstance);
  });

  it('killMembers by percent picks members in service of an app group', async () => {
    const killed = await target.killMembers('consumers', { percent: 50 });
    expect(killed).toHaveLength(2);
    for (const id of killed) expect(['shutting-down', 'terminated']).toContain(await instanceState(id));
    expect((await asg('tt-consumers')).DesiredCapacity).toBe(3);
  });

  it('setDesired changes an app group; stateful groups refuse', async () => {
    await target.setDesired('consumers', 5);
    const group = await asg('tt-consumers');
    expect(group.DesiredCapacity).toBe(5);
    expect((await target.groupState('consumers')).desired).toBe(5);
    await expect(target.setDesired('kafka', 4)).rejects.toThrow(/fixed by the spec/);
    await target.setDesired('consumers', 3);
  });

  describe('stressCpu (SSM Run Command AWSFIS-Run-CPU-Stress, as FIS aws:ssm:send-command)', () => {
    let proxy: Awaited<ReturnType<typeof recordingProxy>>;
    let wired: AwsTarget;
    const sendCommands = () => proxy.calls.filter((c) => c.target === 'AmazonSSM.SendCommand');

    beforeAll(async () => {
      proxy = await recordingProxy(moto.endpoint);
      wired = new AwsTarget({
        spec: { ...defaultSpec(), region: REGION, zones: ZONES },
        runId: RUN_ID,
        deployed: deployment,
        aws: { endpoint: proxy.endpoint, credentials },
      });
    });
    afterAll(async () => {
      wired?.close();
      await proxy?.close();
    });

    it("sends the document to exactly the group's in-service instances with its parameters, and waits until they run", async () => {
      const inService = (await asg('tt-consumers'))
        .Instances!.filter((i) => i.LifecycleState === 'InService')
        .map((i) => i.InstanceId!)
        .sort();
      expect(inService.length).toBeGreaterThanOrEqual(2);
      await wired.stressCpu({ group: 'consumers', seconds: 45, workers: 2 });

      // On the wire: one SendCommand, to exactly those instances, with the document's parameters.
      expect(sendCommands()).toHaveLength(1);
      const sent = sendCommands()[0]!.body;
      expect(sent.DocumentName).toBe('AWSFIS-Run-CPU-Stress');
      expect([...(sent.InstanceIds as string[])].sort()).toEqual(inService);
      expect(sent.Parameters).toEqual({ DurationSeconds: ['45'], CPU: ['2'], InstallDependencies: ['True'] });

      // What the target recorded: which members were stressed, under which command.
      const run = wired.cpuStresses.at(-1)!;
      expect(run.group).toBe('consumers');
      expect(run.invocations.map((i) => i.instanceId).sort()).toEqual(inService);
      expect(run.invocations.every((i) => i.status === 'Success' || i.status === 'InProgress')).toBe(true);
      // It waited by reading each instance's invocation of that command.
      const reads = proxy.calls.filter((c) => c.target === 'AmazonSSM.GetCommandInvocation');
      expect(reads.every((c) => c.body.CommandId === run.commandId)).toBe(true);
      expect([...new Set(reads.map((c) => c.body.InstanceId as string))].sort()).toEqual(inService);

      // Read back from SSM. moto 5.2.5 adds every EC2 instance of the region to a command sent
      // without Targets, so its InstanceIds is a superset of what was sent (checked on the wire above).
      const listed = (await ssm.send(new ListCommandsCommand({ CommandId: run.commandId }))).Commands!;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        DocumentName: 'AWSFIS-Run-CPU-Stress',
        Parameters: { DurationSeconds: ['45'], CPU: ['2'], InstallDependencies: ['True'] },
      });
      expect(listed[0]!.InstanceIds).toEqual(expect.arrayContaining(inService));
      for (const id of inService) {
        const invocation = await ssm.send(
          new GetCommandInvocationCommand({ CommandId: run.commandId, InstanceId: id }),
        );
        expect(invocation).toMatchObject({ DocumentName: 'AWSFIS-Run-CPU-Stress', InstanceId: id, Status: 'Success' });
      }
    });

    it("named members of a stateful group: only that member's instance, one stressor by default", async () => {
      const before = sendCommands().length;
      const kafka = await wired.groupState('kafka');
      const member = kafka.members.find((m) => m.lifecycle === 'InService')!;
      await wired.stressCpu({ group: 'kafka', seconds: 30, memberIds: [member.id] });
      const sent = sendCommands().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body.InstanceIds).toEqual([kafka.instanceIds[member.id]]);
      expect(sent[0]!.body.Parameters).toEqual({
        DurationSeconds: ['30'],
        CPU: ['1'],
        InstallDependencies: ['True'],
      });
      expect(wired.cpuStresses.at(-1)!.invocations).toEqual([
        { memberId: member.id, instanceId: kafka.instanceIds[member.id], status: 'Success' },
      ]);
    });

    it('a group with no instance in service: a clear error, and no command sent', async () => {
      // An empty group tagged for another run, so this run's sweep leaves it alone.
      await autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: 'tt-idle-producers',
          MinSize: 0,
          MaxSize: 2,
          DesiredCapacity: 0,
          LaunchTemplate: { LaunchTemplateName: 'tt-app', Version: '$Latest' },
          VPCZoneIdentifier: subnets['eu-west-1a'],
          Tags: [{ Key: TAG_KEYS.runId, Value: 'another-run', PropagateAtLaunch: true }],
        }),
      );
      const idle = new AwsTarget({
        spec: { ...defaultSpec(), region: REGION, zones: ZONES },
        runId: RUN_ID,
        deployed: {
          ...deployment,
          endpoints: {
            ...deployment.endpoints,
            groups: { ...deployment.endpoints.groups, producers: ['tt-idle-producers'] },
          },
        },
        aws: { endpoint: proxy.endpoint, credentials },
      });
      const before = sendCommands().length;
      try {
        await expect(idle.stressCpu({ group: 'producers', seconds: 30 })).rejects.toThrow(
          /^stressCpu producers: no member in service to stress \(members: none; desired 0\)/,
        );
      } finally {
        idle.close();
      }
      expect(sendCommands().length).toBe(before);
      expect(idle.cpuStresses).toEqual([]);
    });
  });

  it("scalingActivities reads the groups' activities since a time", async () => {
    const since = new Date(Date.now() - 3600_000);
    const activities = await target.scalingActivities(since);
    expect(Array.isArray(activities)).toBe(true);
    for (const a of activities) {
      expect(Date.parse(a.time)).toBeGreaterThanOrEqual(since.getTime());
      expect(['producers', 'consumers', 'kafka', 'cassandra']).toContain(a.group);
    }
    expect(await target.scalingActivities(new Date(Date.now() + 3600_000))).toEqual([]);
  });

  it("zone disrupt swaps the zone's subnet to a deny-all ACL and restore puts the original back", async () => {
    const zone = 'eu-west-1b';
    const subnet = subnets[zone]!;
    const aclOf = async (): Promise<string> =>
      (
        await ec2.send(
          new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnet] }] }),
        )
      ).NetworkAcls![0]!.NetworkAclId!;
    const original = await aclOf();
    await target.zoneOutage(zone, 'disrupt');
    const [disruption] = target.disruptions();
    expect(disruption!.subnets).toEqual([expect.objectContaining({ subnetId: subnet, originalAclId: original })]);
    expect(await aclOf()).toBe(disruption!.denyAclId);
    const deny = (await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [disruption!.denyAclId] })))
      .NetworkAcls![0]!;
    const rules = deny.Entries!.filter((e) => e.RuleNumber === 100);
    expect(rules.map((e) => [e.Egress, e.RuleAction, e.CidrBlock]).sort()).toEqual([
      [false, 'deny', '0.0.0.0/0'],
      [true, 'deny', '0.0.0.0/0'],
    ]);
    expect(deny.Tags).toEqual(expect.arrayContaining([{ Key: TAG_KEYS.runId, Value: RUN_ID }]));
    // Members there are cut off: not in service as far as the scenario is concerned.
    const kafka = await target.groupState('kafka');
    expect(kafka.members.find((m) => m.zone === zone)!.lifecycle).toBe('Frozen');
    expect(kafka.inServiceByZone[zone]).toBe(0);

    await target.zoneRestore(zone);
    expect(await aclOf()).toBe(original);
    const remaining = (await ec2.send(new DescribeNetworkAclsCommand({}))).NetworkAcls!.map((a) => a.NetworkAclId);
    expect(remaining).not.toContain(disruption!.denyAclId);
    expect(target.disruptions()).toEqual([]);
    expect((await target.groupState('kafka')).inServiceByZone[zone]).toBe(1);
  });

  it('zone power outage terminates every member in the zone', async () => {
    const zone = 'eu-west-1c';
    const before = await Promise.all((['kafka', 'cassandra'] as const).map((g) => target.groupState(g)));
    const inZone = before.flatMap((s) => s.members.filter((m) => m.zone === zone).map((m) => s.instanceIds[m.id]!));
    expect(inZone.length).toBeGreaterThanOrEqual(2);
    await target.zoneOutage(zone, 'power');
    for (const id of inZone) expect(['shutting-down', 'terminated']).toContain(await instanceState(id));
  });

  it("clusterCpu reads CPUUtilization of the stateful groups' ASGs from CloudWatch", async () => {
    const now = new Date();
    const put = async (asgName: string, value: number) =>
      cloudWatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/EC2',
          MetricData: [
            {
              MetricName: 'CPUUtilization',
              Dimensions: [{ Name: 'AutoScalingGroupName', Value: asgName }],
              Value: value,
              Unit: 'Percent',
              Timestamp: new Date(now.getTime() - 30_000),
            },
          ],
        }),
      );
    await put('tt-kafka-1', 30);
    await put('tt-kafka-2', 50);
    await put('tt-kafka-3', 70);
    await put('tt-cassandra-1', 80);
    const cpu = await target.clusterCpu(now);
    expect(cpu.kafka).toBe(50);
    expect(cpu.cassandra).toBe(80);
  });

  it('uploadDataset puts the generated objects and manifest into the bucket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tt-aws-dataset-'));
    tmp.push(dir);
    await generateDataset({ rows: 500, objects: 2, malformedFraction: 0.02, seed: 'moto', outDir: dir });
    const uploaded = await target.uploadDataset(dir);
    expect(uploaded.keys).toHaveLength(2);
    expect(uploaded.bytes).toBeGreaterThan(0);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'tt-dataset-moto', Prefix: 'payments/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    for (const key of uploaded.keys) expect(keys).toContain(key);
    expect(keys).toContain('payments/_meta/manifest.json');
  });

  it('teardown sweeps what is still tagged with the run id and leaves the rest', async () => {
    // Leftovers terraform would not know about: a volume, an ENI, a deny ACL still associated, a bucket.
    const volume = (
      await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: 'eu-west-1a',
          Size: 1,
          TagSpecifications: [{ ResourceType: 'volume', Tags: runTags() }],
        }),
      )
    ).VolumeId!;
    const other = (
      await ec2.send(
        new CreateVolumeCommand({
          AvailabilityZone: 'eu-west-1a',
          Size: 1,
          TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: TAG_KEYS.runId, Value: 'another-run' }] }],
        }),
      )
    ).VolumeId!;
    const eni = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnets['eu-west-1a'],
          TagSpecifications: [{ ResourceType: 'network-interface', Tags: runTags() }],
        }),
      )
    ).NetworkInterface!.NetworkInterfaceId!;
    const acl = (
      await ec2.send(
        new CreateNetworkAclCommand({
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'network-acl', Tags: runTags() }],
        }),
      )
    ).NetworkAcl!.NetworkAclId!;
    const assoc = (
      await ec2.send(
        new DescribeNetworkAclsCommand({
          Filters: [{ Name: 'association.subnet-id', Values: [subnets['eu-west-1a']!] }],
        }),
      )
    ).NetworkAcls![0]!.Associations!.find((a) => a.SubnetId === subnets['eu-west-1a'])!.NetworkAclAssociationId!;
    await ec2.send(new ReplaceNetworkAclAssociationCommand({ AssociationId: assoc, NetworkAclId: acl }));
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'tt-leftover-bucket',
        CreateBucketConfiguration: { LocationConstraint: REGION },
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: 'tt-leftover-bucket', Key: 'x.csv', Body: 'a' }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: 'tt-leftover-bucket', Tagging: { TagSet: runTags() } }));

    await target.teardown();
    const swept = target.lastSweep!;
    expect(swept.errors).toEqual([]);
    expect(swept.autoScalingGroups.sort()).toEqual([
      'tt-cassandra-1',
      'tt-cassandra-2',
      'tt-cassandra-3',
      'tt-consumers',
      'tt-kafka-1',
      'tt-kafka-2',
      'tt-kafka-3',
      'tt-producers',
    ]);
    expect(swept.volumes).toContain(volume);
    expect(swept.volumes).not.toContain(other);
    expect(swept.networkInterfaces).toEqual([eni]);
    expect(swept.networkAcls).toEqual([acl]);
    expect(swept.buckets).toEqual(['tt-leftover-bucket']);
    const running = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${TAG_KEYS.runId}`, Values: [RUN_ID] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    expect((running.Reservations ?? []).flatMap((r) => r.Instances ?? [])).toEqual([]);

    expect(await runAutoScalingGroups({ autoScaling } as never, RUN_ID)).toEqual([]);
    const volumes = (await ec2.send(new DescribeVolumesCommand({}))).Volumes!.map((v) => v.VolumeId);
    expect(volumes).not.toContain(volume);
    expect(volumes).toContain(other);
    expect(
      (
        await ec2.send(
          new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: [eni] }] }),
        )
      ).NetworkInterfaces,
    ).toEqual([]);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets!.map((b) => b.Name)).not.toContain('tt-leftover-bucket');
    // The subnet went back to the VPC's default ACL.
    const now = (
      await ec2.send(
        new DescribeNetworkAclsCommand({
          Filters: [{ Name: 'association.subnet-id', Values: [subnets['eu-west-1a']!] }],
        }),
      )
    ).NetworkAcls![0]!;
    expect(now.IsDefault).toBe(true);
  });
});
