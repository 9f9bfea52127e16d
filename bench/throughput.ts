/**
 * Throughput of the apps against references measured in the same run, on one local twin:
 *
 * - producer: the producer app (S3 → Kafka, idempotent, acks=all, gzip, batches of 16 000 rows,
 *   one in flight while the next is read) vs `org.apache.kafka.tools.ProducerPerformance` from the twin's Kafka jars, same brokers,
 *   same records (its --payload-file holds the app's own encoded messages), acks=all, gzip,
 *   idempotence on. Target ≥ 0.9×.
 * - sink: the consumer app (Kafka → Cassandra) vs a JVM writer on the DataStax Java driver 4.x
 *   (bench/java/JavaWriter.java: the same prepared INSERT with the version as write timestamp,
 *   the same consistency, asynchronous, `--java-in-flight` writes in flight). Target ≥ 0.8×. The
 *   Node max-concurrency writer (cassandra-driver, 256 in flight) is kept beside it, and the JVM
 *   writer runs once more without `USING TIMESTAMP`: what the version as write timestamp costs.
 *   cassandra-stress is not on Maven Central.
 *
 * - clients: kafkajs as it comes, kafkajs with the producer app's replacements (its message
 *   grouping and record encoder) and @platformatic/kafka (pure JS), raw, each in its own process
 *   (bench/client-rate.ts): the same messages, idempotent, acks=all, gzip, batches of 2 000, one
 *   batch in flight.
 *
 * The producer and client comparisons run in rounds (reference, then subject; `--rounds`, 3 by
 * default) after a warm-up of both, and report the median of the rounds' ratios: on this 2-core
 * machine, with the brokers on the same cores, one measurement swings by ±30 %.
 *
 *   node --import tsx bench/throughput.ts [--rows N] [--rounds R] [--slot S] [--concurrency C]
 *                                        [--java-in-flight N] [--sink-only]
 *
 * Prints one JSON line per measurement and the ratios at the end. Always tears the twin down.
 */
import { PAYMENTS_SCHEMA } from '../apps/shared/schema.ts';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Client } from 'cassandra-driver';
import { Kafka, logLevel } from 'kafkajs';
import { consumerEnv, producerEnv } from '../apps/shared/config.ts';
import { encodeDataMessage } from '../apps/shared/messages.ts';
import { splitCsvLine, validateFields } from '../apps/shared/record.ts';
import { classifyWriteError } from '../apps/consumer/errors.ts';
import { consistencyCode, insertCql, insertParams, versionTimestamp } from '../apps/consumer/sink.ts';
import { generateDataset, uploadDataset } from '../src/harness/dataset/index.ts';
import { defaultSpec, validateSpec, type PipelineSpec } from '../src/spec/index.ts';
import { javaWriterRate, javaWriterRows } from './java-writer.ts';
import { benchSession, freePort, measureApp, producerPerformance } from './measure.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string' },
    slot: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    'java-in-flight': { type: 'string' },
    'sink-only': { type: 'boolean' },
  },
});
/** Only the sink side: the producer app fills the data topic once, no producer or client rounds. */
const SINK_ONLY = values['sink-only'] === true;
const JAVA_IN_FLIGHT = Number(values['java-in-flight'] ?? 1024);
const ROWS = Number(values.rows ?? 100_000);
const SLOT = Number(values.slot ?? 0);
const CONCURRENCY = Number(values.concurrency ?? 256);
/** Reference and subject alternate this many times; the ratio is the median of the rounds' ratios. */
const ROUNDS = Number(values.rounds ?? 3);

const spec: PipelineSpec = validateSpec({
  ...defaultSpec(),
  name: 'ttbench',
  // The bench starts the apps itself, one at a time, so nothing else competes for the 2 cores.
  producers: { ...defaultSpec().producers, min: 0, desired: 0, max: 1 },
  consumers: { ...defaultSpec().consumers, min: 0, desired: 0, max: 1 },
});

const log = (what: string, fields: Record<string, unknown>): void =>
  console.log(JSON.stringify({ what, ...fields, load1: Number(loadavg()[0]!.toFixed(2)) }));
const execFileAsync = promisify(execFile);
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** One round: the reference's rate and the subject's, measured one after the other. */
interface Round {
  reference: number;
  subject: number;
}

/** Median of the rounds' subject/reference ratios (NaN rounds sort last and count). */
function medianRatio(rounds: Round[]): number {
  const ratios = rounds
    .map((r) => r.subject / r.reference)
    .sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b));
  return ratios[Math.floor((ratios.length - 1) / 2)] ?? Number.NaN;
}

/** Raw produce rate of one Kafka client, measured in a process of its own (bench/client-rate.ts). */
async function clientRate(
  client: string,
  bootstrap: string[],
  topic: string,
  payloadFile: string,
  n: number,
): Promise<number> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', 'bench/client-rate.ts', client, bootstrap.join(','), topic, payloadFile, String(n)],
    {
      maxBuffer: 1 << 20,
    },
  );
  return (JSON.parse(stdout.trim().split('\n').pop()!) as { recordsPerSecond: number }).recordsPerSecond;
}

