/**
 * Ports and metric names the synthesized stacks open and the AMIs' services listen on. The
 * packer scripts and the local twin use the same numbers. Plain constants: no cdktf here.
 */
export const PORTS = {
  /** Kafka client listener (PLAINTEXT inside the VPC). */
  kafkaClient: 9092,
  /** Kafka KRaft controller listener. */
  kafkaController: 9093,
  /** Cassandra native protocol (CQL). */
  cassandraCql: 9042,
  /** Cassandra internode (gossip, streaming). */
  cassandraInternode: 7000,
  /** Prometheus JMX exporter on Kafka brokers and Cassandra nodes. */
  jmxExporter: 7071,
  /** Prometheus node exporter on every instance. */
  nodeExporter: 9100,
  /** The apps' `/healthz`, `/metrics` and `/admin` HTTP server (apps/shared/config.ts default). */
  appHttp: 9400,
  /** Prometheus on the monitoring instance. */
  prometheus: 9090,
  /** Grafana on the monitoring instance. */
  grafana: 3000,
  /** The twin's S3 API (moto server). */
  s3: 5000,
} as const;

/**
 * Fixed private addresses of stateful members: member with ordinal k in its zone (k = 0, 1, …)
 * gets host offset `base + k` in its zone's private subnet. AWS reserves offsets 0–3 and the
 * last address; the ASG's own interfaces take free addresses around them.
 */
export const FIXED_ADDRESS_BASE = { kafka: 16, cassandra: 32 } as const;

/** At most this many members of one stateful cluster per zone (fixed addresses must not collide). */
export const MAX_STATEFUL_MEMBERS_PER_ZONE = 16;

/** Smallest private subnet that holds every fixed address: /26 (64 addresses). */
export const MIN_PRIVATE_SUBNET_SIZE = 64;

/** CloudWatch metrics the consumer fleet publishes and its lag-based scaling policy reads. */
export const CONSUMER_LAG_METRIC = {
  /** Custom metric namespace; the fleets' PutMetricData permission is limited to it. */
  namespace: 'Terratower',
  /** Total lag of the consumer group, records (every consumer publishes it; scaling takes the average). */
  name: 'ConsumerGroupLag',
  /** Dimension that names the consumer group (its value is the group id). */
  dimension: 'ConsumerGroup',
} as const;

/**
 * CloudWatch metrics the brokers and app members publish for the alarms (`spec.alarms`), in the
 * consumers' namespace. `dimension` is `Pipeline`, valued `<stack>[-<run id>]` (run-scoped).
 */
export const PIPELINE_HEALTH_METRICS = {
  /** Namespace (the same as the lag metric's: one PutMetricData grant per role). */
  namespace: CONSUMER_LAG_METRIC.namespace,
  /** Count of under-replicated partitions, every broker each minute (the alarm takes the maximum). */
  underReplicatedPartitions: 'UnderReplicatedPartitions',
  /** 1 each time an app member reports itself Unhealthy to its group (dimension `Group` too). */
  unhealthyReports: 'UnhealthyReports',
  /** Dimension naming the run: `<stack>[-<run id>]`. */
  dimension: 'Pipeline',
  /** Second dimension of `unhealthyReports`: the group. */
  groupDimension: 'Group',
} as const;
