import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionOf } from '../../apps/producer/partition.ts';

const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0] }));

describe('producer partitioner', () => {
  it("matches Java's murmur2 on known values", () => {
    // From Kafka's UtilsTest.testMurmur2.
    expect(murmur2('21')).toBe(-973932308);
    expect(murmur2('foobar')).toBe(-790332482);
    expect(murmur2('a-little-bit-long-string')).toBe(-985981536);
    expect(murmur2('a-little-bit-longer-string')).toBe(-1486304829);
    expect(murmur2('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8')).toBe(-58897971);
    expect(murmur2('abc')).toBe(479470107);
  });

  it("picks kafkajs DefaultPartitioner's partition for every key shape", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      'abcde',
      ...Array.from({ length: 5_000 }, (_, i) => `OP-bench-${i * 7}`),
      ...Array.from({ length: 500 }, (_, i) => `payments/part-${String(i % 7).padStart(5, '0')}.csv:${i}`),
      'payments/Ünïcödé €.csv:17',
      '日本語のキー',
      '😀 emoji key',
      'x'.repeat(1000),
      'é'.repeat(400),
    ];
    for (const n of [1, 3, 12, 48]) {
      for (const key of keys) {
        expect(partitionOf(key, n), `${key} over ${n}`).toBe(
          kafkajs({ topic: 't', partitionMetadata: metadata(n), message: { key, value: '' } }),
        );
      }
    }
  });
});
