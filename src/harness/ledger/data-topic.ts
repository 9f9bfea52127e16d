/**
 * Where along S3 → Kafka → Cassandra a lost record went missing: the data topic itself is read
 * from the earliest offset to its current end (the high watermarks taken when the read starts),
 * looking for the lost ids (message key = record id), and the consumer group's committed offsets
 * say whether the consumers got past each one. A missing message is looked up in the broker's log
 * before it is called lost in S3.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { TopicLocation } from '../../model/target.ts';

/** Where to look. */
export interface LocateOptions {
  brokers: string[];
  /** The data topic. */
  topic: string;
  /** The consumers' group id (its committed offsets). */
  groupId: string;
  /** Give up after this long. @default 120 000 */
  timeoutMs?: number;
}

/** Find `ids` on the data topic; ids not on it are absent from the result. */
export async function locateInTopic(ids: ReadonlySet<string>, o: LocateOptions): Promise<Map<string, TopicLocation>> {
  const found = new Map<string, TopicLocation>();
  if (ids.size === 0) return found;
  const kafka = new Kafka({ clientId: 'terratower-ledger', brokers: o.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  const committed = new Map<number, bigint>();
  try {
    const offsets = await admin.fetchTopicOffsets(o.topic);
    ends = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    const groups = await admin.fetchOffsets({ groupId: o.groupId, topics: [o.topic] });
    for (const p of groups[0]?.partitions ?? []) {
      const c = BigInt(p.offset);
      if (c >= 0n) committed.set(p.partition, c);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (ends.size === 0) return found;
  const groupId = `terratower-locate-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const remaining = new Map(ends);
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: o.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading ${o.topic}: still ${remaining.size} partition(s) short after ${(o.timeoutMs ?? 120_000) / 1000}s`,
            ),
          ),
        o.timeoutMs ?? 120_000,
      );
      consumer
        .run({
          autoCommit: false,
          // Each batch is resolved as it is read: kafkajs fetches from the last resolved offset, so
          // without it a partition longer than one fetch would be read from its start forever.
          eachBatch: async ({ batch, resolveOffset }) => {
            const end = remaining.get(batch.partition);
            if (end === undefined) return;
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset >= end) break;
              const id = m.key?.toString('utf8');
              if (id !== undefined && ids.has(id) && !found.has(id)) {
                const c = committed.get(batch.partition);
                found.set(id, {
                  partition: batch.partition,
                  offset: m.offset,
                  consumed: c !== undefined && c > offset,
                });
              }
            }
            const last = batch.messages.at(-1);
            if (last) resolveOffset(last.offset);
            if (last && BigInt(last.offset) + 1n >= end) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        });
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined);
    await cleanup.disconnect().catch(() => undefined);
  }
  return found;
}