async function maxConcurrencyWriter(contactPoints: string[], lines: string[], object: string): Promise<number> {
  const client = new Client({
    contactPoints,
    localDataCenter: spec.region,
    protocolOptions: { port: 9042 },
    pooling: { maxRequestsPerConnection: 1024 },
  });
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
              // The app's statement: the version is the write timestamp.
              const params = [...insertParams(records[i]!, object, i + 2), versionTimestamp(records[i]!)];
              await client.execute(cql, params, { prepare: true, consistency });
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

  // The app's own messages as ProducerPerformance payloads (same size, same compressibility).
  const lines = (await readFile(join(dir, manifest.objects[0]!.name), 'utf8')).split('\n').slice(1).filter(Boolean);
  const payloads = lines.slice(0, 20_000).map((line, i) =>
    encodeDataMessage({
      object: `${spec.dataset.prefix}${manifest.objects[0]!.name}`,
      line: i + 2,
      fields: (splitCsvLine(line) as { fields: string[] }).fields,
    }).toString('utf8'),
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
      topic,
      numPartitions: spec.kafka.partitions,
      replicationFactor: spec.kafka.replicationFactor,
      configEntries: [{ name: 'min.insync.replicas', value: String(spec.kafka.minInSyncReplicas) }],
    })),
  });
  await admin.disconnect();

  const common = {
    zone: spec.zones[0]!,
    kafkaBrokers: kafkaBootstrap,
    topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic,
    httpHost: '127.0.0.1',
  };
  const producerApp = async (memberId: string, prefix: string, rows: number): Promise<number> => {
    const port = await freePort();
    return measureApp(
      'apps/producer/main.ts',
      producerEnv({
        ...common,
        memberId,
        httpPort: port,
        s3Endpoint,
        region: spec.region,
        bucket,
        prefix,
        ratePerSecond: 0,
      }),
      port,
      'terratower_producer_records_total',
      rows,
    );
  };
  // Warm-up: the producer app's first start on a cluster creates its internal topics (progress,
  // 48-partition work topic) and the group-offsets topic; the brokers are busy with those new
  // replicas for a while, and their JIT is cold (ProducerPerformance's first run on a new twin
  // measured 19–21 k/s, its later ones 34–48 k/s). That is deployment, not throughput: let it
  // happen before measuring.
  if (SINK_ONLY) {
    const prefix = `${spec.dataset.prefix}sink-only/`;
    await uploadDataset({ dir, bucket, prefix, endpoint: s3Endpoint, region: spec.region });
    log('producer app (fills the data topic)', {
      recordsPerSecond: Math.round(await producerApp('bench-fill', prefix, ROWS)),
    });
  }
  const warmDir = join(work, 'warm-up');
  if (!SINK_ONLY)
    await generateDataset({ rows: 20_000, objects: 1, malformedFraction: 0, seed: 'warm', outDir: warmDir });
  if (!SINK_ONLY) {
    await uploadDataset({ dir: warmDir, bucket, prefix: 'warm-up/', endpoint: s3Endpoint, region: spec.region });
    const warmUp = await producerApp('bench-warm-up', 'warm-up/', 20_000).catch((error: unknown) => String(error));
    log('producer app warm-up', { recordsPerSecond: typeof warmUp === 'number' ? Math.round(warmUp) : warmUp });
    log('ProducerPerformance warm-up', {
      recordsPerSecond: Math.round(await producerPerformance(kafkaBootstrap, 'bench-perf', payloadFile, ROWS)),
    });
  }

  // Rounds: reference, then subject, again and again. The machine's mood drifts (the same
  // reference ran at 35–45 k/s within minutes), so a ratio is taken within a round.
  const producerRounds: Round[] = [];
  for (let round = 1; round <= (SINK_ONLY ? 0 : ROUNDS); round++) {
    const reference = await producerPerformance(kafkaBootstrap, 'bench-perf', payloadFile, ROWS);
    // Its own prefix per round: a checkpoint of an earlier round does not apply.
    const prefix = `${spec.dataset.prefix}round-${round}/`;
    await uploadDataset({ dir, bucket, prefix, endpoint: s3Endpoint, region: spec.region });
    const subject = await producerApp(`bench-producer-${round}`, prefix, ROWS);
    producerRounds.push({ reference, subject });
    log('producer round', {
      round,
      ProducerPerformance: Math.round(reference),
      producerApp: Math.round(subject),
      ratio: round2(subject / reference),
    });
  }

  // Raw clients: kafkajs as it comes, kafkajs with the producer app's two replacements
  // (apps/producer/kafkajs-grouping.ts, kafkajs-record.ts) and @platformatic/kafka.
  const clientRows = Math.min(ROWS, 60_000);
  const clients = ['kafkajs', 'kafkajs-patched', 'platformatic'] as const;
  const clientRounds: Record<(typeof clients)[number], number>[] = [];
  for (let round = 1; round <= (SINK_ONLY ? 0 : ROUNDS); round++) {
    const rates = { kafkajs: Number.NaN, 'kafkajs-patched': Number.NaN, platformatic: Number.NaN };
    for (const client of clients) {
      rates[client] = await clientRate(client, kafkaBootstrap, 'bench-clients', payloadFile, clientRows).catch(
        (error: unknown) => {
          log(`client ${client} failed`, { error: String(error) });
          return Number.NaN;
        },
      );
    }
    clientRounds.push(rates);
    log('client round', {
      round,
      records: clientRows,
      ...Object.fromEntries(clients.map((c) => [c, Math.round(rates[c])])),
    });
  }
  const versus = (subject: (typeof clients)[number], reference: (typeof clients)[number]): Round[] =>
    clientRounds.map((r) => ({ subject: r[subject], reference: r[reference] }));
  const ratioLine = (rounds: Round[]): string =>
    `${medianRatio(rounds).toFixed(2)}× (median of ${ROUNDS} rounds: ${rounds.map((r) => (r.subject / r.reference).toFixed(2)).join(', ')})`;

  const writerRate = await maxConcurrencyWriter(
    cassandraContactPoints,
    lines,
    `${spec.dataset.prefix}${manifest.objects[0]!.name}`,
  );
  log('max-concurrency writer', {
    recordsPerSecond: Math.round(writerRate),
    concurrency: CONCURRENCY,
    rows: lines.length,
  });

  // The JVM reference, with and without the version as the write timestamp.
  const records = lines.map((line) => {
    const split = splitCsvLine(line);
    const result = split.ok ? validateFields(split.fields) : undefined;
    if (!result?.ok) throw new Error('bench data has a malformed row');
    return result.record;
  });
  const rowsFile = join(work, 'java-rows.tsv');
  await writeFile(rowsFile, javaWriterRows(records, `${spec.dataset.prefix}${manifest.objects[0]!.name}`));
  const java = async (versionTimestamp: boolean): Promise<number> => {
    const r = await javaWriterRate({
      contactPoints: cassandraContactPoints,
      dataCenter: spec.region,
      cql: insertCql(spec.cassandra.keyspace, spec.cassandra.table, PAYMENTS_SCHEMA, versionTimestamp),
      consistency: spec.cassandra.consistency,
      inFlight: JAVA_IN_FLIGHT,
      rowsFile,
      versionTimestamp,
    });
    log('JVM writer', { versionTimestamp, ...r, inFlight: JAVA_IN_FLIGHT, rows: records.length });
    return r.recordsPerSecond;
  };
  const javaWarmUp = await java(true); // the first run warms the cluster's JIT for this statement
  const javaRate = await java(true);
  const javaPlain = await java(false);
  log('JVM writer summary', {
    warmUp: Math.round(javaWarmUp),
    withVersionTimestamp: Math.round(javaRate),
    without: Math.round(javaPlain),
  });

  const cPort = await freePort();
  const consumerRate = await measureApp(
    'apps/consumer/main.ts',
    {
      ...consumerEnv({
        ...common,
        memberId: 'bench-consumer',
        httpPort: cPort,
        groupId: `bench-${Date.now()}`,
        cassandraContactPoints,
        cassandraDataCenter: spec.region,
        keyspace: spec.cassandra.keyspace,
        table: spec.cassandra.table,
        consistency: spec.cassandra.consistency,
      }),
      TT_WRITE_CONCURRENCY: String(CONCURRENCY),
      TT_PARTITIONS_CONCURRENTLY: String(spec.kafka.partitions),
    },
    cPort,
    'terratower_consumer_records_total',
    ROWS,
  );
  log('consumer app', { recordsPerSecond: Math.round(consumerRate) });

  const producerRatio = medianRatio(producerRounds);
  const sinkLines =
    `\nconsumer app / JVM writer (DataStax Java driver, ${JAVA_IN_FLIGHT} in flight) = ${(consumerRate / javaRate).toFixed(2)}× (target ≥ 0.8×)` +
    `\nconsumer app / Node max-concurrency writer = ${(consumerRate / writerRate).toFixed(2)}×` +
    `\nJVM writer with the version as write timestamp / without = ${(javaRate / javaPlain).toFixed(2)}×`;
  if (SINK_ONLY) console.log(sinkLines);
  else
    console.log(
      `\nproducer app / ProducerPerformance = ${producerRatio.toFixed(2)}× (median of ${ROUNDS} rounds: ` +
        `${producerRounds.map((r) => (r.subject / r.reference).toFixed(2)).join(', ')}; target ≥ 0.9×)` +
        sinkLines +
        `\nraw clients: @platformatic/kafka / kafkajs = ${ratioLine(versus('platformatic', 'kafkajs'))}` +
        `\nraw clients: kafkajs with the app's replacements / kafkajs = ${ratioLine(versus('kafkajs-patched', 'kafkajs'))}` +
        `\nraw clients: @platformatic/kafka / kafkajs with the app's replacements = ${ratioLine(versus('platformatic', 'kafkajs-patched'))}`,
    );
} finally {
  await stop();
}
