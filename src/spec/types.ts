/**
 * The one source of truth for a pipeline: S3 dataset → producer fleet → Kafka → consumer fleet →
 * Cassandra. The AWS stacks and the local twin both derive everything from a `PipelineSpec`.
 */
import type { DatasetSchema } from '../../apps/shared/schema.ts';

/** Cassandra consistency levels a pipeline may write at. */
export type ConsistencyLevel =
  | 'ONE'
  | 'TWO'
  | 'THREE'
  | 'QUORUM'
  | 'LOCAL_ONE'
  | 'LOCAL_QUORUM'
  | 'EACH_QUORUM'
  | 'ALL';

/**
 * What a scaling policy tracks.
 * - `cpu`: average CPU utilization of the group, percent (AWS: ASGAverageCPUUtilization).
 * - `consumerLag`: Kafka consumer-group lag divided by in-service members, records per member
 *   (a "backlog per instance" custom metric, published by the consumers).
 */
export type ScalingMetric = 'cpu' | 'consumerLag';

/** Target tracking: keep `metric` near `target`, as an AWS target-tracking policy does. */
export interface TargetTrackingPolicy {
  /** Metric to track. */
  metric: ScalingMetric;
  /** Value to hold the metric at (percent for `cpu`, records per member for `consumerLag`). */
  target: number;
  /** Never remove members because of this policy. @default false */
  disableScaleIn?: boolean;
}

/** One step of a step-scaling policy; bounds are relative to the alarm threshold. */
export interface StepAdjustment {
  /** Lower bound of the breach (metric − threshold), inclusive. Omit for −∞. */
  lowerBound?: number;
  /** Upper bound of the breach (metric − threshold), exclusive. Omit for +∞. */
  upperBound?: number;
  /** Members to add (positive) or remove (negative) when the breach falls in this step. */
  change: number;
}

/** Step scaling driven by a CloudWatch alarm on `metric` crossing `threshold`. */
export interface StepScalingPolicy {
  /** Policy name, unique within the group. */
  name: string;
  /** Metric the alarm watches. */
  metric: ScalingMetric;
  /** Alarm threshold. */
  threshold: number;
  /** Alarm fires when the metric is above (scale-out policies) or below (scale-in) the threshold. */
  comparison: 'above' | 'below';
  /** Consecutive 60 s periods in breach before the alarm fires. */
  evaluationPeriods: number;
  /** Adjustments by size of the breach. */
  steps: StepAdjustment[];
}

/** A scheduled change of group size (AWS scheduled action). */
export interface ScheduledAction {
  /** Action name, unique within the group. */
  name: string;
  /** Cron expression in UTC, e.g. `0 8 * * MON-FRI`. */
  recurrence: string;
  /** New minimum size, if it changes. */
  min?: number;
  /** New maximum size, if it changes. */
  max?: number;
  /** New desired capacity, if it changes. */
  desired?: number;
}

/** How a stateless app group scales. */
export interface ScalingSpec {
  /** Target-tracking policy, if any. */
  targetTracking?: TargetTrackingPolicy;
  /** Step-scaling policies (with their alarms). */
  stepScaling?: StepScalingPolicy[];
  /** Scheduled actions. */
  scheduled?: ScheduledAction[];
  /** Seconds after a scaling activity before another one of the same direction. */
  cooldownSeconds: number;
  /** Seconds a new member runs before its metrics count toward the group's. */
  warmupSeconds: number;
}

/** An autoscaled group of app instances (producers or consumers). */
export interface GroupSpec {
  /** Minimum members. */
  min: number;
  /** Maximum members. */
  max: number;
  /** Desired members at deploy time. */
  desired: number;
  /** EC2 instance type on AWS. */
  instanceType: string;
  /** Seconds after launch before health checks can replace a member. */
  healthCheckGraceSeconds: number;
  /** Scaling policies. */
  scaling: ScalingSpec;
}

/** The VPC and its subnets: one public and one private subnet per zone. */
export interface NetworkSpec {
  /** VPC CIDR block, e.g. `10.40.0.0/16`. */
  vpcCidr: string;
  /** One public subnet CIDR per zone, in zone order. */
  publicSubnetCidrs: string[];
  /** One private subnet CIDR per zone, in zone order. */
  privateSubnetCidrs: string[];
  /**
   * One NAT gateway for the VPC (cheap) or one per zone (survives a zone loss; required with
   * `tolerateZoneLoss`). @default 'perZone'
   */
  natGateways: 'single' | 'perZone';
  /** Log the VPC's traffic to CloudWatch Logs (AWS only; kept 14 days). @default false */
  flowLogs?: boolean;
}

