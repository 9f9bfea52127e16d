/**
 * `StatefulCluster`: members that heal themselves and keep their identity. Each member is an
 * Auto Scaling group of exactly one instance pinned to its zone's private subnet, plus a
 * persistent network interface with a fixed private IP and a persistent encrypted EBS volume.
 * The member's user data attaches both at boot, so a replaced member comes back with the same
 * id, address and data. `KafkaCluster` and `CassandraCluster` configure it.
 *
 * Members are not instance-refreshed: refreshing single-member groups would replace every
 * member at once. A launch template change reaches a member when it is next replaced.
 */
import { Construct, Token } from '../cdktf.ts';
import { AutoscalingGroup, EbsVolume, LaunchTemplate, NetworkInterface } from '../provider-aws.ts';
import { PORTS } from '../../spec/ports.ts';
import { TAG_KEYS } from '../../spec/tags.ts';
import type { ClusterMember, StatefulRole } from '../../spec/derive.ts';
import { instanceArnPattern } from './aws-account.ts';
import { InstanceIamRole, ssmManagedInstanceStatements } from './iam.ts';
import { instanceTags, placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';
import { launchTemplateHardening } from './launch-template-defaults.ts';
import type { Network } from './network.ts';
import { PeerSecurityGroup } from './security-group.ts';
import { userDataBase64 } from './user-data-encoding.ts';
import { snapshotTargetTag } from './data-volume-snapshots.ts';
import type { UserDataLogs } from './user-data-logs.ts';
import { renderUserData, type UserDataOptions } from './user-data.ts';

/** A port the members use among themselves. */
export interface PeerPort {
  /** TCP port. */
  port: number;
  /** What it carries, for the rule's description. */
  description: string;
}

/** Props of `StatefulCluster`. */
export interface StatefulClusterProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** The network the members live in. */
  network: Network;
  /** Which cluster: names the group, the AMI role, the env file and the unit. */
  role: StatefulRole;
  /** The members, with zone and fixed address (`clusterMembers(spec, role)`). */
  members: ClusterMember[];
  /** Env file of one member (see user-data.ts). */
  memberEnv: (member: ClusterMember) => Record<string, string>;
  /** AMI id. */
  imageId: string;
  /** EC2 instance type. */
  instanceType: string;
  /** Size of each member's persistent data volume, GiB. */
  volumeSizeGiB: number;
  /** EBS type of the data volumes. @default 'gp3' */
  volumeType?: string;
  /** KMS key (ARN) encrypting the data volumes. @default the account's AWS-managed EBS key */
  volumeKmsKeyArn?: string;
  /** Size of the (disposable, encrypted) root volume, GiB. @default 30 */
  rootVolumeSizeGiB?: number;
  /** Ports the members use among themselves. */
  peerPorts: PeerPort[];
  /** Ports the client fleets connect to. */
  clientPorts: PeerPort[];
  /** Seconds after launch before EC2 health checks can replace a member. @default 300 */
  healthCheckGraceSeconds?: number;
  /** Grant Session Manager access (the harness port-forwards through it). @default false */
  ssmAccess?: boolean;
  /**
   * More of one member's user data: secrets read at boot, files, services (see user-data.ts).
   * The caller grants the role what they need (`role.addStatements`). @default none
   */
  memberUserData?: (member: ClusterMember) => MemberUserDataExtras;
  /** Ship each member's user-data and cloud-init output to this log group. @default not shipped */
  logs?: UserDataLogs;
}

/** The optional parts of a member's user data a cluster may add. */
export type MemberUserDataExtras = Pick<UserDataOptions, 'secrets' | 'files' | 'services'>;

/** The persistent and replaceable parts of one member. */
export interface StatefulMember {
  /** Member identity and address. */
  readonly member: ClusterMember;
  /** The persistent network interface carrying the fixed address. */
  readonly networkInterface: NetworkInterface;
  /** The persistent data volume. */
  readonly volume: EbsVolume;
  /** The member's launch template (its user data names the interface and volume). */
  readonly launchTemplate: LaunchTemplate;
  /** The Auto Scaling group of one that keeps the member running. */
  readonly autoScalingGroup: AutoscalingGroup;
}

/** A cluster of self-healing members with stable identities. */
export class StatefulCluster extends Construct {
  /** Security group of the members. */
  readonly securityGroup: PeerSecurityGroup;
  /** The members' instance role. */
  readonly role: InstanceIamRole;
  /** The members. */
  readonly members: readonly StatefulMember[];
  private readonly clientPorts: PeerPort[];

