/**
 * Throughput of the apps against references measured in the same run, on one local twin:
 *
 * - producer: the producer app (S3 → Kafka, idempotent, acks=all, gzip, batches of 16 000 rows,
 *   one in flight while the next is read) vs `org.apache.kafka.tools.ProducerPerformance` from the twin's Kafka jars, same brokers,
 *   same records (its --payload-file holds the app's own encoded messages), acks=all, gzip,
 *   idempotence on. Target ≥ 0.9×.
 * - sink: the consumer app (Kafka → Cassandra) vs a max-concurrency writer (cassandra-driver,
 *   the same prepared INSERT, the same consistency, 256 writes in flight). cassandra-stress is
 *   not on Maven Central. Target ≥ 0.8×.
 *
 * - clients: kafkajs (what the producer app uses) vs @platformatic/kafka (pure JS), raw, the
 *   same messages, idempotent, acks=all, gzip, batches of 2 000, one batch in flight.
 *
 *   node --import tsx bench/throughput.ts [--rows N] [--slot S] [--concurrency C]
 *
 * Prints one JSON line per measurement and the ratios at the end. Always tears the twin down.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'cassandra-driver';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { Producer as PlatformaticProducer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { consumerEnv, producerEnv } from '../apps/shared/config.ts';
import { encodeDataMessage } from '../apps/shared/messages.ts';
import { splitCsvLine, validateFields } from '../apps/shared/record.ts';
import { classifyWriteError } from '../apps/consumer/errors.ts';
import { consistencyCode, insertCql, insertParams } from '../apps/consumer/sink.ts';
import { generateDataset, uploadDataset } from '../src/dataset/index.ts';
import { defaultSpec, validateSpec, type PipelineSpec } from '../src/spec/index.ts';
import { benchSession, freePort, measureApp, producerPerformance } from './measure.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string' }, slot: { type: 'string' }, concurrency: { type: 'string' } },
});
const ROWS = Number(values.rows ?? 100_000);
const SLOT = Number(values.slot ?? 0);
const CONCURRENCY = Number(values.concurrency ?? 256);

const spec: PipelineSpec = validateSpec({
  ...defaultSpec(),
  name: 'ttbench',
  // The bench starts the apps itself, one at a time, so nothing else competes for the 2 cores.
  producers: { ...defaultSpec().producers, min: 0, desired: 0, max: 1 },
  consumers: { ...defaultSpec().consumers, min: 0, desired: 0, max: 1 },
});

const log = (what: string, fields: Record<string, unknown>): void => console.log(JSON.stringify({ what, ...fields }));

/** Raw client rate: `n` messages in sequential batches of 2 000 through `send`. */
async function clientRate(n: number, payloads: string[], send: (batch: { key: string; value: string }[]) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i += 2000) {
    const batch = Array.from({ length: Math.min(2000, n - i) }, (_, j) => ({ key: `k-${i + j}`, value: payloads[(i + j) % payloads.length]! }));
    await send(batch);
  }
  return (n / (performance.now() - started)) * 1000;
}

async function kafkajsRate(bootstrap: string[], topic: string, payloads: string[], n: number): Promise<number> {
  const producer = new Kafka({ clientId: 'bench-kafkajs', brokers: bootstrap, logLevel: logLevel.NOTHING })
    .producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    return await clientRate(n, payloads, async (batch) => {
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch });
    });
  } finally {
    await producer.disconnect();
  }
}

async function platformaticRate(bootstrap: string[], topic: string, payloads: string[], n: number): Promise<number> {
  const producer = new PlatformaticProducer({
    clientId: 'bench-platformatic', bootstrapBrokers: bootstrap, idempotent: true, acks: ProduceAcks.ALL,
    compression: 'gzip', serializers: stringSerializers,
  });
  try {
    return await clientRate(n, payloads, async (batch) => {
      await producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value })) });
    });
  } finally {
    await producer.close();
  }
}

async function maxConcurrencyWriter(contactPoints: string[], lines: string[], object: string): Promise<number> {
  const client = new Client({ contactPoints, localDataCenter: spec.region, protocolOptions: { port: 9042 }, pooling: { maxRequestsPerConnection: 1024 } });
  await client.connect();
  try {
    const cql = insertCql(spec.cassandra.keyspace, spec.cassandra.table);
    const consistency = consistencyCode(spec.cassandra.consistency);
    const records = lines.map((line) => {
      const split = splitCsvLine(line);
      const result = split.ok ? validateFields(split.fields) : undefined;
      if (!result?.ok) throw new Error('bench data has a malformed row');
      return result.record;
    });
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < records.length; i = next++) {
          // Retry timeouts like any real writer would (a busy 2-core machine times out some writes).
          for (let attempt = 0; ; attempt++) {
            try {
              await client.execute(cql, insertParams(records[i]!, object, i + 2), { prepare: true, consistency });
              break;
            } catch (error) {
              if (classifyWriteError(error) !== 'transient' || attempt >= 20) throw error;
              await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
            }
          }
        }
      }),
    );
    return (records.length / (performance.now() - started)) * 1000;
  } finally {
    await client.shutdown();
  }
}

