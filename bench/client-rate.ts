/**
 * One Kafka client's raw produce rate, in a process of its own (so kafkajs can be measured with
 * and without the producer app's replacements, which must be installed before kafkajs loads):
 * `n` messages from a payload file (one a line), keys `k-<i>`, in sequential batches of 2 000,
 * idempotent, acks=all, gzip, one batch in flight. Prints `{"recordsPerSecond": N}`.
 *
 *   node --import tsx bench/client-rate.ts CLIENT BOOTSTRAP TOPIC PAYLOAD_FILE N
 *
 * CLIENT: `kafkajs`, `kafkajs-patched` (with apps/producer's grouping and record encoder) or
 * `platformatic` (@platformatic/kafka).
 */
import { readFile } from 'node:fs/promises';
import { installLinearGrouping } from '../apps/producer/kafkajs-grouping.ts';
import { installFastRecord } from '../apps/producer/kafkajs-record.ts';

const BATCH = 2000;
const [client, bootstrapList, topicArg, payloadFile, count] = process.argv.slice(2);
if (!client || !bootstrapList || !topicArg || !payloadFile || !count) {
  throw new Error('usage: client-rate.ts kafkajs|kafkajs-patched|platformatic BOOTSTRAP TOPIC PAYLOAD_FILE N');
}
const topic: string = topicArg;
const bootstrap = bootstrapList.split(',');
const n = Number(count);
const payloads = (await readFile(payloadFile, 'utf8')).split('\n').filter(Boolean);

type Send = (batch: { key: string; value: string }[]) => Promise<void>;

/** A connected client's send function and how to close it. */
async function connect(): Promise<{ send: Send; close: () => Promise<void> }> {
  if (client === 'platformatic') {
    const { Producer, ProduceAcks, stringSerializers } = await import('@platformatic/kafka');
    const producer = new Producer({
      clientId: 'bench-platformatic',
      bootstrapBrokers: bootstrap,
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: 'gzip',
      serializers: stringSerializers,
    });
    return {
      send: async (batch) =>
        void (await producer.send({ messages: batch.map((m) => ({ topic, key: m.key, value: m.value })) })),
      close: () => producer.close(),
    };
  }
  if (client === 'kafkajs-patched') {
    const problem = installLinearGrouping() ?? installFastRecord();
    if (problem) throw new Error(`kafkajs not patched: ${problem}`);
  } else if (client !== 'kafkajs') {
    throw new Error(`unknown client ${client}: use kafkajs, kafkajs-patched or platformatic`);
  }
  const { CompressionTypes, Kafka, logLevel, Partitioners } = await import('kafkajs');
  const producer = new Kafka({ clientId: `bench-${client}`, brokers: bootstrap, logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    send: async (batch) =>
      void (await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: batch })),
    close: () => producer.disconnect(),
  };
}

const { send, close } = await connect();
try {
  const started = performance.now();
  for (let i = 0; i < n; i += BATCH) {
    await send(
      Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => ({
        key: `k-${i + j}`,
        value: payloads[(i + j) % payloads.length]!,
      })),
    );
  }
  console.log(JSON.stringify({ recordsPerSecond: (n / (performance.now() - started)) * 1000 }));
} finally {
  await close();
}
