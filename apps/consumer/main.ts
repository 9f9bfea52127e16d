/**
 * Consumer app: Kafka → Cassandra. Configuration from the environment (apps/shared/config.ts);
 * HTTP on TT_HTTP_HOST:TT_HTTP_PORT: `/healthz`, `/metrics`. SIGTERM: finish in-flight batches,
 * commit, leave the group, disconnect, exit 0.
 */
import { readConsumerConfig } from '../shared/config.ts';
import { closeServer, startAppServer } from '../shared/http.ts';
import { createKafka } from '../shared/kafka.ts';
import { envInt, handleSignals } from '../shared/lifecycle.ts';
import { createLogger } from '../shared/log.ts';
import { createRegistry } from '../shared/metrics.ts';
import { DEFAULT_CONSUMER_TUNING, PipelineConsumer } from './consumer.ts';
import { consumerMetrics } from './metrics.ts';
import { CassandraSink, consistencyCode } from './sink.ts';

const config = readConsumerConfig();
consistencyCode(config.consistency); // fail fast on a bad TT_CONSISTENCY
const log = createLogger({ app: 'consumer', member: config.memberId, zone: config.zone });
const registry = createRegistry('consumer', config.memberId);
const metrics = consumerMetrics(registry);
const tuning = {
  writeConcurrency: envInt('TT_WRITE_CONCURRENCY', DEFAULT_CONSUMER_TUNING.writeConcurrency),
  sliceSize: envInt('TT_SLICE_SIZE', DEFAULT_CONSUMER_TUNING.sliceSize),
  partitionsConcurrently: envInt('TT_PARTITIONS_CONCURRENTLY', DEFAULT_CONSUMER_TUNING.partitionsConcurrently),
};
const sink = new CassandraSink(config, tuning.writeConcurrency);
const consumer = new PipelineConsumer(config, createKafka(config.memberId, config.kafkaBrokers, log), sink, metrics, log, tuning);

const server = await startAppServer({
  host: config.httpHost,
  port: config.httpPort,
  registry,
  health: () => ({ ok: consumer.healthy() }),
});
handleSignals(log, async () => {
  await consumer.stop();
  await sink.close().catch(() => {});
  await closeServer(server);
});
log.info('starting', { brokers: config.kafkaBrokers, groupId: config.groupId, cassandra: config.cassandraContactPoints, consistency: config.consistency });
await sink.connect();
await consumer.start();
log.info('started');
