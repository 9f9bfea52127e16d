/** The producer's Prometheus metrics. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RateMeter } from '../shared/metrics.ts';

/** Metrics a producer instance exposes on `/metrics`. */
export interface ProducerMetrics {
  records: Counter;
  deadLettered: Counter;
  errors: Counter<'kind'>;
  objectsDone: Counter;
  /**
   * The dataset as this instance last saw it: `listed` objects under the prefix, and of those,
   * `produced` ones with a done checkpoint in the progress topic (by any instance).
   */
  datasetObjects: Gauge<'state'>;
  rateLimit: Gauge;
  objectsInProgress: Gauge;
  claims: Gauge;
  /** Feeds `terratower_producer_records_per_second`. */
  meter: RateMeter;
}

/** Register the producer's metrics on `registry`. */
export function producerMetrics(registry: Registry): ProducerMetrics {
  const meter = new RateMeter();
  meter.gauge(
    registry,
    'terratower_producer_records_per_second',
    'Records produced to the data topic per second (10 s window)',
  );
  return {
    meter,
    records: new Counter({
      name: 'terratower_producer_records_total',
      help: 'Records produced (acknowledged) to the data topic',
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'terratower_producer_dead_lettered_total',
      help: 'Malformed rows sent to the dead-letter topic',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'terratower_producer_errors_total',
      help: 'Errors, by kind',
      labelNames: ['kind'],
      registers: [registry],
    }),
    objectsDone: new Counter({
      name: 'terratower_producer_objects_done_total',
      help: 'Objects this instance finished',
      registers: [registry],
    }),
    datasetObjects: new Gauge({
      name: 'terratower_producer_dataset_objects',
      help: 'Objects of the dataset: listed under the prefix, and produced (a done checkpoint, by any instance)',
      labelNames: ['state'],
      registers: [registry],
    }),
    rateLimit: new Gauge({
      name: 'terratower_producer_rate_limit',
      help: 'Current rate limit, records/s (0 = unlimited)',
      registers: [registry],
    }),
    objectsInProgress: new Gauge({
      name: 'terratower_producer_objects_in_progress',
      help: 'Objects being produced now',
      registers: [registry],
    }),
    claims: new Gauge({
      name: 'terratower_producer_work_partitions',
      help: 'Work partitions (object shares) held',
      registers: [registry],
    }),
  };
}
