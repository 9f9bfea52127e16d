/**
 * End-to-end latency of the pipeline against Kafka's own `org.apache.kafka.tools.EndToEndLatency`
 * (from the twin's Kafka jars), on the same brokers, with the same acks (all) and record size (the
 * app's mean encoded message), in one run on one local twin.
 *
 * - pipeline: one producer and one consumer app run by the twin at a baseline load (open model:
 *   the producer's records are due on a schedule); the consumer's histogram of produce → durable
 *   write in Cassandra (`terratower_consumer_e2e_seconds`) is scraped before and after the
 *   measured interval, so p50/p99 are those of the records written in it.
 * - reference: EndToEndLatency sends one record at a time and waits until its consumer reads it
 *   back (produce → consume, acks=all), on a topic with the data topic's replication (RF 3, min ISR 2).
 *
 * The pipeline adds a Cassandra write at the spec's consistency: its share of the difference is
 * the consumer's write-latency p50 (`terratower_consumer_write_seconds`) over (pipeline p50 −
 * Kafka p50).
 *
 *   node --import tsx bench/latency.ts [--rate R] [--seconds S] [--slot N] [--messages M]
 *
 * Prints one JSON line per measurement and the ratios at the end. Always tears the twin down.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { encodeDataMessage } from '../apps/shared/messages.ts';
import { splitCsvLine } from '../apps/shared/record.ts';
import { generateDataset, uploadDataset } from '../src/harness/dataset/index.ts';
import { bucketDelta, histogramBuckets, quantileMs } from '../src/harness/metrics/latency.ts';
import { METRICS } from '../src/spec/metric-names.ts';
import { PORTS } from '../src/spec/ports.ts';
import { defaultSpec, validateSpec, type PipelineSpec } from '../src/spec/index.ts';
import { parsePrometheus } from '../src/support/prometheus-text.ts';
import { kafkaClasspath } from '../src/twin/install/index.ts';
import { benchSession } from './measure.ts';
import { readFile } from 'node:fs/promises';

const { values } = parseArgs({
  options: {
    rate: { type: 'string' },
    seconds: { type: 'string' },
    slot: { type: 'string' },
    messages: { type: 'string' },
  },
});
const RATE = Number(values.rate ?? 300);
const SECONDS = Number(values.seconds ?? 60);
const SLOT = Number(values.slot ?? 0);
const MESSAGES = Number(values.messages ?? 3000);

const spec: PipelineSpec = validateSpec({
  ...defaultSpec(),
  name: 'ttlat',
  producers: { ...defaultSpec().producers, min: 1, desired: 1, max: 1 },
  consumers: { ...defaultSpec().consumers, min: 1, desired: 1, max: 1 },
});

const log = (what: string, fields: Record<string, unknown>): void =>
  console.log(JSON.stringify({ what, ...fields, load1: Number(loadavg()[0]!.toFixed(2)) }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** p50/p99 (ms) of the records a histogram counted between two scrapes. */
function interval(before: string, after: string, name: string): { count: number; p50: number; p99: number } {
  const a = histogramBuckets(parsePrometheus(before), name);
  const b = histogramBuckets(parsePrometheus(after), name);
  if (!a || !b) throw new Error(`the consumer exports no ${name}`);
  const delta = bucketDelta(b, a);
  return {
    count: delta.reduce((x, y) => x + y, 0),
    p50: quantileMs(b.bounds, delta, 0.5) ?? Number.NaN,
    p99: quantileMs(b.bounds, delta, 0.99) ?? Number.NaN,
  };
}

