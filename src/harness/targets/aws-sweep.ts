/**
 * After destroy: find anything still tagged with the run id and delete it — Auto Scaling groups,
 * instances, launch templates, EBS volumes and snapshots, network interfaces, network ACLs (a
 * zone disruption that was never restored), buckets, and (aws-sweep-services.ts) IAM roles and
 * instance profiles, log groups, alarms, topics, secrets and snapshot policies. What terraform
 * lost track of still costs money.
 */
import {
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import {
  DeleteLaunchTemplateCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeAddressesCommand,
  DescribeFlowLogsCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  ReplaceNetworkAclAssociationCommand,
  TerminateInstancesCommand,
  type Filter,
} from '@aws-sdk/client-ec2';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketTaggingCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { TAG_KEYS } from '../../spec/tags.ts';
import type { AwsClients } from './aws-clients.ts';
import {
  SERVICE_INVENTORY_TYPES,
  serviceInventory,
  sweepServices,
  type ServiceInventory,
} from './aws-sweep-services.ts';

/** What a sweep deleted, by kind, and what it could not. */
export interface SweepReport {
  autoScalingGroups: string[];
  instances: string[];
  launchTemplates: string[];
  volumes: string[];
  networkInterfaces: string[];
  networkAcls: string[];
  buckets: string[];
  /** EBS snapshots tagged with the run id (DLM snapshots of the data volumes). */
  snapshots: string[];
  /** IAM roles and instance profiles, log groups, alarms, topics, secrets, DLM policies deleted. */
  services: Partial<ServiceInventory>;
  errors: string[];
  /** What is still tagged with the run id after the sweep (`runInventory`): empty when nothing is left. */
  remaining: RunInventory;
}

/**
 * Everything still tagged with a run id, by resource type: every EC2 resource type (EC2
 * `DescribeTags` by the run tag: instances, volumes, snapshots, interfaces, VPCs, subnets, route
 * tables, gateways, addresses, security groups and their rules, launch templates, ACLs,
 * endpoints, flow logs), `autoscaling-group`, `s3-bucket`, and `SERVICE_INVENTORY_TYPES`:
 * `iam-role`, `iam-instance-profile`, `log-group`, `cloudwatch-alarm`, `sns-topic`, `secret`,
 * `dlm-policy` (not listed against an emulator without DLM). Only types with something left
 * appear.
 */
export type RunInventory = Record<string, string[]>;

/** Terraform resource type → the `RunInventory` key it shows up under (taggable types the stacks create). */
export const INVENTORY_TYPE_OF: Readonly<Record<string, string>> = {
  aws_instance: 'instance',
  aws_ebs_volume: 'volume',
  aws_network_interface: 'network-interface',
  aws_vpc: 'vpc',
  aws_subnet: 'subnet',
  aws_route_table: 'route-table',
  aws_internet_gateway: 'internet-gateway',
  aws_nat_gateway: 'natgateway',
  aws_eip: 'elastic-ip',
  aws_security_group: 'security-group',
  aws_default_security_group: 'security-group',
  aws_vpc_security_group_ingress_rule: 'security-group-rule',
  aws_vpc_security_group_egress_rule: 'security-group-rule',
  aws_launch_template: 'launch-template',
  aws_network_acl: 'network-acl',
  aws_vpc_endpoint: 'vpc-endpoint',
  aws_flow_log: 'vpc-flow-log',
  aws_autoscaling_group: 'autoscaling-group',
  aws_s3_bucket: 's3-bucket',
  aws_iam_role: 'iam-role',
  aws_iam_instance_profile: 'iam-instance-profile',
  aws_cloudwatch_log_group: 'log-group',
  aws_cloudwatch_metric_alarm: 'cloudwatch-alarm',
  aws_sns_topic: 'sns-topic',
  aws_secretsmanager_secret: 'secret',
  aws_dlm_lifecycle_policy: 'dlm-policy',
};

/**
 * Resource types the stacks create that are parts of another resource and go with it, so the
 * sweep has nothing of their own to list: type → the `RunInventory` type they belong to.
 */
export const PART_OF_TYPE: Readonly<Record<string, string>> = {
  aws_autoscaling_policy: 'autoscaling-group',
  aws_autoscaling_schedule: 'autoscaling-group',
  aws_iam_role_policy: 'iam-role',
  aws_route_table_association: 'route-table',
  aws_s3_bucket_lifecycle_configuration: 's3-bucket',
  aws_s3_bucket_ownership_controls: 's3-bucket',
  aws_s3_bucket_policy: 's3-bucket',
  aws_s3_bucket_public_access_block: 's3-bucket',
  aws_s3_bucket_server_side_encryption_configuration: 's3-bucket',
  aws_s3_bucket_versioning: 's3-bucket',
  aws_secretsmanager_secret_version: 'secret',
};

/** Resource types as moto spells them in DescribeTags → as AWS does. */
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  'nat-gateway': 'natgateway',
  'flow-logs': 'vpc-flow-log',
  'vpc-elastic-ip': 'elastic-ip',
};

