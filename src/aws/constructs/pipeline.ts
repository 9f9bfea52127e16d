/**
 * `Pipeline`: the whole S3 → producers → Kafka → consumers → Cassandra pipeline of one spec,
 * composed from the other constructs and wired together (who may talk to whom, who may read
 * what). `PipelineStack` holds one; `ExperimentStack` holds two side by side.
 */
import { Construct } from '../cdktf.ts';
import { consumerGroupId } from '../../spec/derive.ts';
import { CONSUMER_LAG_METRIC, PIPELINE_HEALTH_METRICS } from '../../spec/ports.ts';
import type { GroupName, PipelineSpec } from '../../spec/types.ts';
import { PipelineAlarms } from './alarms.ts';
import type { AmiCatalog } from './amis.ts';
import { CassandraCluster } from './cassandra-cluster.ts';
import { DatasetBucket } from './dataset-bucket.ts';
import { DataVolumeSnapshots } from './data-volume-snapshots.ts';
import { isDisposable, namePrefix, runBucketName, type StackIdentity } from './identity.ts';
import { RunCredentials } from './run-credentials.ts';
import { UserDataLogs } from './user-data-logs.ts';
import { tagWithIdentity } from './tagging.ts';
import { KafkaCluster } from './kafka-cluster.ts';
import { Monitoring } from './monitoring.ts';
import { Network } from './network.ts';
import { ServiceFleet, type FleetMetric } from './service-fleet.ts';
import { appBootSecrets, consumerFleetEnv, producerFleetEnv } from './user-data.ts';

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
  /** The user-data log group, when `spec.logs.userData` (the default). */
  readonly userDataLogs?: UserDataLogs;
  /** Snapshots of the data volumes, when `spec.snapshots.enabled`. */
  readonly snapshots?: DataVolumeSnapshots;
  /** The run's Kafka SCRAM credentials, when `spec.kafka.security.sasl` is `scram-sha-512`. */
  readonly kafkaCredentials?: RunCredentials;
  /** The run's Cassandra credentials, when `spec.cassandra.security.authentication`. */
  readonly cassandraCredentials?: RunCredentials;

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
      ...(spec.encryption?.logsKmsKeyArn ? { flowLogsKmsKeyArn: spec.encryption.logsKmsKeyArn } : {}),
    });
    this.dataset = new DatasetBucket(this, 'dataset', {
      identity,
      bucketName: runBucketName(identity, spec.dataset.bucket),
      prefix: spec.dataset.prefix,
      forceDestroy: isDisposable(identity),
      ...(spec.encryption?.s3KmsKeyArn ? { kmsKeyArn: spec.encryption.s3KmsKeyArn } : {}),
    });
    if (spec.logs?.userData)
      this.userDataLogs = new UserDataLogs(this, 'user-data-logs', {
        identity,
        retentionDays: spec.logs.retentionDays ?? 30,
        ...(spec.encryption?.logsKmsKeyArn ? { kmsKeyArn: spec.encryption.logsKmsKeyArn } : {}),
      });
    const logs = this.userDataLogs ? { logs: this.userDataLogs } : {};
    const secretsKey = spec.encryption?.secretsKmsKeyArn ? { kmsKeyArn: spec.encryption.secretsKmsKeyArn } : {};
    if (spec.kafka.security && spec.kafka.security.sasl !== 'none')
      this.kafkaCredentials = new RunCredentials(this, 'kafka-credentials', {
        identity,
        name: 'kafka-scram',
        group: 'kafka',
        username: 'terratower',
        ...secretsKey,
      });
    if (spec.cassandra.security?.authentication)
      this.cassandraCredentials = new RunCredentials(this, 'cassandra-credentials', {
        identity,
        name: 'cassandra-auth',
        group: 'cassandra',
        username: 'terratower',
        ...secretsKey,
      });
    const alarmOn = (key: 'underReplicatedPartitions' | 'unhealthyMembers'): boolean =>
      spec.alarms?.enabled === true && spec.alarms[key] !== false;
    this.kafka = new KafkaCluster(this, 'kafka', {
      identity,
      spec,
      network: this.network,
      imageId: amis.imageId('kafka'),
      ...(spec.encryption?.ebsKmsKeyArn ? { volumeKmsKeyArn: spec.encryption.ebsKmsKeyArn } : {}),
      ...(this.kafkaCredentials ? { credentials: this.kafkaCredentials } : {}),
      publishUnderReplicatedPartitions: alarmOn('underReplicatedPartitions'),
      ...logs,
    });
    this.cassandra = new CassandraCluster(this, 'cassandra', {
      identity,
      spec,
      network: this.network,
      imageId: amis.imageId('cassandra'),
      ...(spec.encryption?.ebsKmsKeyArn ? { volumeKmsKeyArn: spec.encryption.ebsKmsKeyArn } : {}),
      ...(this.cassandraCredentials ? { credentials: this.cassandraCredentials } : {}),
      ...logs,
    });
    if (spec.snapshots?.enabled)
      this.snapshots = new DataVolumeSnapshots(this, 'snapshots', {
        identity,
        ...(spec.snapshots.intervalHours !== undefined ? { intervalHours: spec.snapshots.intervalHours } : {}),
        ...(spec.snapshots.retainCount !== undefined ? { retainCount: spec.snapshots.retainCount } : {}),
        ...(spec.snapshots.startTime !== undefined ? { startTime: spec.snapshots.startTime } : {}),
      });
    const secretArns = {
      ...(this.kafkaCredentials ? { kafkaCredentialsArn: this.kafkaCredentials.secretArn } : {}),
      ...(this.cassandraCredentials ? { cassandraCredentialsArn: this.cassandraCredentials.secretArn } : {}),
    };

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
        reportUnhealthyMetric: alarmOn('unhealthyMembers'),
        bootSecrets: appBootSecrets(spec, group, secretArns),
        ...(spec.encryption?.secretsKmsKeyArn ? { bootSecretsKmsKeyArn: spec.encryption.secretsKmsKeyArn } : {}),
        ...logs,
      });
      f.applyScaling(g.scaling, lagMetric);
      return f;
    };
    // The bucket's name for this run (`<bucket>-<run id>`), not the spec's: that is what exists.
    this.producers = fleet('producers', producerFleetEnv(spec, runBucketName(identity, spec.dataset.bucket)));
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
        ...(alarmOn('underReplicatedPartitions')
          ? {
              underReplicatedPartitions: {
                namespace: PIPELINE_HEALTH_METRICS.namespace,
                name: PIPELINE_HEALTH_METRICS.underReplicatedPartitions,
                dimensions: { [PIPELINE_HEALTH_METRICS.dimension]: namePrefix(identity) },
              },
            }
          : {}),
        ...(alarmOn('unhealthyMembers')
          ? {
              unhealthyMembers: {
                namespace: PIPELINE_HEALTH_METRICS.namespace,
                name: PIPELINE_HEALTH_METRICS.unhealthyReports,
                dimensionsByFleet: Object.fromEntries(
                  (['producers', 'consumers'] as const).map((g) => [
                    g,
                    {
                      [PIPELINE_HEALTH_METRICS.dimension]: namePrefix(identity),
                      [PIPELINE_HEALTH_METRICS.groupDimension]: g,
                    },
                  ]),
                ),
              },
            }
          : {}),
      });
    }

    if (spec.monitoring.enabled) {
      this.monitoring = new Monitoring(this, 'monitoring', {
        identity,
        spec,
        network: this.network,
        imageId: amis.imageId('monitoring'),
        ...logs,
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
