/**
 * The producer's per-row work, free of I/O: the lines of an object → records (RFC 4180: a quoted
 * field may span lines) → validated → a data message (key = record id) or a dead-letter message
 * (key = `<object>:<first line>`), placed in its partition. bench/producer-cpu.ts measures
 * exactly this code.
 */
import type { Message } from 'kafkajs';
import { OPEN, scanQuotedRecord } from '../shared/csv-split.ts';
import { deadLetterKey, encodeDataMessage, encodeDeadLetter } from '../shared/messages.ts';
import { PAYMENTS_ROWS, splitCsvLine, type MalformedKind, type RowRules } from '../shared/record.ts';
import { partitionOf } from './partition.ts';

/**
 * A record whose quoted field spans lines may reach this many physical lines or bytes; a record
 * still open beyond that is taken for a stray quote (see `BatchBuilder.add`).
 */
export const MAX_RECORD_LINES = 1000;
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

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

/** An object the producer cannot read as the dataset's CSV at all (the whole object is skipped). */
export class UnreadableObjectError extends Error {
  override name = 'UnreadableObjectError';
}

/** A record whose quoted field is still open at the end of the lines read so far. */
interface PendingRecord {
  /** Its first physical line. */
  line: number;
  /** Its lines so far, without their line breaks. */
  lines: string[];
  chars: number;
}

function push(byPartition: Map<number, Message[]>, partition: number, message: Message): void {
  const list = byPartition.get(partition);
  if (list) list.push(message);
  else byPartition.set(partition, [message]);
}

/** Collects the rows of one object into batches. */
export class BatchBuilder {
  private batch: Batch;
  private pending: PendingRecord | undefined;
  private readonly rules: RowRules;

  constructor(
    private readonly target: BatchTarget,
    afterLine: number,
  ) {
    this.batch = BatchBuilder.empty(afterLine);
    this.rules = target.rows ?? PAYMENTS_ROWS;
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

  /**
   * Add one physical line (1-based `line`, consecutive; the header line and blank lines only
   * move `lastLine`). A line that ends inside a quoted field opened at the start of a field
   * starts a record spanning lines: later lines join it (with `\n`) until the field closes.
   * If the joined record then is not a well-formed row of the schema's column count, or stays
   * open past MAX_RECORD_LINES/MAX_RECORD_CHARS or the end of the object, the quote was a stray:
   * the first line alone is dead-lettered and the lines after it are read afresh — so a broken
   * quote spoils one row, not the rows after it, and the outcome depends only on the lines from
   * the record's start (resuming after any `lastLine` gives the same records).
   */
  add(line: number, text: string): void {
    if (this.pending) {
      this.continuePending(line, text);
      return;
    }
    if (text === '' || text === '\r') {
      this.batch.lastLine = line;
      return;
    }
    if (line === 1) {
      this.checkHeader(text);
      this.batch.lastLine = line;
      return;
    }
    if (!text.includes('"')) {
      this.addRecord(line, line, text, splitCsvLine(text));
      return;
    }
    const scanned = scanQuotedRecord(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (scanned === OPEN) {
      this.pending = { line, lines: [text], chars: text.length };
      return;
    }
    this.addRecord(line, line, text, scanned ? { ok: true, fields: scanned } : splitCsvLine(text));
  }

  /** Line 1 must be the schema's header (quoted or not); anything else makes the object unreadable. */
  private checkHeader(text: string): void {
    const line = text.replace(/\r$/, '');
    if (line === this.rules.header) return;
    const expected = this.rules.header.split(',');
    const split = splitCsvLine(line);
    if (split.ok && split.fields.length === expected.length && split.fields.every((f, i) => f === expected[i])) return;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL marks UTF-16 or binary
    if (/[\u0000\ufffd]/.test(line)) {
      throw new UnreadableObjectError('not UTF-8 text: line 1 holds NUL bytes or bytes that are not UTF-8');
    }
    const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    throw new UnreadableObjectError(
      `header does not match the schema: expected ${JSON.stringify(this.rules.header)}, got ${JSON.stringify(shown)}`,
    );
  }

  /** Whether a record spanning lines is still open (its lines are not in any batch yet). */
  get open(): boolean {
    return this.pending !== undefined;
  }

  /** The object ended: a record still open was a stray quote (see `add`). */
  end(): void {
    while (this.pending) this.abandonPending();
  }

  private continuePending(line: number, text: string): void {
    const pending = this.pending!;
    pending.lines.push(text);
    pending.chars += text.length + 1;
    if (text.includes('"')) {
      const joined = pending.lines.join('\n');
      const scanned = scanQuotedRecord(joined);
      if (scanned === undefined || (scanned !== OPEN && scanned.length !== this.rules.columnCount)) {
        this.abandonPending();
        return;
      }
      if (scanned !== OPEN) {
        this.pending = undefined;
        this.addRecord(pending.line, line, joined, { ok: true, fields: scanned });
        return;
      }
    }
    if (pending.lines.length >= MAX_RECORD_LINES || pending.chars >= MAX_RECORD_CHARS) this.abandonPending();
  }

  /** Dead-letter the pending record's first line alone and read the lines after it afresh. */
  private abandonPending(): void {
    const pending = this.pending!;
    this.pending = undefined;
    const first = pending.lines[0]!;
    this.addRecord(pending.line, pending.line, first, splitCsvLine(first));
    for (let i = 1; i < pending.lines.length; i++) this.add(pending.line + i, pending.lines[i]!);
  }

  /** One record from `line` to `lastLine`: validated, then a data message or a dead letter. */
  private addRecord(
    line: number,
    lastLine: number,
    text: string,
    split: { ok: true; fields: string[] } | { ok: false; kind: MalformedKind; reason: string },
  ): void {
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
