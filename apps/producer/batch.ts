/**
 * The producer's per-row work, free of I/O: the lines of an object → records (RFC 4180: a quoted
 * field may span lines) → validated → a data message (key = record id) or a dead-letter message
 * (key = `<object>:<first line>`), placed in its partition. bench/producer-cpu.ts measures
 * exactly this code.
 */
import type { Message } from 'kafkajs';
import { RecordAssembler, type SplitRecord } from '../shared/csv-records.ts';
import { deadLetterKey, encodeDataMessage, encodeDeadLetter } from '../shared/messages.ts';
import { PAYMENTS_ROWS, type MalformedKind, type RowRules } from '../shared/record.ts';
import { partitionOf } from './partition.ts';

export { MAX_RECORD_CHARS, MAX_RECORD_LINES, UnreadableObjectError } from '../shared/csv-records.ts';

/** A batch ends at this many bytes of keys and values (bounds memory: one batch in flight, one being read). */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Bytes of keys and values in one send to one partition. kafkajs puts a partition's messages of
 * a send in one record batch, which the broker refuses above `message.max.bytes` (1 MB by
 * default) after compression; 1 MiB of text compresses far below that.
 */
export const MAX_SEND_BYTES = 1024 * 1024;

/** Split `messages` into runs of at most `maxBytes` of keys and values (at least one message each). */
export function chunkBySize(messages: Message[], maxBytes: number): Message[][] {
  const chunks: Message[][] = [];
  let chunk: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = messageBytes(message);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Key and value bytes of a message built here (Buffer value, ASCII-or-not string key). */
function messageBytes(message: Message): number {
  const key = message.key;
  const keyBytes =
    key === null || key === undefined ? 0 : typeof key === 'string' ? Buffer.byteLength(key) : key.length;
  const value = message.value;
  return keyBytes + (value === null ? 0 : typeof value === 'string' ? Buffer.byteLength(value) : value.length);
}

/** Rows ready to send, grouped by topic partition, and the object line they reach up to. */
export interface Batch {
  /** Data-topic messages by partition. */
  data: Map<number, Message[]>;
  /** Dead-letter messages by partition. */
  dead: Map<number, Message[]>;
  /** Number of data messages. */
  dataCount: number;
  /** Number of dead-letter messages. */
  deadCount: number;
  /** Bytes of keys and values. */
  bytes: number;
  /**
   * Every line ≤ this one is in this batch or an earlier one (or is the header or blank). Always
   * the last line of a record: resuming after it starts at the first line of the next record.
   */
  lastLine: number;
}

/** Where the rows of one object go. */
export interface BatchTarget {
  /** S3 key of the object. */
  object: string;
  /** Member id, recorded in dead letters. */
  member: string;
  /** Partition counts of the data and dead-letter topics. */
  dataPartitions: number;
  deadPartitions: number;
  /** The dataset's header and row validation. @default the payments schema */
  rows?: RowRules;
}

function push(byPartition: Map<number, Message[]>, partition: number, message: Message): void {
  const list = byPartition.get(partition);
  if (list) list.push(message);
  else byPartition.set(partition, [message]);
}

/**
 * Collects the records of one object (see `RecordAssembler.add`: RFC 4180 records, header
 * checked, stray quotes resynchronised) into batches.
 */
export class BatchBuilder extends RecordAssembler {
  private batch: Batch;

  constructor(
    private readonly target: BatchTarget,
    afterLine: number,
  ) {
    super(target.rows ?? PAYMENTS_ROWS);
    this.batch = BatchBuilder.empty(afterLine);
  }

  private static empty(lastLine: number): Batch {
    return { data: new Map(), dead: new Map(), dataCount: 0, deadCount: 0, bytes: 0, lastLine };
  }

  /** Rows in the current batch (data and dead letters). */
  get size(): number {
    return this.batch.dataCount + this.batch.deadCount;
  }

  /** Bytes of keys and values in the current batch. */
  get bytes(): number {
    return this.batch.bytes;
  }

  protected override skipLine(line: number): void {
    this.batch.lastLine = line;
  }

  /** One record from `line` to `lastLine`: validated, then a data message or a dead letter. */
  protected override record(line: number, lastLine: number, text: string, split: SplitRecord): void {
    this.batch.lastLine = lastLine;
    if (!split.ok) {
      this.addDeadLetter(line, text, split);
      return;
    }
    const result = this.rules.validate(split.fields);
    if (!result.ok) {
      this.addDeadLetter(line, text, result);
      return;
    }
    const key = result.key;
    const value = encodeDataMessage({ object: this.target.object, line, fields: split.fields });
    // The partition is set here so kafkajs does not hash the key again (see partition.ts).
    const partition = partitionOf(key, this.target.dataPartitions);
    push(this.batch.data, partition, { key, value, partition });
    this.batch.dataCount++;
    this.batch.bytes += (this.rules.asciiKeys ? key.length : Buffer.byteLength(key)) + value.length;
  }

  private addDeadLetter(line: number, text: string, why: { kind: MalformedKind; reason: string }): void {
    const { object, member } = this.target;
    const key = deadLetterKey(object, line);
    const value = encodeDeadLetter({
      stage: 'producer',
      kind: why.kind,
      reason: why.reason,
      object,
      line,
      raw: text,
      member,
      time: new Date().toISOString(),
    });
    const partition = partitionOf(key, this.target.deadPartitions);
    push(this.batch.dead, partition, { key, value, partition });
    this.batch.deadCount++;
    this.batch.bytes += Buffer.byteLength(key) + value.length;
  }

  /** Hand out the current batch and start a new one after it. */
  take(): Batch {
    const batch = this.batch;
    this.batch = BatchBuilder.empty(batch.lastLine);
    return batch;
  }
}
