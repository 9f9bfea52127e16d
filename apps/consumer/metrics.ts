/** The consumer's Prometheus metrics. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RateMeter } from '../shared/metrics.ts';

/** Metrics a consumer instance exposes on `/metrics`. */
export interface ConsumerMetrics {
  /** Records written to Cassandra. */
  records: Counter;
  /** Sum of lag over the partitions this member owns: the metric the group controller scales on. */
  lag: Gauge;
  partitionLag: Gauge<'partition'>;
  writeSeconds: Histogram;
  /** End-to-end latency: the record's produce time → its durable write in Cassandra. */
  e2eSeconds: Histogram;
  /** How far the producer ran behind its open-model schedule for the record (produce − due, ≥ 0). */
  behindScheduleSeconds: Histogram;
  retries: Counter;
  deadLettered: Counter<'kind'>;
  errors: Counter<'kind'>;
  partitions: Gauge;
  /** Feeds `terratower_consumer_records_per_second`. */
  meter: RateMeter;
}

/** Bucket bounds (seconds) of the latency histograms: fine below a second, coarse up to two minutes. */
export const LATENCY_BUCKETS = [
  0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120,
];

/** Register the consumer's metrics on `registry`. */
export function consumerMetrics(registry: Registry): ConsumerMetrics {
  const meter = new RateMeter();
  meter.gauge(
    registry,
    'terratower_consumer_records_per_second',
    'Records written to Cassandra per second (10 s window)',
  );
  return {
    meter,
    records: new Counter({
      name: 'terratower_consumer_records_total',
      help: 'Records written to Cassandra',
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'terratower_consumer_lag_records',
      help: 'Consumer lag summed over the partitions this member owns, records',
      registers: [registry],
    }),
    partitionLag: new Gauge({
      name: 'terratower_consumer_partition_lag_records',
      help: 'Consumer lag per owned partition, records',
      labelNames: ['partition'],
      registers: [registry],
    }),
    writeSeconds: new Histogram({
      name: 'terratower_consumer_write_seconds',
      help: 'Latency of one Cassandra write (including retries), seconds',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    e2eSeconds: new Histogram({
      name: 'terratower_consumer_e2e_seconds',
      help: 'End-to-end latency: record produced (Kafka CreateTime) → written to Cassandra at the configured consistency, seconds',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    behindScheduleSeconds: new Histogram({
      name: 'terratower_consumer_behind_schedule_seconds',
      help: 'How far the producer ran behind its open-model schedule for each written record (produced − due), seconds',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    retries: new Counter({
      name: 'terratower_consumer_retries_total',
      help: 'Cassandra write retries after transient errors',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'terratower_consumer_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    errors: new Counter({
      name: 'terratower_consumer_errors_total',
      help: 'Errors, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    partitions: new Gauge({
      name: 'terratower_consumer_partitions',
      help: 'Partitions assigned to this member',
      registers: [registry],
    }),
  };
}