  /** @param props see `StatefulClusterProps` */
  constructor(scope: Construct, id: string, props: StatefulClusterProps) {
    super(scope, id);
    const { identity, network, role } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`StatefulCluster "${id}"`);
    if (props.members.length === 0) check.fail('members', props.members, 'at least one member');
    check.instanceType('instanceType', props.instanceType);
    check.nonEmpty('imageId', props.imageId);
    check.wholeNumber('volumeSizeGiB', props.volumeSizeGiB, 1, 16_384);
    if (props.rootVolumeSizeGiB !== undefined)
      check.wholeNumber('rootVolumeSizeGiB', props.rootVolumeSizeGiB, 8, 16_384);
    if (props.healthCheckGraceSeconds !== undefined)
      check.wholeNumber('healthCheckGraceSeconds', props.healthCheckGraceSeconds, 0);
    for (const m of props.members) network.privateSubnetIn(m.zone);
    const prefix = resourceName(identity, role);
    this.clientPorts = props.clientPorts;
    this.securityGroup = new PeerSecurityGroup(this, 'security-group', {
      identity,
      name: prefix,
      description: `${role} members of ${identity.stackName}: peers, client fleets and monitoring only`,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      placement: { group: role },
    });
    for (const p of props.peerPorts) this.securityGroup.allowPeers(p.port, `${role} peers: ${p.description}`);
    for (const p of props.clientPorts) this.securityGroup.allowPeers(p.port, `${role} peers: ${p.description}`);

    this.role = new InstanceIamRole(this, 'role', {
      identity,
      name: prefix,
      placement: { group: role },
      statements: [
        ...(props.ssmAccess ? ssmManagedInstanceStatements(this, identity) : []),
        ...(props.logs ? [props.logs.writeStatement()] : []),
      ],
    });

    this.members = props.members.map((member) => {
      const placement = { group: role, zone: member.zone, member: member.id };
      const name = resourceName(identity, member.id);
      const subnet = network.privateSubnetIn(member.zone);
      const networkInterface = new NetworkInterface(this, `${member.id}-eni`, {
        subnetId: subnet.id,
        privateIps: [member.privateIp],
        securityGroups: [this.securityGroup.securityGroupId],
        description: `${name}: persistent address ${member.privateIp}`,
        tags: placementTags(identity, name, placement),
      });
      const volume = new EbsVolume(this, `${member.id}-data`, {
        availabilityZone: member.zone,
        size: props.volumeSizeGiB,
        type: props.volumeType ?? 'gp3',
        encrypted: true,
        ...(props.volumeKmsKeyArn ? { kmsKeyId: props.volumeKmsKeyArn } : {}),
        // The run-scoped snapshot tag: a DataVolumeSnapshots policy (spec.snapshots) targets it.
        tags: { ...placementTags(identity, `${name}-data`, placement), ...snapshotTargetTag(identity) },
      });
      const userData = renderUserData({
        role,
        region: identity.region,
        env: props.memberEnv(member),
        attach: { networkInterfaceId: networkInterface.id, volumeId: volume.id, privateIp: member.privateIp },
        ...(props.memberUserData?.(member) ?? {}),
        ...(props.logs ? { logShipping: { logGroupName: props.logs.logGroupName } } : {}),
      });
      const tags = instanceTags(identity, name, placement);
      const launchTemplate = new LaunchTemplate(this, `${member.id}-lt`, {
        name,
        imageId: props.imageId,
        instanceType: props.instanceType,
        vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
        iamInstanceProfile: { arn: this.role.instanceProfile.arn },
        userData: userDataBase64(userData),
        updateDefaultVersion: true,
        ...launchTemplateHardening(props.rootVolumeSizeGiB ?? 30, tags),
        tags: placementTags(identity, name, placement),
      });
      const autoScalingGroup = new AutoscalingGroup(this, `${member.id}-asg`, {
        name,
        minSize: 1,
        maxSize: 1,
        desiredCapacity: 1,
        vpcZoneIdentifier: [subnet.id],
        launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
        healthCheckType: 'EC2',
        healthCheckGracePeriod: props.healthCheckGraceSeconds ?? 300,
        enabledMetrics: ['GroupInServiceInstances', 'GroupDesiredCapacity'],
        tag: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        dependsOn: [networkInterface, volume],
      });
      return { member, networkInterface, volume, launchTemplate, autoScalingGroup };
    });

    this.role.addStatements({
      sid: 'AttachOwnPersistentParts',
      actions: ['ec2:AttachVolume', 'ec2:AttachNetworkInterface'],
      resources: [
        ...this.members.map((m) => m.volume.arn),
        ...this.members.map((m) => m.networkInterface.arn),
        instanceArnPattern(this, identity.region),
      ],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${TAG_KEYS.stack}`]: identity.stackName,
          [`aws:ResourceTag/${TAG_KEYS.runId}`]: identity.runId,
          [`aws:ResourceTag/${TAG_KEYS.group}`]: role,
        },
      },
    });
  }

  /** Auto Scaling group names, one per member, in member order. */
  get autoScalingGroupNames(): string[] {
    return this.members.map((m) => m.autoScalingGroup.name);
  }

  /** Fixed private addresses, in member order. */
  get addresses(): string[] {
    return this.members.map((m) => m.member.privateIp);
  }

  /** Admit a client fleet's security group on the client ports. */
  admitClients(label: string, securityGroupId: string): void {
    for (const p of this.clientPorts)
      this.securityGroup.allowFrom(label, securityGroupId, p.port, `${label}: ${p.description}`);
  }

  /** Admit the monitoring instance's security group on the exporter ports. */
  admitScraper(securityGroupId: string): void {
    this.securityGroup.allowFrom('monitoring', securityGroupId, PORTS.jmxExporter, 'monitoring: JMX exporter');
    this.securityGroup.allowFrom('monitoring', securityGroupId, PORTS.nodeExporter, 'monitoring: node exporter');
  }
}
