import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { kafkajsFile } from '../../apps/shared/kafkajs-replace.ts';
import {
  fastRecordEncoder,
  installFastRecord,
  kafkajsRecordParts,
  type RecordArgs,
} from '../../apps/producer/kafkajs-record.ts';

const require = createRequire(import.meta.url);
const { Record, Encoder } = kafkajsRecordParts();

const cases: RecordArgs[] = [
  { key: 'OP-1', value: Buffer.from('a,b,c'), offsetDelta: 0, timestampDelta: 0 },
  { key: 'é-ü', value: 'naïve ✓ value', offsetDelta: 127, timestampDelta: 64 },
  { key: null, value: null, offsetDelta: 128, timestampDelta: -65 },
  { key: undefined, value: Buffer.alloc(0), offsetDelta: 16_383, timestampDelta: 1 },
  { key: Buffer.alloc(300, 7), value: 'x'.repeat(20_000), offsetDelta: 16_384, timestampDelta: -1 },
  { key: '', value: 'v', offsetDelta: 2 ** 30 - 1, timestampDelta: -(2 ** 30) + 1 },
  { value: 'defaults only' },
  { key: 'OP-2', value: 'v', timestampDelta: 3, headers: { 'tt-behind': '0' } },
  { key: 'OP-3', value: 'v', headers: { a: Buffer.from([0, 1, 2]), 'ü-key': 'ë', b: ['x', Buffer.alloc(200, 1)] } },
  { key: 'OP-4', value: 'v', headers: { empty: '' } },
  { key: 'OP-5', value: 'v', headers: {} },
];

describe("kafkajs's record encoder, faster", () => {
  const fast = fastRecordEncoder(Record, Encoder);

  it('writes the same bytes as kafkajs 2.2.4 for keys and values of every kind and varints of every width', () => {
    for (const args of cases)
      expect(fast(args).buffer.equals(Record(args).buffer), JSON.stringify(args).slice(0, 80)).toBe(true);
  });

  it('hands what it does not cover to kafkajs: header values of other types, deltas of 2^30 and more, other value types', () => {
    const fallback = vi.fn(Record);
    const covered = fastRecordEncoder(fallback, Encoder);
    const left: RecordArgs[] = [
      { key: 'k', value: 'v', headers: { trace: new Uint8Array([1, 2, 3]) } },
      { key: 'k', value: 'v', timestampDelta: 2 ** 30 },
      { key: 'k', value: 'v', offsetDelta: 2 ** 31 },
      { key: 'k', value: new Uint8Array([1, 2, 3]) },
    ];
    for (const args of left) expect(covered(args).buffer.equals(Record(args).buffer)).toBe(true);
    expect(fallback).toHaveBeenCalledTimes(left.length);
    covered({ key: 'k', value: 'v', headers: {} });
    covered({ key: 'k', value: 'v', headers: { 'tt-behind': '1' } });
    expect(fallback).toHaveBeenCalledTimes(left.length);
  });

  it("is what kafkajs's produce request uses once installed before it loads, and the request's bytes do not change", async () => {
    const files = {
      record: kafkajsFile('src/protocol/recordBatch/record/v0/index.js'),
      request: kafkajsFile('src/protocol/requests/produce/v3/request.js'),
    };
    const saved = { record: require.cache[files.record], request: require.cache[files.request] };
    const encodeRequest = async (): Promise<Buffer> => {
      const request = require(files.request) as (args: unknown) => { encode(): Promise<{ buffer: Buffer }> };
      const messages = Array.from({ length: 50 }, (_, i) => ({
        key: `OP-${i}`,
        value: Buffer.from(`row ${i},é`),
        timestamp: '1700000000000',
      }));
      const topicData = [{ topic: 't', partitions: [{ partition: 0, firstSequence: 7, messages }] }];
      return (
        await request({
          acks: -1,
          timeout: 30_000,
          compression: 0,
          producerId: 42,
          producerEpoch: 1,
          topicData,
        }).encode()
      ).buffer;
    };
    try {
      delete require.cache[files.request];
      const before = await encodeRequest();
      delete require.cache[files.request];
      expect(installFastRecord()).toBeUndefined();
      expect(require(files.record)).not.toBe(Record);
      expect((await encodeRequest()).equals(before)).toBe(true);
      // Too late once the produce request is loaded: says so instead of pretending.
      expect(installFastRecord()).toMatch(/loaded before/);
    } finally {
      for (const [name, file] of [
        ['record', files.record],
        ['request', files.request],
      ] as const) {
        if (saved[name]) require.cache[file] = saved[name];
        else delete require.cache[file];
      }
    }
  });
});
