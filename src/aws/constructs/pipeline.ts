/**
 * `Pipeline`: the whole S3 → producers → Kafka → consumers → Cassandra pipeline of one spec,
 * composed from the other constructs and wired together (who may talk to whom, who may read
 * what). `PipelineStack` holds one; `ExperimentStack` holds two side by side.
 */
import { Construct } from 'constructs';
import { consumerGroupId } from '../../spec/derive.ts';
import { CONSUMER_LAG_METRIC } from '../../spec/ports.ts';
import type { GroupName, PipelineSpec } from '../../spec/types.ts';
import { PipelineAlarms } from './alarms.ts';
import type { AmiCatalog } from './amis.ts';
import { CassandraCluster } from './cassandra-cluster.ts';
import { DatasetBucket } from './dataset-bucket.ts';
import { isDisposable, runBucketName, type StackIdentity } from './identity.ts';
import { tagWithIdentity } from './tagging.ts';
import { KafkaCluster } from './kafka-cluster.ts';
import { Monitoring } from './monitoring.ts';
import { Network } from './network.ts';
import { ServiceFleet, type FleetMetric } from './service-fleet.ts';
import { consumerFleetEnv, producerFleetEnv } from './user-data.ts';

/** Props of `Pipeline`. */
export interface PipelineProps {
  /** Stack names and tags; `identity.stackName` prefixes every resource name. */
  identity: StackIdentity;
  /** The pipeline spec; must already be valid (`validateSpec`). */
  spec: PipelineSpec;
  /** AMI ids by role. */
  amis: AmiCatalog;
}

/** One complete pipeline. */
export class Pipeline extends Construct {
  /** The spec it was built from. */
  readonly spec: PipelineSpec;
  /** VPC and subnets. */
  readonly network: Network;
  /** Dataset bucket. */
  readonly dataset: DatasetBucket;
  /** Kafka brokers. */
  readonly kafka: KafkaCluster;
  /** Cassandra nodes. */
  readonly cassandra: CassandraCluster;
  /** Producer fleet. */
  readonly producers: ServiceFleet;
  /** Consumer fleet. */
  readonly consumers: ServiceFleet;
  /** CloudWatch alarms, when `spec.alarms.enabled`. */
  readonly alarms?: PipelineAlarms;
  /** Monitoring instance, when `spec.monitoring.enabled`. */
  readonly monitoring?: Monitoring;

  /** @param props see `PipelineProps` */
  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { identity, spec, amis } = props;
    tagWithIdentity(this, identity);
    this.spec = spec;
    this.network = new Network(this, 'network', {
      identity,
      vpcCidr: spec.network.vpcCidr,
      zones: spec.zones,
      publicSubnetCidrs: spec.network.publicSubnetCidrs,
      privateSubnetCidrs: spec.network.privateSubnetCidrs,
      natGateways: spec.network.natGateways,
      flowLogs: spec.network.flowLogs ?? false,
    });
    this.dataset = new DatasetBucket(this, 'dataset', {
      identity,
      bucketName: runBucketName(identity, spec.dataset.bucket),
      prefix: spec.dataset.prefix,
      forceDestroy: isDisposable(identity),
      ...(spec.encryption?.s3KmsKeyArn ? { kmsKeyArn: spec.encryption.s3KmsKeyArn } : {}),
    });
    this.kafka = new KafkaCluster(this, 'kafka', {
      identity,
      spec,
      network: this.network,
      imageId: amis.imageId('kafka'),
      ...(spec.encryption?.ebsKmsKeyArn ? { volumeKmsKeyArn: spec.encryption.ebsKmsKeyArn } : {}),
    });
    this.cassandra = new CassandraCluster(this, 'cassandra', {
      identity,
      spec,
      network: this.network,
      imageId: amis.imageId('cassandra'),
      ...(spec.encryption?.ebsKmsKeyArn ? { volumeKmsKeyArn: spec.encryption.ebsKmsKeyArn } : {}),
    });

    const lagMetric: Extract<FleetMetric, { kind: 'perMember' }> = {
      kind: 'perMember',
      namespace: CONSUMER_LAG_METRIC.namespace,
      name: CONSUMER_LAG_METRIC.name,
      dimensions: { [CONSUMER_LAG_METRIC.dimension]: consumerGroupId(spec) },
    };
    const fleet = (group: 'producers' | 'consumers', env: Record<string, string>): ServiceFleet => {
      const g = spec[group];
      const f = new ServiceFleet(this, group, {
        identity,
        network: this.network,
        group,
        imageId: amis.imageId(group === 'producers' ? 'producer' : 'consumer'),
        instanceType: g.instanceType,
        min: g.min,
        max: g.max,
        desired: g.desired,
        healthCheckGraceSeconds: g.healthCheckGraceSeconds,
        cooldownSeconds: g.scaling.cooldownSeconds,
        warmupSeconds: g.scaling.warmupSeconds,
        env,
        metricsNamespace: CONSUMER_LAG_METRIC.namespace,
      });
      f.applyScaling(g.scaling, lagMetric);
      return f;
    };
    this.producers = fleet('producers', producerFleetEnv(spec));
    this.consumers = fleet('consumers', consumerFleetEnv(spec));
    this.producers.grantDatasetRead(this.dataset);
    if (spec.encryption?.s3KmsKeyArn)
      this.producers.role.addStatements({
        sid: 'DecryptDataset',
        actions: ['kms:Decrypt'],
        resources: [spec.encryption.s3KmsKeyArn],
      });
    this.kafka.admitClients('producers', this.producers.securityGroup.securityGroupId);
    this.kafka.admitClients('consumers', this.consumers.securityGroup.securityGroupId);
    this.cassandra.admitClients('consumers', this.consumers.securityGroup.securityGroupId);

    if (spec.alarms?.enabled) {
      const groups: Record<string, string> = { producers: this.producers.asgName, consumers: this.consumers.asgName };
      for (const c of [this.kafka, this.cassandra])
        for (const m of c.members) groups[m.member.id] = m.autoScalingGroup.name;
      this.alarms = new PipelineAlarms(this, 'alarms', {
        identity,
        ...(spec.alarms.snsTopicArn ? { topicArn: spec.alarms.snsTopicArn } : {}),
        consumerLag: { ...lagMetric, max: spec.alarms.consumerLagMax ?? 100_000 },
        fleets: { producers: this.producers.asgName, consumers: this.consumers.asgName },
        groups,
      });
    }

    if (spec.monitoring.enabled) {
      this.monitoring = new Monitoring(this, 'monitoring', {
        identity,
        spec,
        network: this.network,
        imageId: amis.imageId('monitoring'),
      });
      const scraper = this.monitoring.securityGroup.securityGroupId;
      for (const target of [this.kafka, this.cassandra, this.producers, this.consumers]) target.admitScraper(scraper);
    }
  }

  /** Auto Scaling group names by group (one per member for the stateful clusters). */
  get asgNamesByGroup(): Record<GroupName, string[]> {
    return {
      producers: [this.producers.asgName],
      consumers: [this.consumers.asgName],
      kafka: this.kafka.autoScalingGroupNames,
      cassandra: this.cassandra.autoScalingGroupNames,
    };
  }

  /** Zone → private subnet id. */
  get privateSubnetIdsByZone(): Record<string, string> {
    return Object.fromEntries(this.network.zones.map((z, i) => [z, this.network.privateSubnets[i]!.id]));
  }

  /** Zone → public subnet id. */
  get publicSubnetIdsByZone(): Record<string, string> {
    return Object.fromEntries(this.network.zones.map((z, i) => [z, this.network.publicSubnets[i]!.id]));
  }
}
