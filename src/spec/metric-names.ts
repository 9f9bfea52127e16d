/**
 * Metric names the dashboards and scrape config rely on, in one place so they are easy to align
 * with what the apps export (apps/{producer,consumer}/metrics.ts register them with prom-client and
 * serve them on `PORTS.appHttp`, `/metrics`; test/unit/monitoring-metric-names.test.ts checks the
 * two agree) and with node exporter on every instance.
 */
export const METRICS = {
  /** Counter: records the producer wrote to the data topic. */
  producerRecords: 'terratower_producer_records_total',
  /** Counter: malformed records the producer sent to the dead-letter topic. */
  producerDeadLettered: 'terratower_producer_dead_lettered_total',
  /** Counter: errors the producer hit (S3 reads, Kafka sends), labelled by `kind`. */
  producerErrors: 'terratower_producer_errors_total',
  /** Counter: records the consumer wrote to Cassandra. */
  consumerRecords: 'terratower_consumer_records_total',
  /** Gauge: records behind the log end, summed over the partitions this consumer owns. */
  consumerLag: 'terratower_consumer_lag_records',
  /** Gauge: records behind the log end per partition this consumer owns (label `partition`). */
  consumerPartitionLag: 'terratower_consumer_partition_lag_records',
  /** Histogram: latency of one Cassandra write (retries included), seconds (`_bucket`, `_sum`, `_count`). */
  consumerWriteLatency: 'terratower_consumer_write_seconds',
  /** Histogram: end-to-end latency, record produced (Kafka CreateTime) → durable write in Cassandra, seconds. */
  consumerEndToEndLatency: 'terratower_consumer_e2e_seconds',
  /** Histogram: how far the producer ran behind its open-model schedule per written record (produced − due), seconds. */
  consumerBehindSchedule: 'terratower_consumer_behind_schedule_seconds',
  /** Counter: records the consumer sent to the dead-letter topic. */
  consumerDeadLettered: 'terratower_consumer_dead_lettered_total',
  /** Counter: errors the consumer hit (Cassandra writes, Kafka commits), labelled by `kind`. */
  consumerErrors: 'terratower_consumer_errors_total',
  /** Counter (prom-client default metric, with the apps' `terratower_` prefix): CPU seconds of the app process. */
  processCpu: 'terratower_process_cpu_seconds_total',
  /** Counter (node exporter): CPU seconds per mode of the whole instance. */
  nodeCpu: 'node_cpu_seconds_total',
  /** Gauge Prometheus sets per target: 1 when the scrape succeeded. */
  up: 'up',
} as const;

/** Labels the dashboards group by. `group`, `zone` and `member` are set by the scrape config. */
export const LABELS = {
  /** Which group a target belongs to: producers, consumers, kafka, cassandra. */
  group: 'group',
  /** The target's availability zone (locally: the twin's zone name). */
  zone: 'zone',
  /** A stable member id: the instance id on AWS, the member id locally. */
  member: 'member',
  /** Kafka partition, on the per-partition lag gauge. */
  partition: 'partition',
} as const;

/** Names of the metrics an app group exports, by group. */
export const APP_METRICS = {
  producers: [METRICS.producerRecords, METRICS.producerDeadLettered, METRICS.producerErrors, METRICS.processCpu],
  consumers: [
    METRICS.consumerRecords,
    METRICS.consumerLag,
    METRICS.consumerPartitionLag,
    METRICS.consumerWriteLatency,
    METRICS.consumerEndToEndLatency,
    METRICS.consumerBehindSchedule,
    METRICS.consumerDeadLettered,
    METRICS.consumerErrors,
    METRICS.processCpu,
  ],
} as const;
