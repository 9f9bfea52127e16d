/**
 * `KafkaCluster`: KRaft brokers (combined broker + controller) as self-healing members, a rack
 * per zone. Brokers admit each other on the client and controller ports, client fleets on the
 * client port only, and the monitoring instance on the exporter ports.
 */
import type { Construct } from 'constructs';
import { clusterMembers, type ClusterMember } from '../../spec/derive.ts';
import { PIPELINE_HEALTH_METRICS, PORTS } from '../../spec/ports.ts';
import { putMetricDataStatement } from './iam.ts';
import { namePrefix } from './identity.ts';
import { readSecretStatements, type RunCredentials } from './run-credentials.ts';
import type { UserDataLogs } from './user-data-logs.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import type { StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import type { Network } from './network.ts';
import { StatefulCluster, type MemberUserDataExtras } from './stateful-cluster.ts';
import {
  KAFKA_CREDENTIAL_ENV,
  SECURITY_FILES,
  kafkaBootstrapServers,
  kafkaClusterId,
  kafkaMemberEnv,
  kafkaSecured,
  kafkaSecurityEnv,
  kafkaServerSecurityProperties,
  kafkaToolClientProperties,
  underReplicatedPublisherScript,
} from './user-data.ts';

/** Props of `KafkaCluster`. */
export interface KafkaClusterProps {
  /** Stack names and tags. */
  identity: StackIdentity;
  /** The (validated) pipeline spec: brokers, zones, replication, instance type, volume size. */
  spec: PipelineSpec;
  /** The network. */
  network: Network;
  /** AMI with Kafka and the `terratower-kafka` unit. */
  imageId: string;
  /** Seconds before EC2 health checks can replace a broker. @default 300 */
  healthCheckGraceSeconds?: number;
  /** KMS key (ARN) for the data volumes. @default the account's AWS-managed EBS key */
  volumeKmsKeyArn?: string;
  /**
   * The run's SCRAM credentials, required when `spec.kafka.security.sasl` is `scram-sha-512`:
   * brokers bootstrap them at format time and authenticate to each other with them.
   */
  credentials?: RunCredentials;
  /** Ship each broker's user-data and cloud-init output here. @default not shipped */
  logs?: UserDataLogs;
  /**
   * Every broker publishes the count of under-replicated partitions each minute to CloudWatch
   * (`PIPELINE_HEALTH_METRICS`, dimension `Pipeline` = `<stack>[-<run id>]`). @default false
   */
  publishUnderReplicatedPartitions?: boolean;
}

/** A KRaft Kafka cluster of self-healing brokers. */
export class KafkaCluster extends StatefulCluster {
  /** Bootstrap servers, `ip:9092` per broker. */
  readonly bootstrapServers: string[];
  /** KRaft cluster id. */
  readonly clusterId: string;

  /** @param props see `KafkaClusterProps` */
  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    const check = new PropsCheck(`KafkaCluster "${id}"`);
    check.wholeNumber('spec.kafka.brokers', props.spec.kafka.brokers, 1);
    check.instanceType('spec.kafka.instanceType', props.spec.kafka.instanceType);
    check.wholeNumber('spec.kafka.volumeSizeGiB', props.spec.kafka.volumeSizeGiB, 1, 16_384);
    const clusterId = kafkaClusterId(props.identity.stackName, props.identity.runId);
    const security = props.spec.kafka.security;
    const sasl = security !== undefined && security.sasl !== 'none';
    if (sasl && !props.credentials)
      check.fail('credentials', props.credentials, 'RunCredentials when spec.kafka.security.sasl is scram-sha-512');
    if (security?.tls && !security.certificateSecretArn)
      check.fail('spec.kafka.security.certificateSecretArn', undefined, 'a Secrets Manager secret ARN when tls is on');
    const secured = kafkaSecured(props.spec);
    const pipeline = namePrefix(props.identity);
    const publish = props.publishUnderReplicatedPartitions === true;
    const memberUserData = (member: ClusterMember): MemberUserDataExtras => ({
      secrets: [
        ...(sasl && props.credentials
          ? [{ secretArn: props.credentials.secretArn, env: { ...KAFKA_CREDENTIAL_ENV } }]
          : []),
        ...(security?.tls && security.certificateSecretArn
          ? [
              {
                secretArn: security.certificateSecretArn,
                files: { [SECURITY_FILES.kafkaKeystore]: 'privateKey,certificate', [SECURITY_FILES.kafkaCa]: 'ca' },
              },
            ]
          : []),
      ],
      files: [
        ...(secured
          ? [{ path: SECURITY_FILES.kafkaServerProperties, content: kafkaServerSecurityProperties(props.spec, member) }]
          : []),
        ...(publish
          ? [{ path: SECURITY_FILES.kafkaClientProperties, content: kafkaToolClientProperties(props.spec) }]
          : []),
      ],
      services: publish
        ? [
            {
              name: 'urp',
              description: 'under-replicated partitions to CloudWatch',
              script: underReplicatedPublisherScript(props.spec, member, pipeline),
              everySeconds: 60,
            },
          ]
        : [],
    });
    super(scope, id, {
      identity: props.identity,
      network: props.network,
      role: 'kafka',
      members: clusterMembers(props.spec, 'kafka'),
      memberEnv: (member) => ({ ...kafkaMemberEnv(props.spec, member, clusterId), ...kafkaSecurityEnv(props.spec) }),
      memberUserData,
      ...(props.logs ? { logs: props.logs } : {}),
      imageId: props.imageId,
      instanceType: props.spec.kafka.instanceType,
      volumeSizeGiB: props.spec.kafka.volumeSizeGiB,
      peerPorts: [{ port: PORTS.kafkaController, description: 'KRaft controller' }],
      clientPorts: [{ port: PORTS.kafkaClient, description: 'Kafka clients' }],
      healthCheckGraceSeconds: props.healthCheckGraceSeconds,
      ssmAccess: true,
      volumeKmsKeyArn: props.volumeKmsKeyArn,
    });
    this.clusterId = clusterId;
    if (sasl && props.credentials) this.role.addStatements(...props.credentials.readStatements('ReadScramCredentials'));
    if (security?.tls && security.certificateSecretArn)
      this.role.addStatements(...readSecretStatements('ReadTlsCertificate', [security.certificateSecretArn]));
    if (publish) this.role.addStatements(putMetricDataStatement(PIPELINE_HEALTH_METRICS.namespace));
    this.bootstrapServers = kafkaBootstrapServers(props.spec);
  }
}
