/**
 * `CassandraCluster`: Cassandra nodes as self-healing members, data center = region, a rack per
 * zone, evenly spaced tokens. Nodes admit each other on the internode and CQL ports, client
 * fleets on CQL only, the monitoring instance on the exporter ports. Session Manager access lets
 * the harness port-forward to CQL.
 */
import type { Construct } from 'constructs';
import { clusterMembers, type ClusterMember } from '../../spec/derive.ts';
import { PORTS } from '../../spec/ports.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import type { StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import type { Network } from './network.ts';
import { readSecretStatements, type RunCredentials } from './run-credentials.ts';
import { StatefulCluster, type MemberUserDataExtras } from './stateful-cluster.ts';
import type { UserDataLogs } from './user-data-logs.ts';
import {
  CASSANDRA_CREDENTIAL_ENV,
  SECURITY_FILES,
  cassandraAuthSetupScript,
  cassandraContactPoints,
  cassandraMemberEnv,
  cassandraSecurityEnv,
} from './user-data.ts';

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
  /**
   * The run's Cassandra credentials, required when `spec.cassandra.security.authentication`:
   * node 1 creates this role (and takes the default superuser's login away).
   */
  credentials?: RunCredentials;
  /** Ship each node's user-data and cloud-init output here. @default not shipped */
  logs?: UserDataLogs;
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
    const security = props.spec.cassandra.security;
    if (security?.authentication && !props.credentials)
      check.fail('credentials', props.credentials, 'RunCredentials when spec.cassandra.security.authentication is on');
    if (security?.clientTls && !security.certificateSecretArn)
      check.fail(
        'spec.cassandra.security.certificateSecretArn',
        undefined,
        'a Secrets Manager secret ARN when clientTls is on',
      );
    const memberUserData = (member: ClusterMember): MemberUserDataExtras => {
      const auth = security?.authentication === true && props.credentials !== undefined;
      const first = member.nodeId === 1;
      return {
        secrets: [
          ...(auth && first && props.credentials
            ? [{ secretArn: props.credentials.secretArn, env: { ...CASSANDRA_CREDENTIAL_ENV } }]
            : []),
          ...(security?.clientTls && security.certificateSecretArn
            ? [
                {
                  secretArn: security.certificateSecretArn,
                  files: {
                    [SECURITY_FILES.cassandraKeystore]: 'privateKey,certificate',
                    [SECURITY_FILES.cassandraCa]: 'ca',
                  },
                },
              ]
            : []),
        ],
        services:
          auth && first
            ? [
                {
                  name: 'cassandra-auth',
                  description: "create the run's Cassandra role, retire the default superuser",
                  script: cassandraAuthSetupScript(props.spec, member),
                },
              ]
            : [],
      };
    };
    super(scope, id, {
      identity: props.identity,
      network: props.network,
      role: 'cassandra',
      members: clusterMembers(props.spec, 'cassandra'),
      memberEnv: (member) => ({
        ...cassandraMemberEnv(props.spec, member, clusterName),
        ...cassandraSecurityEnv(props.spec),
      }),
      memberUserData,
      ...(props.logs ? { logs: props.logs } : {}),
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
    if (security?.authentication && props.credentials)
      this.role.addStatements(...props.credentials.readStatements('ReadCassandraCredentials'));
    if (security?.clientTls && security.certificateSecretArn)
      this.role.addStatements(...readSecretStatements('ReadTlsCertificate', [security.certificateSecretArn]));
    this.contactPoints = cassandraContactPoints(props.spec);
  }
}
