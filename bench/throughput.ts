/**
 * Throughput of the apps against references measured in the same run, on one local twin:
 *
 * - producer: the producer app (S3 → Kafka, idempotent, acks=all, gzip, one batch in flight)
 *   vs `org.apache.kafka.tools.ProducerPerformance` from the twin's Kafka jars, same brokers,
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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
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
import { kafkaClasspath } from '../src/local/install/index.ts';
import { startTwin, stopTwin, type RunningTwin } from '../src/local/run.ts';
import { defaultSpec, validateSpec, type PipelineSpec } from '../src/spec/index.ts';

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function counter(port: number, name: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  if (!res || res.status !== 200) return -1;
  const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * Start an app, wait until its counter reaches `target`, stop it. The rate is measured from the
 * first poll that sees a record to the first that sees the target (start-up excluded).
 */
async function measureApp(entry: string, env: Record<string, string>, port: number, metric: string, target: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, ...env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', TT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    let first: { t: number; n: number } | undefined;
    const deadline = Date.now() + 20 * 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
      const n = await counter(port, metric);
      const t = performance.now();
      if (n > 0 && !first) first = { t, n };
      if (first && n >= target) {
        if (n === first.n) throw new Error('finished between two polls: use more rows');
        return ((n - first.n) / (t - first.t)) * 1000;
      }
      if (Date.now() > deadline) throw new Error(`${entry}: ${n} < ${target} after 20 min`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

async function producerPerformance(bootstrap: string[], topic: string, payloadFile: string, records: number): Promise<number> {
  const args = [
    '-Xmx512m', '-cp', kafkaClasspath(), 'org.apache.kafka.tools.ProducerPerformance',
    '--topic', topic, '--num-records', String(records), '--throughput', '-1', '--payload-file', payloadFile,
    '--producer-props', `bootstrap.servers=${bootstrap.join(',')}`, 'acks=all', 'compression.type=gzip',
    'enable.idempotence=true', 'batch.size=1048576', 'linger.ms=5',
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // Final line: "N records sent, X records/sec (Y MB/sec), …"
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.split('\n').filter((l) => l.includes('records sent')).pop() ?? '');
  if (code !== 0 || !m) throw new Error(`ProducerPerformance failed (exit ${code}):\n${out.slice(-2000)}`);
  return Number(m[2]);
}

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

let twin: RunningTwin | undefined;
const work = await mkdtemp(join(tmpdir(), 'tt-bench-'));
const stop = async (): Promise<void> => {
  if (twin) await stopTwin(twin.runId).catch((e: unknown) => console.error(e));
  twin = undefined;
  await rm(work, { recursive: true, force: true });
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  twin = await startTwin({ spec, slot: SLOT, ownerPid: process.pid });
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

  const reference = await producerPerformance(kafkaBootstrap, 'bench-perf', payloadFile, ROWS);
  log('ProducerPerformance', { recordsPerSecond: Math.round(reference) });

  const common = {
    zone: spec.zones[0]!, kafkaBrokers: kafkaBootstrap, topic: spec.kafka.topic,
    deadLetterTopic: spec.kafka.deadLetterTopic, httpHost: '127.0.0.1',
  };
  const pPort = await freePort();
  const producerRate = await measureApp(
    'apps/producer/main.ts',
    producerEnv({ ...common, memberId: 'bench-producer', httpPort: pPort, s3Endpoint, region: spec.region, bucket, prefix: spec.dataset.prefix, ratePerSecond: 0 }),
    pPort, 'terratower_producer_records_total', ROWS,
  );
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
