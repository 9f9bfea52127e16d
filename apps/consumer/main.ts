/**
 * Consumer app: Kafka → Cassandra. Configuration from the environment (apps/shared/config.ts);
 * HTTP on TT_HTTP_HOST:TT_HTTP_PORT: `/healthz`, `/metrics`. SIGTERM: finish in-flight batches,
 * commit, leave the group, disconnect, exit 0.
 *
 * The HTTP server listens before the heavy modules (kafkajs, cassandra-driver) load, so a slow
 * start on a busy machine answers health checks ("starting") instead of looking dead.
 */
import { readConsumerConfig } from '../shared/config.ts';
import { closeServer, startAppServer } from '../shared/http.ts';
import { envInt, handleSignals } from '../shared/lifecycle.ts';
import { createLogger } from '../shared/log.ts';
import { createRegistry } from '../shared/metrics.ts';
import type { PipelineConsumer } from './consumer.ts';
import { consumerMetrics } from './metrics.ts';
import type { CassandraSink } from './sink.ts';

const config = readConsumerConfig();
const log = createLogger({ app: 'consumer', member: config.memberId, zone: config.zone });
const registry = createRegistry('consumer', config.memberId);
const metrics = consumerMetrics(registry);
let consumer: PipelineConsumer | undefined;
let sink: CassandraSink | undefined;
let phase: 'starting' | 'running' | 'stopping' = 'starting';

const server = await startAppServer({
  host: config.httpHost,
  port: config.httpPort,
  registry,
  health: () => ({ ok: consumer?.healthy() ?? true, detail: { phase } }),
});
handleSignals(log, async () => {
  phase = 'stopping';
  await consumer?.stop();
  await sink?.close().catch(() => {});
  await closeServer(server);
});
log.info('starting', {
  brokers: config.kafkaBrokers,
  groupId: config.groupId,
  cassandra: config.cassandraContactPoints,
  consistency: config.consistency,
});

const [
  { DEFAULT_CONSUMER_TUNING, PipelineConsumer: Consumer },
  { CassandraSink: Sink, consistencyCode, corruptIdsFromEnv },
  { createKafka },
] = await Promise.all([import('./consumer.ts'), import('./sink.ts'), import('../shared/kafka.ts')]);
consistencyCode(config.consistency); // fail fast on a bad TT_CONSISTENCY
const tuning = {
  writeConcurrency: envInt('TT_WRITE_CONCURRENCY', DEFAULT_CONSUMER_TUNING.writeConcurrency),
  sliceSize: envInt('TT_SLICE_SIZE', DEFAULT_CONSUMER_TUNING.sliceSize),
  partitionsConcurrently: envInt('TT_PARTITIONS_CONCURRENTLY', DEFAULT_CONSUMER_TUNING.partitionsConcurrently),
  lagPollMs: envInt('TT_LAG_POLL_MS', DEFAULT_CONSUMER_TUNING.lagPollMs),
};
const corruptIds = corruptIdsFromEnv();
if (corruptIds.size > 0) log.warn('fault injection: writing spoiled content for some ids', { ids: [...corruptIds] });
sink = new Sink(config, tuning.writeConcurrency, { corruptIds });
await sink.connect();
if (phase === 'starting') {
  consumer = new Consumer(
    config,
    createKafka(config.memberId, config.kafkaBrokers, log, config),
    sink,
    metrics,
    log,
    tuning,
  );
  await consumer.start();
  if (phase === 'starting') phase = 'running';
}
log.info('started');
