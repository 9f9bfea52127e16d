/**
 * The producer app under different settings, on one twin, against ProducerPerformance measured
 * before and after (the machine's mood drifts): for tuning the producer, not a target check.
 *
 *   node --import tsx bench/producer-variants.ts [--rows N] [--slot S] [--repeat R] [--trace] VARIANT...
 *
 * A VARIANT is `name` or `name:KEY=VALUE,KEY=VALUE` — environment for the app (e.g.
 * `big:TT_BATCH_SIZE=8000`); the key ENTRY names another app entry point instead (e.g. a
 * checkout of an earlier version: `old:ENTRY=/tmp/old/apps/producer/main.ts`) and OBJECTS the
 * number of objects the rows are split into (default 4, as bench/throughput.ts). Each run produces the same rows under its own prefix (so no
 * checkpoint of an earlier run applies). `--trace` prints when the app's counter moved (with
 * `TT_LOG_LEVEL=info` in a variant, the app's own log lines interleave). Always tears the twin down.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { producerEnv } from '../apps/shared/config.ts';
import { encodeDataMessage } from '../apps/shared/messages.ts';
import { splitCsvLine } from '../apps/shared/record.ts';
import { generateDataset, uploadDataset, type DatasetManifest } from '../src/harness/dataset/index.ts';
import { defaultSpec, validateSpec, type PipelineSpec } from '../src/spec/index.ts';
import { benchSession, freePort, measureApp, producerPerformance } from './measure.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    slot: { type: 'string' },
    repeat: { type: 'string' },
    trace: { type: 'boolean' },
  },
});
const ROWS = Number(values.rows ?? 100_000);
const SLOT = Number(values.slot ?? 0);
const REPEAT = Number(values.repeat ?? 1);
const variants = (positionals.length > 0 ? positionals : ['default']).map((v) => {
  const [name, settings] = v.split(':', 2) as [string, string | undefined];
  const env = Object.fromEntries(
    (settings ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const { ENTRY: entry = 'apps/producer/main.ts', OBJECTS: objects = '4', ...rest } = env;
  return { name, env: rest, entry, objects: Number(objects) };
});

const spec: PipelineSpec = validateSpec({
  ...defaultSpec(),
  name: 'ttbench',
  producers: { ...defaultSpec().producers, min: 0, desired: 0, max: 1 },
  consumers: { ...defaultSpec().consumers, min: 0, desired: 0, max: 1 },
});
const log = (what: string, fields: Record<string, unknown>): void =>
  console.log(JSON.stringify({ what, ...fields, load1: Number(loadavg()[0]!.toFixed(2)) }));

/** A sample sink that prints each change of the counter: time, count, rate since the previous change. */
function trace(): (time: number, count: number) => void {
  let last: { time: number; count: number } | undefined;
  return (time, count) => {
    if (last && count === last.count) return;
    const rate = last ? Math.round(((count - last.count) / (time - last.time)) * 1000) : 0;
    console.log(JSON.stringify({ trace: new Date(time).toISOString().slice(11, 23), count, rate }));
    last = { time, count };
  };
}

const { twin, work, stop } = await benchSession(spec, SLOT, 'tt-bench-variants-');
try {
  const { kafkaBootstrap, s3Endpoint, bucket } = twin.endpoints;
  // One data set per object count; the same rows in each (same seed).
  const dirs = new Map<number, string>();
  let manifest: DatasetManifest | undefined;
  for (const objects of new Set(variants.map((v) => v.objects))) {
    dirs.set(objects, join(work, `data-${objects}`));
    manifest = await generateDataset({
      rows: ROWS,
      objects,
      malformedFraction: 0,
      seed: 'bench',
      outDir: dirs.get(objects)!,
    });
  }
  const dir = dirs.get(manifest!.objects.length)!;
  const lines = (await readFile(join(dir, manifest!.objects[0]!.name), 'utf8')).split('\n').slice(1).filter(Boolean);
  const payloads = lines.slice(0, 20_000).map((line, i) =>
    encodeDataMessage({
      object: `${spec.dataset.prefix}${manifest!.objects[0]!.name}`,
      line: i + 2,
      fields: (splitCsvLine(line) as { fields: string[] }).fields,
    }).toString('utf8'),
  );
  const payloadFile = join(work, 'payloads.txt');
  await writeFile(payloadFile, payloads.join('\n'));

  const admin = new Kafka({ clientId: 'bench', brokers: kafkaBootstrap, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: 'bench-perf',
        numPartitions: spec.kafka.partitions,
        replicationFactor: spec.kafka.replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: String(spec.kafka.minInSyncReplicas) }],
      },
    ],
  });
  await admin.disconnect();

  const reference = async (): Promise<number> => {
    const rate = await producerPerformance(kafkaBootstrap, 'bench-perf', payloadFile, ROWS);
    log('ProducerPerformance', { recordsPerSecond: Math.round(rate) });
    return rate;
  };
  let run = 0;
  const producerApp = async (entry: string, env: Record<string, string>, objects: number): Promise<number> => {
    const prefix = `${spec.dataset.prefix}run-${run++}/`;
    await uploadDataset({ dir: dirs.get(objects)!, bucket, prefix, endpoint: s3Endpoint, region: spec.region });
    const port = await freePort();
    return measureApp(
      entry,
      {
        ...producerEnv({
          zone: spec.zones[0]!,
          kafkaBrokers: kafkaBootstrap,
          topic: spec.kafka.topic,
          deadLetterTopic: spec.kafka.deadLetterTopic,
          httpHost: '127.0.0.1',
          memberId: `bench-producer-${run}`,
          httpPort: port,
          s3Endpoint,
          region: spec.region,
          bucket,
          prefix,
          ratePerSecond: 0,
        }),
        ...env,
      },
      port,
      'terratower_producer_records_total',
      ROWS,
      values.trace ? trace() : undefined,
    );
  };
  // Warm-up (see bench/throughput.ts): the app's internal topics and groups are created now.
  const warmUp = await producerApp(variants[0]!.entry, {}, variants[0]!.objects).catch((error: unknown) =>
    String(error),
  );
  log('producer app warm-up', { recordsPerSecond: typeof warmUp === 'number' ? Math.round(warmUp) : warmUp });

  const references = [await reference()];
  const results: { name: string; rate: number }[] = [];
  for (let r = 0; r < REPEAT; r++) {
    for (const { name, env, entry, objects } of variants) {
      const rate = await producerApp(entry, env, objects);
      log(`producer app: ${name}`, { recordsPerSecond: Math.round(rate), env, objects });
      results.push({ name, rate });
    }
    references.push(await reference());
  }
  const ref = references.reduce((a, b) => a + b, 0) / references.length;
  console.log(
    `\nProducerPerformance: ${references.map((r) => Math.round(r)).join(', ')} rec/s (mean ${Math.round(ref)})`,
  );
  for (const { name, rate } of results)
    console.log(`${name}: ${Math.round(rate)} rec/s = ${(rate / ref).toFixed(2)}× ProducerPerformance`);
} finally {
  await stop();
}