/** Where the source data lives and how it is encoded. */
export interface DatasetSpec {
  /** S3 bucket name (3–63 chars, lowercase, digits, dots, hyphens). */
  bucket: string;
  /** Key prefix of the dataset objects, e.g. `payments/`. */
  prefix: string;
  /** Object encoding. */
  format: 'csv' | 'csv.gz';
  /**
   * The dataset's own columns, key and optional version column: row validation, the Cassandra
   * table, the generator and the ledger follow it. @default the synthetic payments record
   * (apps/shared/schema.ts RECORD_COLUMNS, key `record_id`)
   */
  schema?: DatasetSchema;
}

/** The Kafka cluster (KRaft, combined broker + controller nodes). */
export interface KafkaSpec {
  /** Number of brokers, spread round-robin over the zones. */
  brokers: number;
  /** Partitions of the data topic. */
  partitions: number;
  /** Replication factor of the data and dead-letter topics. */
  replicationFactor: number;
  /** `min.insync.replicas` of the topics. */
  minInSyncReplicas: number;
  /** Data topic name. */
  topic: string;
  /** Dead-letter topic name: malformed records with their reason. */
  deadLetterTopic: string;
  /** EC2 instance type on AWS. */
  instanceType: string;
  /** EBS data volume size per broker, GiB. */
  volumeSizeGiB: number;
  /** Client security: TLS and SASL/SCRAM on the client listener (AWS). @default off (PLAINTEXT inside the VPC) */
  security?: KafkaSecuritySpec;
}

/**
 * Kafka client security (AWS only; the local twin ignores it). With `sasl: 'scram-sha-512'` the
 * run gets its own credentials (a Secrets Manager secret `<stack>-kafka-scram`, random password)
 * that brokers bootstrap at format time and apps read at boot through their instance role; the
 * brokers also authenticate to each other with them. With `tls`, the client listener serves the
 * certificate of `certificateSecretArn` and the apps trust its `ca`.
 */
export interface KafkaSecuritySpec {
  /** TLS on the client (and inter-broker) listener; needs `certificateSecretArn`. */
  tls: boolean;
  /** SASL mechanism on the client (and inter-broker) listener. */
  sasl: 'none' | 'scram-sha-512';
  /**
   * Secrets Manager secret (JSON: `certificate`, `privateKey` (PKCS#8, unencrypted), `ca`, all
   * PEM) whose certificate names every broker's fixed address (IP SANs). Required with `tls`.
   */
  certificateSecretArn?: string;
}

/**
 * Cassandra client security (AWS only; the local twin ignores it). With `authentication`, nodes
 * run PasswordAuthenticator; the first node creates the run's role (credentials in a Secrets
 * Manager secret `<stack>-cassandra-auth`, random password), gives the default `cassandra`
 * superuser a random password, and consumers log in with the run's role.
 */
export interface CassandraSecuritySpec {
  /** PasswordAuthenticator with a per-run role. */
  authentication: boolean;
  /** TLS on the CQL port; needs `certificateSecretArn`. */
  clientTls: boolean;
  /** As `KafkaSecuritySpec.certificateSecretArn`, for every node's fixed address. Required with `clientTls`. */
  certificateSecretArn?: string;
}

/** The Cassandra cluster, a rack per zone. */
export interface CassandraSpec {
  /** Number of nodes, spread round-robin over the zones. */
  nodes: number;
  /** Keyspace replication factor (NetworkTopologyStrategy in the one data center). */
  replicationFactor: number;
  /** Consistency level the consumers write at (and the ledger reads at). */
  consistency: ConsistencyLevel;
  /** Keyspace name. */
  keyspace: string;
  /** Table the consumers upsert into. */
  table: string;
  /** EC2 instance type on AWS. */
  instanceType: string;
  /** EBS data volume size per node, GiB. */
  volumeSizeGiB: number;
  /** Authentication and client TLS (AWS). @default off */
  security?: CassandraSecuritySpec;
}

/** Prometheus + Grafana. */
export interface MonitoringSpec {
  /** Deploy the monitoring instance (AWS). */
  enabled: boolean;
  /** EC2 instance type on AWS. */
  instanceType: string;
  /** Scrape interval, seconds. */
  scrapeIntervalSeconds: number;
}

/** Settings that only the local twin reads. */
export interface LocalSpec {
  /**
   * How much faster than real time the twin's group controller runs: cooldowns, warm-ups, grace
   * periods and alarm periods are divided by it (`60` runs a 300 s cooldown in 5 s).
   */
  timeScale: number;
}

