/**
 * Producer app: S3 objects → Kafka. Configuration from the environment (apps/shared/config.ts);
 * HTTP on TT_HTTP_HOST:TT_HTTP_PORT: `/healthz`, `/metrics`, `GET|POST /admin/rate`
 * (`{"recordsPerSecond": N}`, 0 = unlimited), `GET /admin/status`. SIGTERM: finish and checkpoint
 * the current batch, leave the group, exit 0.
 *
 * The HTTP server listens before the heavy modules (kafkajs, AWS SDK) load, so a slow start on a
 * busy machine answers health checks ("starting") instead of looking dead.
 */
import { readProducerConfig } from '../shared/config.ts';
import { closeServer, startAppServer } from '../shared/http.ts';
import { envInt, handleSignals } from '../shared/lifecycle.ts';
import { createLogger } from '../shared/log.ts';
import { createRegistry } from '../shared/metrics.ts';
import { installLinearGrouping } from './kafkajs-grouping.ts';
import { installFastRecord } from './kafkajs-record.ts';
import { producerMetrics } from './metrics.ts';
import type { PipelineProducer } from './producer.ts';

// Before anything loads kafkajs (see kafkajs-grouping.ts and kafkajs-record.ts).
const groupingNotReplaced = installLinearGrouping();
const recordNotReplaced = installFastRecord();
const config = readProducerConfig();
const log = createLogger({ app: 'producer', member: config.memberId, zone: config.zone });
if (groupingNotReplaced)
  log.warn('kafkajs message grouping not replaced: sends cost more CPU', { reason: groupingNotReplaced });
if (recordNotReplaced)
  log.warn('kafkajs record encoder not replaced: sends cost more CPU', { reason: recordNotReplaced });
const registry = createRegistry('producer', config.memberId);
const metrics = producerMetrics(registry);
let producer: PipelineProducer | undefined;
let pendingRate: number = config.ratePerSecond;
let phase: 'starting' | 'running' | 'stopping' = 'starting';

const server = await startAppServer({
  host: config.httpHost,
  port: config.httpPort,
  registry,
  health: () => ({ ok: producer?.healthy() ?? true, detail: { phase, ...producer?.status() } }),
  routes: {
    'GET /admin/rate': () => ({
      status: 200,
      body: { recordsPerSecond: producer?.limiter.recordsPerSecond ?? pendingRate },
    }),
    'POST /admin/rate': (body) => {
      const rate = (body as { recordsPerSecond?: unknown } | undefined)?.recordsPerSecond;
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
        return { status: 400, body: { error: 'body must be {"recordsPerSecond": N} with N ≥ 0 (0 = unlimited)' } };
      }
      if (producer) producer.setRate(rate);
      else pendingRate = rate;
      return { status: 200, body: { recordsPerSecond: rate } };
    },
    'GET /admin/status': () => ({ status: 200, body: { phase, ...producer?.status() } }),
  },
});
let stopS3 = (): void => {};
handleSignals(log, async () => {
  phase = 'stopping';
  await producer?.stop();
  await closeServer(server);
  stopS3();
});
log.info('starting', {
  brokers: config.kafkaBrokers,
  bucket: config.bucket,
  prefix: config.prefix,
  rate: config.ratePerSecond,
  http: `${config.httpHost}:${config.httpPort}`,
});

const [{ DEFAULT_TUNING, PipelineProducer: Producer }, { createKafka }, { createS3Client }] = await Promise.all([
  import('./producer.ts'),
  import('../shared/kafka.ts'),
  import('../shared/s3.ts'),
]);
const s3 = createS3Client(config.region, config.s3Endpoint || undefined);
stopS3 = () => s3.destroy();
producer = new Producer(
  { ...config, ratePerSecond: pendingRate },
  createKafka(config.memberId, config.kafkaBrokers, log, config),
  s3,
  metrics,
  log,
  {
    batchSize: envInt('TT_BATCH_SIZE', DEFAULT_TUNING.batchSize),
    checkpointIntervalMs: envInt('TT_CHECKPOINT_MS', DEFAULT_TUNING.checkpointIntervalMs),
    relistIntervalMs: envInt('TT_RELIST_MS', DEFAULT_TUNING.relistIntervalMs),
  },
);
await producer.start();
if (phase === 'starting') phase = 'running';
log.info('started');