/** p50/p99 (ms) of Kafka's EndToEndLatency: MESSAGES records one at a time, acks=all. */
async function kafkaEndToEnd(bootstrap: string[], topic: string, size: number): Promise<{ p50: number; p99: number }> {
  const child = spawn(
    'java',
    [
      '-XX:-UsePerfData', // no /tmp/hsperfdata_<user> left behind
      '-Xmx256m',
      '-cp',
      kafkaClasspath(),
      'org.apache.kafka.tools.EndToEndLatency',
      bootstrap.join(','),
      topic,
      String(MESSAGES),
      'all',
      String(size),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // "Percentiles: 50th = 2, 99th = 9, 99.9th = 25"
  const m = /Percentiles: 50th = ([\d.]+), 99th = ([\d.]+)/.exec(out);
  if (code !== 0 || !m) throw new Error(`EndToEndLatency failed (exit ${code}):\n${out.slice(-2000)}`);
  return { p50: Number(m[1]), p99: Number(m[2]) };
}

const session = await benchSession(spec, SLOT, 'tt-bench-latency-');
try {
  const { twin, work } = session;
  const memberOf = async (group: 'producers' | 'consumers'): Promise<string> => {
    for (;;) {
      const status = await twin.client.status();
      const m = status.groups.find((g) => g.group === group)?.members.find((x) => x.lifecycle === 'InService');
      if (m) return m.address;
      await sleep(1000);
    }
  };
  const producer = await memberOf('producers');
  const consumer = await memberOf('consumers');
  const setRate = (recordsPerSecond: number): Promise<unknown> =>
    fetch(`http://${producer}:${PORTS.appHttp}/admin/rate`, {
      method: 'POST',
      body: JSON.stringify({ recordsPerSecond }),
      signal: AbortSignal.timeout(5000),
    });
  const scrape = async (): Promise<string> =>
    (await fetch(`http://${consumer}:${PORTS.appHttp}/metrics`, { signal: AbortSignal.timeout(5000) })).text();

  // A data set lasting the warm-up and the measured interval at the baseline rate.
  const dir = join(work, 'data');
  const manifest = await generateDataset({
    rows: Math.ceil(RATE * (SECONDS + 30) * 1.2),
    objects: 1,
    seed: 'lat',
    outDir: dir,
  });
  const lines = (await readFile(join(dir, manifest.objects[0]!.name), 'utf8'))
    .split('\n')
    .slice(1, 2001)
    .filter(Boolean);
  // The app's record on the wire: key + value (the CreateTime is in every record anyway; on schedule
  // there is no behind-schedule header).
  const size = Math.round(
    lines.reduce((n, line, i) => {
      const split = splitCsvLine(line);
      if (!split.ok) return n;
      const value = encodeDataMessage({
        object: `${spec.dataset.prefix}part-00000.csv`,
        line: i + 2,
        fields: split.fields,
      });
      return n + value.length + split.fields[0]!.length;
    }, 0) / lines.length,
  );
  await setRate(RATE);
  await uploadDataset({
    dir,
    bucket: twin.endpoints.bucket,
    prefix: spec.dataset.prefix,
    endpoint: twin.endpoints.s3Endpoint,
    region: spec.region,
  });
  await sleep(30_000); // warm-up: JIT, connections, the first objects claimed
  const before = await scrape();
  await sleep(SECONDS * 1000);
  const after = await scrape();
  const pipeline = interval(before, after, METRICS.consumerEndToEndLatency);
  const write = interval(before, after, METRICS.consumerWriteLatency);
  const behind = interval(before, after, METRICS.consumerBehindSchedule);
  log('pipeline', {
    rate: RATE,
    seconds: SECONDS,
    records: pipeline.count,
    p50: pipeline.p50,
    p99: pipeline.p99,
    writeP50: write.p50,
    writeP99: write.p99,
    behindScheduleP99: behind.p99,
    recordBytes: size,
  });
  await setRate(0);

  // The reference on the same brokers: a topic replicated as the data topic is.
  const kafka = new Kafka({
    clientId: 'bench-latency',
    brokers: twin.endpoints.kafkaBootstrap,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topic = 'tt-bench-e2e';
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 1,
        replicationFactor: spec.kafka.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(spec.kafka.minInSyncReplicas) }],
      },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const reference = await kafkaEndToEnd(twin.endpoints.kafkaBootstrap, topic, size);
  log('kafka EndToEndLatency', {
    messages: MESSAGES,
    acks: 'all',
    recordBytes: size,
    p50: reference.p50,
    p99: reference.p99,
  });

  const difference = pipeline.p50 - reference.p50;
  log('ratios', {
    p50: Math.round((pipeline.p50 / reference.p50) * 100) / 100,
    p99: Math.round((pipeline.p99 / reference.p99) * 100) / 100,
    // What the Cassandra write takes of what the pipeline adds over Kafka alone.
    cassandraWriteShareOfDifference: difference > 0 ? Math.round((write.p50 / difference) * 100) / 100 : null,
  });
} finally {
  await session.stop();
}