const { twin, work, stop } = await benchSession(spec, SLOT, 'tt-bench-');
try {
  const { kafkaBootstrap, cassandraContactPoints, s3Endpoint, bucket } = twin.endpoints;
  const dir = join(work, 'data');
  const manifest = await generateDataset({ rows: ROWS, objects: 4, malformedFraction: 0, seed: 'bench', outDir: dir });
  await uploadDataset({ dir, bucket, prefix: spec.dataset.prefix, endpoint: s3Endpoint, region: spec.region });

  // The app's own messages as ProducerPerformance payloads (same size, same compressibility).
  const lines = (await readFile(join(dir, manifest.objects[0]!.name), 'utf8')).split('\n').slice(1).filter(Boolean);
  const payloads = lines.slice(0, 20_000).map((line, i) =>
    encodeDataMessage({ object: `${spec.dataset.prefix}${manifest.objects[0]!.name}`, line: i + 2, fields: (splitCsvLine(line) as { fields: string[] }).fields }).toString('utf8'),
  );
  const payloadFile = join(work, 'payloads.txt');
  await writeFile(payloadFile, payloads.join('\n'));
  const meanBytes = payloads.reduce((s, p) => s + Buffer.byteLength(p), 0) / payloads.length;
  log('dataset', { rows: ROWS, meanMessageBytes: Math.round(meanBytes) });

  const kafka = new Kafka({ clientId: 'bench', brokers: kafkaBootstrap, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: ['bench-perf', 'bench-clients'].map((topic) => ({
      topic, numPartitions: spec.kafka.partitions, replicationFactor: spec.kafka.replicationFactor,
      configEntries: [{ name: 'min.insync.replicas', value: String(spec.kafka.minInSyncReplicas) }],
    })),
  });
  await admin.disconnect();

  const common = {
    zone: spec.zones[0]!, kafkaBrokers: kafkaBootstrap, topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic, httpHost: '127.0.0.1',
  };
  const producerApp = async (memberId: string, prefix: string, rows: number): Promise<number> => {
    const port = await freePort();
    return measureApp(
      'apps/producer/main.ts',
      producerEnv({ ...common, memberId, httpPort: port, s3Endpoint, region: spec.region, bucket, prefix, ratePerSecond: 0 }),
      port, 'terratower_producer_records_total', rows,
    );
  };
  // Warm-up: the producer app's first start on a cluster creates its internal topics (progress,
  // 48-partition work topic) and the group-offsets topic; the brokers are busy with those new
  // replicas for a while. That is deployment, not throughput: let it happen before measuring.
  const warmDir = join(work, 'warm-up');
  await generateDataset({ rows: 20_000, objects: 1, malformedFraction: 0, seed: 'warm', outDir: warmDir });
  await uploadDataset({ dir: warmDir, bucket, prefix: 'warm-up/', endpoint: s3Endpoint, region: spec.region });
  const warmUp = await producerApp('bench-warm-up', 'warm-up/', 20_000).catch((error: unknown) => String(error));
  log('producer app warm-up', { recordsPerSecond: typeof warmUp === 'number' ? Math.round(warmUp) : warmUp });

  const reference = await producerPerformance(kafkaBootstrap, 'bench-perf', payloadFile, ROWS);
  log('ProducerPerformance', { recordsPerSecond: Math.round(reference) });

  const producerRate = await producerApp('bench-producer', spec.dataset.prefix, ROWS);
  log('producer app (kafkajs)', { recordsPerSecond: Math.round(producerRate) });

  const clientRows = Math.min(ROWS, 60_000);
  const kjs = await kafkajsRate(kafkaBootstrap, 'bench-clients', payloads, clientRows);
  log('client kafkajs (raw)', { recordsPerSecond: Math.round(kjs), records: clientRows });
  let plat = Number.NaN;
  try {
    plat = await platformaticRate(kafkaBootstrap, 'bench-clients', payloads, clientRows);
    log('client @platformatic/kafka (raw)', { recordsPerSecond: Math.round(plat), records: clientRows });
  } catch (error) {
    log('client @platformatic/kafka (raw) failed', { error: String(error) });
  }

  const writerRate = await maxConcurrencyWriter(cassandraContactPoints, lines, `${spec.dataset.prefix}${manifest.objects[0]!.name}`);
  log('max-concurrency writer', { recordsPerSecond: Math.round(writerRate), concurrency: CONCURRENCY, rows: lines.length });

  const cPort = await freePort();
  const consumerRate = await measureApp(
    'apps/consumer/main.ts',
    {
      ...consumerEnv({
        ...common, memberId: 'bench-consumer', httpPort: cPort, groupId: `bench-${Date.now()}`,
        cassandraContactPoints, cassandraDataCenter: spec.region, keyspace: spec.cassandra.keyspace,
        table: spec.cassandra.table, consistency: spec.cassandra.consistency,
      }),
      TT_WRITE_CONCURRENCY: String(CONCURRENCY),
      TT_PARTITIONS_CONCURRENTLY: String(spec.kafka.partitions),
    },
    cPort, 'terratower_consumer_records_total', ROWS,
  );
  log('consumer app', { recordsPerSecond: Math.round(consumerRate) });

  console.log(
    `\nproducer / ProducerPerformance = ${(producerRate / reference).toFixed(2)}× (target ≥ 0.9×)` +
      `\nconsumer / max-concurrency writer = ${(consumerRate / writerRate).toFixed(2)}× (target ≥ 0.8×)` +
      `\n@platformatic/kafka / kafkajs (raw clients) = ${(plat / kjs).toFixed(2)}×`,
  );
} finally {
  await stop();
}