/** An error that says the resource does not exist (any more). */
function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; message?: string };
  return /NotFound|does not exist|InvalidAllocationID|InvalidGroup\.NotFound/i.test(`${e.name} ${e.Code} ${e.message}`);
}

/**
 * Whether a resource DescribeTags named still exists. The tag index can outlive the resource
 * (moto 5.2.5 keeps the tags of deleted ACLs, gateways, security groups, launch templates…), so
 * each one is described by id; deleted NAT gateways and endpoints count as gone.
 */
async function stillExists(ec2: AwsClients['ec2'], type: string, id: string): Promise<boolean> {
  const checks: Record<string, () => Promise<boolean>> = {
    volume: async () => ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes ?? []).length > 0,
    'network-interface': async () =>
      ((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }))).NetworkInterfaces ?? [])
        .length > 0,
    vpc: async () => ((await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs ?? []).length > 0,
    subnet: async () => ((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets ?? []).length > 0,
    'route-table': async () =>
      ((await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables ?? []).length > 0,
    'internet-gateway': async () =>
      ((await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways ?? [])
        .length > 0,
    natgateway: async () =>
      ((await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways ?? []).some(
        (n) => n.State !== 'deleted' && n.State !== 'deleting',
      ),
    'elastic-ip': async () =>
      ((await ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses ?? []).length > 0,
    'security-group': async () =>
      ((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }))).SecurityGroups ?? []).length > 0,
    'security-group-rule': async () =>
      ((await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [id] }))).SecurityGroupRules ?? [])
        .length > 0,
    'launch-template': async () =>
      ((await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates ?? []).length >
      0,
    'network-acl': async () =>
      ((await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [id] }))).NetworkAcls ?? []).length > 0,
    'vpc-endpoint': async () =>
      ((await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }))).VpcEndpoints ?? []).some(
        (e) => !/^deleted|^deleting/i.test(e.State ?? ''),
      ),
    'vpc-flow-log': async () =>
      ((await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs ?? []).length > 0,
    snapshot: async () =>
      ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots ?? []).length > 0,
  };
  const check = checks[type];
  if (!check) return true; // a type we cannot describe: reported as found
  try {
    return await check();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** List what is tagged with `runId` (see `RunInventory`). Throws when a listing fails. */
export async function runInventory(clients: AwsClients, runId: string): Promise<RunInventory> {
  const tagged: RunInventory = {};
  const add = (into: RunInventory, type: string, id: string): void => {
    const list = (into[type] ??= []);
    if (!list.includes(id)) list.push(id);
  };
  let NextToken: string | undefined;
  do {
    const page = await clients.ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'key', Values: [TAG_KEYS.runId] },
          { Name: 'value', Values: [runId] },
        ],
        NextToken,
      }),
    );
    for (const t of page.Tags ?? [])
      if (t.ResourceType && t.ResourceId) add(tagged, TYPE_ALIASES[t.ResourceType] ?? t.ResourceType, t.ResourceId);
    NextToken = page.NextToken;
  } while (NextToken);
  // Elastic IPs are not in every DescribeTags (moto leaves them out): list them by tag.
  const addresses = await clients.ec2.send(new DescribeAddressesCommand({ Filters: tagFilter(runId) }));
  for (const a of addresses.Addresses ?? []) if (a.AllocationId) add(tagged, 'elastic-ip', a.AllocationId);

  const out: RunInventory = {};
  // Terminated instances keep their tags for a while: they are gone, not left.
  for (const id of tagged.instance ?? []) {
    try {
      const live = await clients.ec2.send(
        new DescribeInstancesCommand({
          InstanceIds: [id],
          Filters: [{ Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] }],
        }),
      );
      if ((live.Reservations ?? []).some((r) => (r.Instances ?? []).length > 0)) add(out, 'instance', id);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  for (const [type, ids] of Object.entries(tagged)) {
    if (type === 'instance') continue;
    for (const id of ids) if (await stillExists(clients.ec2, type, id)) add(out, type, id);
  }
  for (const g of await runAutoScalingGroups(clients, runId))
    add(out, 'autoscaling-group', g.AutoScalingGroupName ?? '');
  for (const name of await runBuckets(clients, runId)) add(out, 's3-bucket', name);
  const services = await serviceInventory(clients, runId);
  for (const type of SERVICE_INVENTORY_TYPES) for (const name of services[type]) add(out, type, name);
  return out;
}