/** A whole pipeline. See DESIGN.md "One spec, two targets". */
export interface PipelineSpec {
  /** Pipeline name, used in every resource name: 3–24 chars, lowercase letters, digits, hyphens. */
  name: string;
  /** AWS region, e.g. `eu-west-1`. */
  region: string;
  /** Availability zones, in order; locally zone i is its own net (a network namespace when root; see spec/addresses.ts). */
  zones: string[];
  /** Spread every group over at least two zones. */
  multiAz: boolean;
  /** Require the pipeline to keep writing (Kafka min ISR, Cassandra consistency) after one zone is lost. */
  tolerateZoneLoss: boolean;
  /** VPC layout. */
  network: NetworkSpec;
  /** Source dataset. */
  dataset: DatasetSpec;
  /** Kafka cluster. */
  kafka: KafkaSpec;
  /** Cassandra cluster. */
  cassandra: CassandraSpec;
  /** Producer fleet (S3 → Kafka). */
  producers: GroupSpec;
  /** Consumer fleet (Kafka → Cassandra). */
  consumers: GroupSpec;
  /** Monitoring. */
  monitoring: MonitoringSpec;
  /** Local twin settings. */
  local: LocalSpec;
  /** Extra tags on every resource. */
  tags: Record<string, string>;
  /** Encryption at rest with your own keys (AWS). @default AWS-managed keys (SSE-S3, the account's EBS key) */
  encryption?: EncryptionSpec;
  /** CloudWatch alarms to an SNS topic (AWS). @default off */
  alarms?: AlarmsSpec;
  /** Scheduled snapshots of the Kafka and Cassandra data volumes (AWS, Data Lifecycle Manager). @default off */
  snapshots?: SnapshotsSpec;
  /** Every instance's user-data and cloud-init output shipped to CloudWatch Logs (AWS). @default on, 30 days */
  logs?: LogsSpec;
}

/**
 * Snapshots of the stateful clusters' data volumes by an `aws_dlm_lifecycle_policy` that targets
 * them by a run-scoped tag. Snapshots outlive the stack (that is their point); a disposable
 * harness run's sweep deletes them with the rest of the run.
 */
export interface SnapshotsSpec {
  /** Create the policy. */
  enabled: boolean;
  /** Hours between snapshots: 1, 2, 3, 4, 6, 8, 12 or 24. @default 24 */
  intervalHours?: number;
  /** Snapshots kept per volume. @default 7 */
  retainCount?: number;
  /** Time of day (UTC, `HH:MM`) the schedule starts from. @default '03:00' */
  startTime?: string;
}

/** User-data logs in CloudWatch Logs: a run-scoped log group `/terratower/<stack>/user-data`. */
export interface LogsSpec {
  /** Ship each instance's `/var/log/terratower-user-data.log` and `/var/log/cloud-init-output.log`. */
  userData: boolean;
  /** Days the log group keeps events (a CloudWatch Logs retention value). @default 30 */
  retentionDays?: number;
}

/**
 * CloudWatch alarms (AWS only): consumer lag above `consumerLagMax` for 5 minutes, an app fleet
 * held at its maximum for 15 minutes, any group short of its desired members for 10 minutes.
 */
export interface AlarmsSpec {
  /** Create the alarms. */
  enabled: boolean;
  /** SNS topic ARN to notify. @default a new topic `<stack>-alarms` */
  snsTopicArn?: string;
  /** Consumer lag, records, that alarms. @default 100000 */
  consumerLagMax?: number;
  /**
   * Alarm when any partition is under-replicated for 5 minutes (every broker publishes the
   * count each minute) or no broker reports it. @default true
   */
  underReplicatedPartitions?: boolean;
  /** Alarm when an app member reports itself Unhealthy (its `/healthz` failed). @default true */
  unhealthyMembers?: boolean;
}

/**
 * Customer-managed KMS keys (AWS only). The key policies must let the account's Auto Scaling
 * service-linked role use the EBS key (it launches members with encrypted volumes) and the
 * instance roles decrypt with the S3 key (producers read the dataset).
 */
export interface EncryptionSpec {
  /** KMS key ARN for the dataset bucket (SSE-KMS with a bucket key). @default SSE-S3 */
  s3KmsKeyArn?: string;
  /** KMS key ARN for the Kafka and Cassandra data volumes. @default the account's AWS-managed EBS key */
  ebsKmsKeyArn?: string;
  /**
   * KMS key ARN for the run's log groups (user data, flow logs); its key policy must let the
   * region's CloudWatch Logs service principal use it. @default CloudWatch Logs' own encryption
   */
  logsKmsKeyArn?: string;
  /** KMS key ARN for the run's credential secrets (Kafka SCRAM, Cassandra). @default the AWS-managed Secrets Manager key */
  secretsKmsKeyArn?: string;
}

/** A partial spec as users write it in a file: every field optional, merged over `defaultSpec()`. */
export type PipelineSpecInput = DeepPartial<PipelineSpec>;

/** Recursively optional; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The two app groups that scale. */
export type AppGroupName = 'producers' | 'consumers';

/** Every group a target manages: the two app fleets and the two stateful clusters. */
export type GroupName = AppGroupName | 'kafka' | 'cassandra';

export type { ColumnType, DatasetSchema, SchemaColumn } from '../../apps/shared/schema.ts';
