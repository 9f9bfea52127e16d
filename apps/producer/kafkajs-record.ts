/**
 * A faster encoder for kafkajs 2.2.4's `Record` (one record of a v2 record batch). kafkajs's
 * builds each record in a fresh 512-byte zero-filled buffer through generic writers, with a
 * `Long` for the timestamp delta: about 11 µs a record here, more than the producer app spends
 * reading, validating and encoding a row (6 µs, bench/producer-cpu.ts), and it runs on the one
 * thread that also builds the next batch. This one sizes the record first and writes it into one
 * exactly sized buffer: the same bytes (unit test), 1.3–2.6 µs a record against kafkajs's 5–19 µs
 * in one offline comparison of 20 000 records on this machine.
 *
 * Headers (the producer stamps each record's due time in one) are written the same way; records
 * with header values other than strings and buffers, or deltas that need more than 31 bits, are
 * left to kafkajs's encoder. With headers left to kafkajs, the producer app sent 0.61× of
 * ProducerPerformance's rate against 1.03× without them (bench/throughput.ts).
 */
import { createRequire } from 'node:module';
import { kafkajsFile, replaceKafkajsModule, unsupportedKafkajs } from '../shared/kafkajs-replace.ts';

const require = createRequire(import.meta.url);

const RECORD = 'src/protocol/recordBatch/record/v0/index.js';
/** The only kafkajs module that requires `RECORD` (produce v4+ reuse v3's request). */
const PRODUCE_V3_REQUEST = 'src/protocol/requests/produce/v3/request.js';

/** What kafkajs's produce request passes to `Record`. */
export interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
}

/** kafkajs's Encoder, as much as the record batch uses of what `Record` returns. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

type RecordEncoder = (args: RecordArgs) => KafkajsEncoder;

/** Bytes of `value` as a zig-zag varint (|value| < 2^31). */
function varintSize(value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (z >= 0x80) {
    z >>>= 7;
    bytes++;
  }
  return bytes;
}

function writeVarint(buf: Buffer, offset: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z >= 0x80) {
    buf[offset++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  buf[offset++] = z;
  return offset;
}

/** Length of a key or value as the record has it (-1 = null), or undefined for a type left to kafkajs. */
function bytesLength(value: unknown): number | undefined {
  if (value === null || value === undefined) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Buffer.isBuffer(value)) return value.length;
  return undefined;
}

function writeBytes(buf: Buffer, offset: number, value: unknown, length: number): number {
  offset = writeVarint(buf, offset, length);
  if (length <= 0) return offset;
  return offset + (typeof value === 'string' ? buf.write(value, offset) : (value as Buffer).copy(buf, offset));
}

/** A record's headers as kafkajs writes them (an array value is one header per element), or undefined for a type left to kafkajs. */
function headerPairs(headers: Record<string, unknown> | undefined): [string, string | Buffer][] | undefined {
  const pairs: [string, string | Buffer][] = [];
  if (!headers) return pairs;
  for (const key of Object.keys(headers)) {
    const raw = headers[key];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (typeof value !== 'string' && !Buffer.isBuffer(value)) return undefined;
      pairs.push([key, value]);
    }
  }
  return pairs;
}

const SMALL = 2 ** 30;
const small = (n: number): boolean => Number.isInteger(n) && Math.abs(n) < SMALL;

/**
 * A record encoder with kafkajs's signature: `fallback` (kafkajs's own) for what this one does
 * not cover, `Encoder` (kafkajs's class) for the object returned.
 */
export function fastRecordEncoder(
  fallback: RecordEncoder,
  Encoder: new (size: number) => KafkajsEncoder,
): RecordEncoder {
  return (args) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args;
    const keyLength = bytesLength(key);
    const valueLength = bytesLength(value);
    if (keyLength === undefined || valueLength === undefined || !small(offsetDelta) || !small(timestampDelta))
      return fallback(args);
    const pairs = headerPairs(headers);
    if (pairs === undefined || pairs.length >= 64) return fallback(args);
    const headerLengths: number[] = [];
    let headerBytes = 1; // the header count (< 64: one byte)
    for (const [key, value] of pairs) {
      const keyBytes = Buffer.byteLength(key);
      const valueBytes = bytesLength(value)!;
      headerLengths.push(keyBytes, valueBytes);
      headerBytes += varintSize(keyBytes) + keyBytes + varintSize(valueBytes) + Math.max(0, valueBytes);
    }
    const body =
      1 + // attributes
      varintSize(timestampDelta) +
      varintSize(offsetDelta) +
      varintSize(keyLength) +
      Math.max(0, keyLength) +
      varintSize(valueLength) +
      Math.max(0, valueLength) +
      headerBytes;
    const size = varintSize(body) + body;
    const buf = Buffer.allocUnsafe(size);
    let offset = writeVarint(buf, 0, body);
    buf[offset++] = 0;
    offset = writeVarint(buf, offset, timestampDelta);
    offset = writeVarint(buf, offset, offsetDelta);
    offset = writeBytes(buf, offset, key, keyLength);
    offset = writeBytes(buf, offset, value, valueLength);
    offset = writeVarint(buf, offset, pairs.length);
    for (let i = 0; i < pairs.length; i++) {
      const [key, headerValue] = pairs[i]!;
      offset = writeBytes(buf, offset, key, headerLengths[2 * i]!);
      offset = writeBytes(buf, offset, headerValue, headerLengths[2 * i + 1]!);
    }
    const encoder = new Encoder(0);
    encoder.buf = buf;
    encoder.offset = offset;
    return encoder;
  };
}

/** kafkajs's own record encoder and Encoder class (loads them). */
export function kafkajsRecordParts(): { Record: RecordEncoder; Encoder: new (size: number) => KafkajsEncoder } {
  return {
    Record: require(kafkajsFile(RECORD)) as RecordEncoder,
    Encoder: require(kafkajsFile('src/protocol/encoder.js')) as new (size: number) => KafkajsEncoder,
  };
}

/** Make kafkajs's produce requests use the fast record encoder. Returns why it did not, undefined when it did. */
export function installFastRecord(): string | undefined {
  const unsupported = unsupportedKafkajs();
  if (unsupported) return unsupported;
  if (require.cache[kafkajsFile(PRODUCE_V3_REQUEST)])
    return "kafkajs's produce request was loaded before the replacement";
  const { Record, Encoder } = kafkajsRecordParts();
  // kafkajs's Record is now in the cache; replacing the entry keeps it as the fallback.
  delete require.cache[kafkajsFile(RECORD)];
  return replaceKafkajsModule(RECORD, fastRecordEncoder(Record, Encoder), PRODUCE_V3_REQUEST);
}
