/**
 * Kafka's default partitioner for keyed messages (the Java client's, and kafkajs's
 * `Partitioners.DefaultPartitioner`): `(murmur2(utf8 key) & 0x7fffffff) % partitions`.
 *
 * Our own because kafkajs computes murmur2 on emulated 64-bit `Long` objects (~4 µs a key, the
 * largest per-row cost of the producer); 32-bit `Math.imul` gives the same low 32 bits, which
 * are all Java's int arithmetic keeps. apps-partition.test.ts checks it against kafkajs.
 */

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

let scratch = Buffer.alloc(256);

/** Java's `Utils.murmur2` of the UTF-8 bytes of `key`, as a signed 32-bit int. */
export function murmur2(key: string): number {
  if (key.length * 3 > scratch.length) scratch = Buffer.alloc(Math.max(key.length * 3, scratch.length * 2));
  const data = scratch;
  const length = data.write(key, 0, 'utf8');
  let h = SEED ^ length;
  const end = length & ~3;
  for (let i = 0; i < end; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[end + 2]! << 16;
    if (rest >= 2) h ^= data[end + 1]! << 8;
    h ^= data[end]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/** Partition of a keyed message among `partitions` (what kafkajs's DefaultPartitioner picks). */
export function partitionOf(key: string, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
