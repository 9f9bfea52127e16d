/**
 * Reads the dead-letter topic from the beginning to its current end (the high watermarks taken
 * when the read starts). Message key = `<object>:<line>`, value = the apps' `DeadLetter` JSON
 * (apps/shared/messages.ts).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import type { DeadLetter } from '../../model/target.ts';
import { skippedObjectOf } from './skipped.ts';

/** Decode one dead-letter message into the ledger's shape. */
export function toDeadLetter(message: Pick<KafkaMessage, 'key' | 'value'>): DeadLetter {
  const key = message.key?.toString('utf8');
  let reason = 'unreadable dead letter';
  let recordId: string | undefined;
  let skippedObject: string | undefined;
  try {
    const v = JSON.parse(message.value?.toString('utf8') ?? 'null') as {
      reason?: unknown;
      raw?: unknown;
      stage?: unknown;
      kind?: unknown;
      object?: unknown;
    } | null;
    if (v && typeof v.reason === 'string') reason = v.reason;
    if (v && typeof v.raw === 'string') recordId = recordIdOfRaw(v.raw, v.stage === 'consumer');
    skippedObject = skippedObjectOf(v);
  } catch {
    // keep the defaults
  }
  const letter: DeadLetter = { reason };
  if (key) letter.source = key;
  if (recordId) letter.recordId = recordId;
  if (skippedObject !== undefined) {
    letter.skippedObject = skippedObject;
    delete letter.recordId;
  }
  return letter;
}

/**
 * The record id inside a dead letter's raw text: a consumer's raw is the data message JSON
 * (`fields[0]`), a producer's is the CSV line (its first field).
 */
export function recordIdOfRaw(raw: string, fromConsumer: boolean): string | undefined {
  if (fromConsumer) {
    try {
      const m = JSON.parse(raw) as { fields?: unknown };
      const first = Array.isArray(m.fields) ? m.fields[0] : undefined;
      return typeof first === 'string' && first.trim() ? first.trim() : undefined;
    } catch {
      return undefined;
    }
  }
  const first = raw.startsWith('"') ? /^"((?:[^"]|"")*)"/.exec(raw)?.[1]?.replace(/""/g, '"') : raw.split(',')[0];
  return first?.trim() ? first.trim() : undefined;
}

/** Every dead letter now on `topic`. */
export async function* readDeadLetters(
  brokers: string[],
  topic: string,
  timeoutMs = 60_000,
): AsyncGenerator<DeadLetter> {
  const kafka = new Kafka({ clientId: 'terratower-ledger', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return;
  const groupId = `terratower-ledger-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const buffer: DeadLetter[] = [];
  let done = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const remaining = new Map(ends);
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const timer = setTimeout(() => {
      failure = new Error(
        `reading ${topic}: still ${[...remaining.keys()].length} partition(s) short after ${timeoutMs / 1000}s`,
      );
      wake?.();
    }, timeoutMs);
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const end = remaining.get(partition);
        if (end === undefined) return;
        if (BigInt(message.offset) < end) buffer.push(toDeadLetter(message));
        if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
        if (remaining.size === 0) done = true;
        wake?.();
      },
    });
    try {
      while (!failure) {
        while (buffer.length > 0) yield buffer.shift()!;
        if (done) break;
        // No await between this check and setting `wake`: a message cannot slip in between.
        if (buffer.length === 0 && !done && !failure) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      while (buffer.length > 0) yield buffer.shift()!;
      if (failure) throw failure;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const cleanup = kafka.admin();
    await cleanup
      .connect()
      .then(() => cleanup.deleteGroups([groupId]))
      .catch(() => undefined);
    await cleanup.disconnect().catch(() => undefined);
  }
}
