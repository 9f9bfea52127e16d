/**
 * `KafkaCluster`: KRaft brokers (combined broker + controller) as self-healing members, a rack
 * per zone. Brokers admit each other on the client and controller ports, client fleets on the
 * client port only, and the monitoring instance on the exporter ports.
 */
import type { Construct } from 'constructs';
import { clusterMembers } from '../../spec/derive.ts';
import { PORTS } from '../../spec/ports.ts';
import type { PipelineSpec } from '../../spec/types.ts';
import type { StackIdentity } from './identity.ts';
import { PropsCheck } from './props.ts';
import type { Network } from './network.ts';
import { StatefulCluster } from './stateful-cluster.ts';
import { kafkaBootstrapServers, kafkaClusterId, kafkaMemberEnv } from './user-data.ts';

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
    super(scope, id, {
      identity: props.identity,
      network: props.network,
      role: 'kafka',
      members: clusterMembers(props.spec, 'kafka'),
      memberEnv: (member) => kafkaMemberEnv(props.spec, member, clusterId),
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
    this.bootstrapServers = kafkaBootstrapServers(props.spec);
  }
}