/** Buckets tagged with the run id. */
async function runBuckets(clients: AwsClients, runId: string): Promise<string[]> {
  const out: string[] = [];
  const buckets = await clients.s3.send(new ListBucketsCommand({}));
  for (const b of buckets.Buckets ?? []) {
    const name = b.Name!;
    try {
      const tags = await clients.s3.send(new GetBucketTaggingCommand({ Bucket: name }));
      if (tags.TagSet?.some((t) => t.Key === TAG_KEYS.runId && t.Value === runId)) out.push(name);
    } catch {
      // no tags (NoSuchTagSet) or not ours to read
    }
  }
  return out;
}

/** Whether a sweep found nothing at all. */
export function sweptNothing(r: SweepReport): boolean {
  return [
    r.autoScalingGroups,
    r.instances,
    r.launchTemplates,
    r.volumes,
    r.networkInterfaces,
    r.networkAcls,
    r.buckets,
    r.snapshots,
    ...Object.values(r.services),
  ].every((l) => l.length === 0);
}

const tagFilter = (runId: string): Filter[] => [{ Name: `tag:${TAG_KEYS.runId}`, Values: [runId] }];

async function attempt(report: SweepReport, what: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (error) {
    report.errors.push(`${what}: ${(error as Error).message}`);
    return false;
  }
}

