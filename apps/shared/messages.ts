/**
 * What travels on the topics. Data topic: key = record id, value = `DataMessage` as JSON.
 * Dead-letter topic: key = `<object>:<line>` (so a re-sent row is recognisably the same row),
 * value = `DeadLetter` as JSON. The ledger reads both formats from here.
 */
import type { MalformedKind } from './record.ts';

/** Value of a data-topic message: the raw fields of one CSV row and where it came from. */
export interface DataMessage {
  /** S3 key of the source object. */
  object: string;
  /** 1-based physical line in the object (the header is line 1). */
  line: number;
  /** The row's fields, in RECORD_COLUMNS order, as read (strings). */
  fields: string[];
}

/** Which app dead-lettered a row. */
export type DeadLetterStage = 'producer' | 'consumer';

/** Why a consumer dead-lettered a message that passed the producer's checks. */
export type SinkFailureKind = 'bad-message' | 'write-rejected';

/**
 * Why a producer skipped a whole object (one dead letter per object version, key
 * `<object>:0`, line 0): corrupt compression, not UTF-8 text, not the dataset's CSV header.
 */
export type ObjectFailureKind = 'unreadable-object';

/** Value of a dead-letter message. */
export interface DeadLetter {
  /** App that rejected the row. */
  stage: DeadLetterStage;
  /** Category: a validation kind, or a sink failure. */
  kind: MalformedKind | SinkFailureKind | ObjectFailureKind;
  /** Precise human-readable reason. */
  reason: string;
  /** S3 key of the source object ('' if unknown). */
  object: string;
  /** 1-based line in the object (0 if unknown). */
  line: number;
  /** The raw line or message value (truncated to 4 KiB). */
  raw: string;
  /** Member id of the app instance. */
  member: string;
  /** ISO 8601 time. */
  time: string;
  /** Data-topic partition and offset, when the consumer dead-lettered it. */
  partition?: number;
  offset?: string;
}

/** Key of a dead-letter message for a row. */
export function deadLetterKey(object: string, line: number): string {
  return `${object}:${line}`;
}

/**
 * Encode a data message value: the bytes of `JSON.stringify(message)`, built from the parts
 * (one stringify of a whole object per row cost twice as much; this runs for every row).
 */
export function encodeDataMessage(message: DataMessage): Buffer {
  const { object, line, fields } = message;
  return Buffer.from(
    `{"object":${JSON.stringify(object)},"line":${JSON.stringify(line)},"fields":${JSON.stringify(fields)}}`,
  );
}

/** Decode a data message value; throws with a reason if it is not one. */
export function decodeDataMessage(value: Buffer | null): DataMessage {
  if (value === null) throw new Error('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new Error('message value is not JSON');
  }
  const m = parsed as Partial<DataMessage> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.object !== 'string' ||
    typeof m.line !== 'number' ||
    !Array.isArray(m.fields) ||
    !m.fields.every((f) => typeof f === 'string')
  ) {
    throw new Error('message value is not {object: string, line: number, fields: string[]}');
  }
  return { object: m.object, line: m.line, fields: m.fields };
}

/** Encode a dead-letter value (raw truncated to 4 KiB). */
export function encodeDeadLetter(letter: DeadLetter): Buffer {
  const raw = letter.raw.length > 4096 ? `${letter.raw.slice(0, 4096)}…` : letter.raw;
  return Buffer.from(JSON.stringify({ ...letter, raw }));
}

/** Decode a dead-letter value. */
export function decodeDeadLetter(value: Buffer): DeadLetter {
  return JSON.parse(value.toString('utf8')) as DeadLetter;
}

/**
 * Latency stamps. Every data message carries the time it was produced as its Kafka record
 * timestamp (CreateTime, ms since the epoch, set by the producer when the batch leaves the rate
 * limiter, kept across retries) and, when it was produced behind its due time on the open-model
 * schedule, by how much in the header `BEHIND_HEADER` (produce − due, whole ms, decimal); no
 * header means on time. The consumer measures produce → durable write and the behind-schedule
 * time (no coordinated omission). The header holds the difference, and only when there is one:
 * a 13-digit due time on every record made the gzip batches half as large again and the producer
 * app 15 % slower (bench/throughput.ts).
 */
export const BEHIND_HEADER = 'tt-behind';

/** The parts of a Kafka message the stamps live in (kafkajs `Message` fits). */
export interface StampableMessage {
  timestamp?: string;
  headers?: Record<string, string | Buffer | (string | Buffer)[] | undefined>;
}

/** Stamp messages with their produce time and how far behind their due times (`due(i)` for message i) that is. */
export function stampMessages(
  messages: readonly StampableMessage[],
  producedMs: number,
  due: (i: number) => number,
): void {
  const produced = Math.round(producedMs);
  const stamp = String(produced);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    m.timestamp = stamp;
    const behind = produced - Math.round(due(i));
    if (behind > 0) m.headers = { ...m.headers, [BEHIND_HEADER]: String(behind) };
  }
}

/** The stamps of a received message: produce time, and how far behind schedule it was produced (0 without the header). */
export function readStamps(message: {
  timestamp: string;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}): { producedMs: number; behindMs: number } {
  const raw = message.headers?.[BEHIND_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  const behind = value === undefined ? 0 : Number(value.toString());
  return { producedMs: Number(message.timestamp), behindMs: Number.isFinite(behind) ? Math.max(0, behind) : 0 };
}
