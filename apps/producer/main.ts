/**
 * Producer app: S3 objects → Kafka. Configuration from the environment (apps/shared/config.ts);
 * HTTP on TT_HTTP_HOST:TT_HTTP_PORT: `/healthz`, `/metrics`, `GET|POST /admin/rate`
 * (`{"recordsPerSecond": N}`, 0 = unlimited), `GET /admin/status`. SIGTERM: finish and checkpoint
 * the current batch, leave the group, exit 0.
 */
import { readProducerConfig } from '../shared/config.ts';
import { closeServer, startAppServer } from '../shared/http.ts';
import { createKafka } from '../shared/kafka.ts';
import { envInt, handleSignals } from '../shared/lifecycle.ts';
import { createLogger } from '../shared/log.ts';
import { createRegistry } from '../shared/metrics.ts';
import { createS3Client } from '../shared/s3.ts';
import { producerMetrics } from './metrics.ts';
import { DEFAULT_TUNING, PipelineProducer } from './producer.ts';

const config = readProducerConfig();
const log = createLogger({ app: 'producer', member: config.memberId, zone: config.zone });
const registry = createRegistry('producer', config.memberId);
const metrics = producerMetrics(registry);
const s3 = createS3Client(config.region, config.s3Endpoint || undefined);
const producer = new PipelineProducer(config, createKafka(config.memberId, config.kafkaBrokers, log), s3, metrics, log, {
  batchSize: envInt('TT_BATCH_SIZE', DEFAULT_TUNING.batchSize),
  checkpointIntervalMs: envInt('TT_CHECKPOINT_MS', DEFAULT_TUNING.checkpointIntervalMs),
  relistIntervalMs: envInt('TT_RELIST_MS', DEFAULT_TUNING.relistIntervalMs),
});

const server = await startAppServer({
  host: config.httpHost,
  port: config.httpPort,
  registry,
  health: () => ({ ok: producer.healthy(), detail: { ...producer.status() } }),
  routes: {
    'GET /admin/rate': () => ({ status: 200, body: { recordsPerSecond: producer.limiter.recordsPerSecond } }),
    'POST /admin/rate': (body) => {
      const rate = (body as { recordsPerSecond?: unknown } | undefined)?.recordsPerSecond;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
        return { status: 400, body: { error: 'body must be {"recordsPerSecond": N} with N ≥ 0 (0 = unlimited)' } };
      }
      producer.setRate(rate);
      return { status: 200, body: { recordsPerSecond: rate } };
    },
    'GET /admin/status': () => ({ status: 200, body: producer.status() }),
  },
});
handleSignals(log, async () => {
  await producer.stop();
  await closeServer(server);
  s3.destroy();
});
log.info('starting', { brokers: config.kafkaBrokers, bucket: config.bucket, prefix: config.prefix, rate: config.ratePerSecond, http: `${config.httpHost}:${config.httpPort}` });
await producer.start();
log.info('started');
