/**
 * `CassandraCluster`: Cassandra nodes as self-healing members, data center = region, a rack per
 * zone, evenly spaced tokens. Nodes admit each other on the internode and CQL ports, client
 * fleets on CQL only, the monitoring instance on the exporter ports. Session Manager access lets
 * the harness port-forward to CQL.
 */
import type { Construct } from 'constructs';
import { clusterMembers } from '../../spec/derive.ts';
import { PORTS } from '../../spec/ports.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import type { StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import type { Network } from './network.ts';
import { StatefulCluster } from './stateful-cluster.ts';
import { cassandraContactPoints, cassandraMemberEnv } from './user-data.ts';

/** Props of `CassandraCluster`. */
export interface CassandraClusterProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** The (validated) pipeline spec: nodes, zones, instance type, volume size. */
  spec: PipelineSpec;
  /** The network. */
  network: Network;
  /** AMI with Cassandra and the `terratower-cassandra` unit. */
  imageId: string;
  /** Seconds before EC2 health checks can replace a node. @default 600 */
  healthCheckGraceSeconds?: number;
  /** KMS key (ARN) for the data volumes. @default the account's AWS-managed EBS key */
  volumeKmsKeyArn?: string;
}

/** A Cassandra cluster of self-healing nodes. */
export class CassandraCluster extends StatefulCluster {
  /** Contact points, `ip:9042` per node. */
  readonly contactPoints: string[];
  /** `cluster_name` of the cluster. */
  readonly clusterName: string;

  /** @param props see `CassandraClusterProps` */
  constructor(scope: Construct, id: string, props: CassandraClusterProps) {
    const check = new PropsCheck(`CassandraCluster "${id}"`);
    check.wholeNumber('spec.cassandra.nodes', props.spec.cassandra.nodes, 1);
    check.instanceType('spec.cassandra.instanceType', props.spec.cassandra.instanceType);
    check.wholeNumber('spec.cassandra.volumeSizeGiB', props.spec.cassandra.volumeSizeGiB, 1, 16_384);
    const clusterName = props.identity.stackName;
    super(scope, id, {
      identity: props.identity,
      network: props.network,
      role: 'cassandra',
      members: clusterMembers(props.spec, 'cassandra'),
      memberEnv: (member) => cassandraMemberEnv(props.spec, member, clusterName),
      imageId: props.imageId,
      instanceType: props.spec.cassandra.instanceType,
      volumeSizeGiB: props.spec.cassandra.volumeSizeGiB,
      peerPorts: [{ port: PORTS.cassandraInternode, description: 'Cassandra internode' }],
      clientPorts: [{ port: PORTS.cassandraCql, description: 'CQL' }],
      healthCheckGraceSeconds: props.healthCheckGraceSeconds ?? 600,
      ssmAccess: true,
      volumeKmsKeyArn: props.volumeKmsKeyArn,
    });
    this.clusterName = clusterName;
    this.contactPoints = cassandraContactPoints(props.spec);
  }
}