/** Auto Scaling groups tagged with the run id (filtered client-side: every API and emulator supports that). */
export async function runAutoScalingGroups(clients: AwsClients, runId: string): Promise<AutoScalingGroup[]> {
  const out: AutoScalingGroup[] = [];
  let NextToken: string | undefined;
  do {
    const page = await clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ NextToken }));
    for (const g of page.AutoScalingGroups ?? [])
      if (g.Tags?.some((t) => t.Key === TAG_KEYS.runId && t.Value === runId)) out.push(g);
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Delete everything tagged `terratower:run-id = runId`. Never throws: failures are in `errors`. */
export async function sweepRun(clients: AwsClients, runId: string): Promise<SweepReport> {
  const r: SweepReport = {
    autoScalingGroups: [],
    instances: [],
    launchTemplates: [],
    volumes: [],
    networkInterfaces: [],
    networkAcls: [],
    buckets: [],
    snapshots: [],
    services: {},
    errors: [],
    remaining: {},
  };
  const { autoScaling, ec2, s3 } = clients;

  await attempt(r, 'auto scaling groups', async () => {
    for (const g of await runAutoScalingGroups(clients, runId)) {
      const name = g.AutoScalingGroupName!;
      if (
        await attempt(r, `delete ASG ${name}`, () =>
          autoScaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })),
        )
      ) {
        r.autoScalingGroups.push(name);
      }
    }
  });

  await attempt(r, 'instances', async () => {
    const found = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          ...tagFilter(runId),
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    );
    const ids = (found.Reservations ?? [])
      .flatMap((res) => res.Instances ?? [])
      .map((i) => i.InstanceId!)
      .filter(Boolean);
    if (
      ids.length > 0 &&
      (await attempt(r, `terminate ${ids.join(', ')}`, () =>
        ec2.send(new TerminateInstancesCommand({ InstanceIds: ids })),
      ))
    )
      r.instances.push(...ids);
  });

  await attempt(r, 'launch templates', async () => {
    const found = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: tagFilter(runId) }));
    for (const lt of found.LaunchTemplates ?? []) {
      const id = lt.LaunchTemplateId!;
      if (
        await attempt(r, `delete launch template ${id}`, () =>
          ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: id })),
        )
      )
        r.launchTemplates.push(id);
    }
  });

  await attempt(r, 'volumes', async () => {
    const found = await ec2.send(new DescribeVolumesCommand({ Filters: tagFilter(runId) }));
    for (const v of found.Volumes ?? []) {
      const id = v.VolumeId!;
      if (await attempt(r, `delete volume ${id}`, () => ec2.send(new DeleteVolumeCommand({ VolumeId: id }))))
        r.volumes.push(id);
    }
  });

  await attempt(r, 'network interfaces', async () => {
    const found = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: tagFilter(runId) }));
    for (const n of found.NetworkInterfaces ?? []) {
      const id = n.NetworkInterfaceId!;
      if (
        await attempt(r, `delete network interface ${id}`, () =>
          ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id })),
        )
      )
        r.networkInterfaces.push(id);
    }
  });

  await attempt(r, 'network ACLs', async () => {
    const found = await ec2.send(new DescribeNetworkAclsCommand({ Filters: tagFilter(runId) }));
    for (const acl of found.NetworkAcls ?? []) {
      const id = acl.NetworkAclId!;
      // Subnets still on it go back to the VPC's default ACL first.
      if (acl.Associations && acl.Associations.length > 0) {
        const defaults = await ec2.send(
          new DescribeNetworkAclsCommand({
            Filters: [
              { Name: 'vpc-id', Values: [acl.VpcId!] },
              { Name: 'default', Values: ['true'] },
            ],
          }),
        );
        const defaultId = defaults.NetworkAcls?.[0]?.NetworkAclId;
        for (const a of acl.Associations) {
          if (!defaultId || !a.NetworkAclAssociationId) continue;
          await attempt(r, `re-associate ${a.SubnetId}`, () =>
            ec2.send(
              new ReplaceNetworkAclAssociationCommand({
                AssociationId: a.NetworkAclAssociationId,
                NetworkAclId: defaultId,
              }),
            ),
          );
        }
      }
      if (
        await attempt(r, `delete network ACL ${id}`, () => ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: id })))
      )
        r.networkAcls.push(id);
    }
  });

  await attempt(r, 'buckets', async () => {
    for (const name of await runBuckets(clients, runId)) {
      const emptied = await attempt(r, `empty bucket ${name}`, async () => {
        let KeyMarker: string | undefined;
        let VersionIdMarker: string | undefined;
        for (;;) {
          const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, KeyMarker, VersionIdMarker }));
          const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({
            Key: v.Key!,
            ...(v.VersionId ? { VersionId: v.VersionId } : {}),
          }));
          if (objects.length > 0)
            await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: objects, Quiet: true } }));
          if (!page.IsTruncated) break;
          KeyMarker = page.NextKeyMarker;
          VersionIdMarker = page.NextVersionIdMarker;
        }
      });
      if (
        emptied &&
        (await attempt(r, `delete bucket ${name}`, () => s3.send(new DeleteBucketCommand({ Bucket: name }))))
      )
        r.buckets.push(name);
    }
  });
  await attempt(r, 'snapshots', async () => {
    const found = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: tagFilter(runId) }));
    for (const snap of found.Snapshots ?? []) {
      const id = snap.SnapshotId!;
      if (await attempt(r, `delete snapshot ${id}`, () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }))))
        r.snapshots.push(id);
    }
  });

  r.services = await sweepServices(clients, runId, r.errors);

  await attempt(r, 'inventory after the sweep', async () => {
    r.remaining = await runInventory(clients, runId);
  });
  return r;
}
