/**
 * `Monitoring`: one Prometheus + Grafana instance in a private subnet. It finds the stack's
 * instances with EC2 service discovery (by the stack tag) and scrapes them; the fleets and
 * clusters admit its security group on their metrics ports (`admitScraper`). No ingress of its
 * own: reach Grafana and Prometheus through a Session Manager port forward.
 */
import { Construct } from '../cdktf.ts';
import { Instance } from '../provider-aws.ts';

import type { PipelineSpec } from '../../spec/types.ts';
import { InstanceIamRole, ssmManagedInstanceStatements } from './iam.ts';
import { placementTags, resourceName, type StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import { tagWithIdentity } from './tagging.ts';
import type { Network } from './network.ts';
import { PeerSecurityGroup } from './security-group.ts';
import { userDataBase64 } from './user-data-encoding.ts';
import type { UserDataLogs } from './user-data-logs.ts';
import { monitoringEnv, renderUserData } from './user-data.ts';

/** Props of `Monitoring`. */
export interface MonitoringProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** The (validated) spec: region, scrape interval, instance type. */
  spec: PipelineSpec;
  /** The network; the instance goes to the first private subnet. */
  network: Network;
  /** AMI with Prometheus, Grafana and the `terratower-monitoring` unit. */
  imageId: string;
  /** Root volume size, GiB (holds the Prometheus TSDB). @default 50 */
  rootVolumeSizeGiB?: number;
  /** Ship the instance's user-data and cloud-init output here. @default not shipped */
  logs?: UserDataLogs;
}

/** The monitoring instance. */
export class Monitoring extends Construct {
  /** Security group of the instance: admit it on the metrics ports of what it scrapes. */
  readonly securityGroup: PeerSecurityGroup;
  /** The instance role (EC2 describe for service discovery, Session Manager). */
  readonly role: InstanceIamRole;
  /** The instance. */
  readonly instance: Instance;

  /** @param props see `MonitoringProps` */
  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { identity, network, spec } = props;
    tagWithIdentity(this, identity);
    const check = new PropsCheck(`Monitoring "${id}"`);
    check.instanceType('spec.monitoring.instanceType', spec.monitoring.instanceType);
    check.nonEmpty('imageId', props.imageId);
    if (props.rootVolumeSizeGiB !== undefined)
      check.wholeNumber('rootVolumeSizeGiB', props.rootVolumeSizeGiB, 8, 16_384);
    const name = resourceName(identity, 'monitoring');
    const zone = network.zones[0]!;
    this.securityGroup = new PeerSecurityGroup(this, 'security-group', {
      identity,
      name,
      description: `monitoring of ${identity.stackName}: no ingress, Session Manager only`,
      vpcId: network.vpcId,
      vpcCidr: network.vpcCidr,
      placement: { group: 'monitoring' },
    });
    this.role = new InstanceIamRole(this, 'role', {
      identity,
      name,
      placement: { group: 'monitoring' },
      statements: [
        {
          // Describe calls support no resource-level permissions: AWS requires "*".
          sid: 'Ec2ServiceDiscovery',
          actions: ['ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'],
          resources: ['*'],
        },
        ...ssmManagedInstanceStatements(this, identity),
        ...(props.logs ? [props.logs.writeStatement()] : []),
      ],
    });
    this.instance = new Instance(this, 'instance', {
      ami: props.imageId,
      instanceType: spec.monitoring.instanceType,
      subnetId: network.privateSubnetIn(zone).id,
      vpcSecurityGroupIds: [this.securityGroup.securityGroupId],
      iamInstanceProfile: this.role.instanceProfile.name,
      userDataBase64: userDataBase64(
        renderUserData({
          role: 'monitoring',
          region: identity.region,
          env: monitoringEnv(spec, identity.stackName),
          ...(props.logs ? { logShipping: { logGroupName: props.logs.logGroupName } } : {}),
        }),
      ),
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: 'enabled',
      },
      rootBlockDevice: {
        volumeSize: props.rootVolumeSizeGiB ?? 50,
        volumeType: 'gp3',
        encrypted: true,
        deleteOnTermination: true,
      },
      monitoring: true,
      ebsOptimized: true,
      tags: placementTags(identity, name, { group: 'monitoring', zone }),
      volumeTags: placementTags(identity, `${name}-root`, { group: 'monitoring', zone }),
    });
  }
}
