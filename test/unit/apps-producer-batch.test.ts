import { Readable } from 'node:stream';
import { Partitioners, type Message, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, chunkBySize, type Batch } from '../../apps/producer/batch.ts';
import { readLines } from '../../apps/producer/objects.ts';
import { ObjectCheckpoints } from '../../apps/producer/progress.ts';
import { decodeDataMessage, decodeDeadLetter } from '../../apps/shared/messages.ts';
import { CSV_HEADER, csvLine } from '../../apps/shared/record.ts';

const GOOD = (id: string): string[] => [
  id,
  '2023',
  'Covered Recipient Physician',
  '1234567890',
  'MARY',
  "O'BRIEN",
  'SPRINGFIELD',
  'IL',
  'Medtronic USA, Inc.',
  '123.45',
  '2023-02-28',
  'Food and Beverage',
  'In-kind items and services',
  '1',
];
const target = { object: 'payments/part-00000.csv', member: 'p-1', dataPartitions: 12, deadPartitions: 3 };
const all = (byPartition: Map<number, Message[]>): Message[] => [...byPartition.values()].flat();
const metadata = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0] }));

describe('producer batch builder', () => {
  it('skips the header and blank lines, sends valid rows as data and malformed rows as dead letters', () => {
    const builder = new BatchBuilder(target, 0);
    const lines = [
      CSV_HEADER,
      csvLine(GOOD('OP-1')),
      '',
      `${csvLine(GOOD('OP-2')).slice(0, -3)},x,y`,
      '\r',
      csvLine(GOOD('OP-3')),
    ];
    lines.forEach((text, i) => builder.add(i + 1, text));
    expect(builder.size).toBe(3);
    const batch = builder.take();
    expect(batch).toMatchObject({ dataCount: 2, deadCount: 1, lastLine: 6 });
    const data = all(batch.data).sort((a, b) => String(a.key).localeCompare(String(b.key)));
    expect(data.map((m) => m.key)).toEqual(['OP-1', 'OP-3']);
    expect(decodeDataMessage(data[1]!.value as Buffer)).toEqual({
      object: target.object,
      line: 6,
      fields: GOOD('OP-3'),
    });
    const [dead] = all(batch.dead);
    expect(dead!.key).toBe(`${target.object}:4`);
    expect(decodeDeadLetter(dead!.value as Buffer)).toMatchObject({
      stage: 'producer',
      kind: 'column-count',
      line: 4,
      member: 'p-1',
      object: target.object,
    });
    // The next batch starts after the last line of this one.
    expect(builder.size).toBe(0);
    expect(builder.take()).toMatchObject({ dataCount: 0, deadCount: 0, lastLine: 6 });
  });

  it("groups by the partition kafkajs's DefaultPartitioner picks, and sets it on each message", () => {
    const builder = new BatchBuilder(target, 10);
    for (let i = 0; i < 500; i++) builder.add(11 + i, i % 50 === 0 ? 'bad,"quote' : csvLine(GOOD(`OP-7-${i}`)));
    const batch: Batch = builder.take();
    expect(batch.lastLine).toBe(510);
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const [byPartition, n] of [
      [batch.data, 12],
      [batch.dead, 3],
    ] as const) {
      for (const [partition, messages] of byPartition) {
        for (const message of messages) {
          expect(message.partition).toBe(partition);
          expect(
            kafkajs({ topic: 't', partitionMetadata: metadata(n), message: { key: message.key, value: '' } }),
          ).toBe(partition);
        }
      }
    }
    expect(batch.data.size).toBe(12);
    expect(batch.deadCount).toBe(10);
  });
});

describe('per-partition sends', () => {
  it('are split into runs of at most the byte limit, in order, each with at least one message', () => {
    const m = (key: string, bytes: number): Message => ({ key, value: Buffer.alloc(bytes - key.length) });
    const messages = [m('a', 400), m('b', 400), m('c', 300), m('d', 1500), m('é', 100)];
    const chunks = chunkBySize(messages, 1000);
    expect(chunks.map((c) => c.map((x) => x.key))).toEqual([['a', 'b'], ['c'], ['d'], ['é']]);
    expect(chunkBySize(messages, 10_000)).toEqual([messages]);
    expect(chunkBySize([], 1000)).toEqual([]);
  });

  it('the batch counts the bytes it holds', () => {
    const builder = new BatchBuilder(target, 0);
    builder.add(2, csvLine(GOOD('OP-1')));
    builder.add(3, 'bad,"quote');
    const batch = builder.take();
    const sum = [...all(batch.data), ...all(batch.dead)].reduce(
      (s, x) => s + Buffer.byteLength(x.key as string) + (x.value as Buffer).length,
      0,
    );
    expect(batch.bytes).toBe(sum);
    expect(builder.bytes).toBe(0);
  });
});

describe('producer line reader', () => {
  it('numbers lines as readline splits them, drops a BOM and skips up to afterLine', async () => {
    const read = async (text: string, afterLine: number): Promise<[number, string][]> => {
      const out: [number, string][] = [];
      for await (const { line, text: t } of readLines(Readable.from([Buffer.from(text)]), afterLine))
        out.push([line, t]);
      return out;
    };
    expect(await read('\ufeffh\na\r\nb\rc\n\nd', 0)).toEqual([
      [1, 'h'],
      [2, 'a'],
      [3, 'b'],
      [4, 'c'],
      [5, ''],
      [6, 'd'],
    ]);
    expect(await read('h\na\nb\n', 2)).toEqual([[3, 'b']]);
  });
});

describe('object checkpoints', () => {
  it('offers acknowledged lines at most every interval, and writes on flush', async () => {
    let t = 0;
    const saved: [number, boolean][] = [];
    const checkpoints = new ObjectCheckpoints(
      async (line, done) => void saved.push([line, done]),
      100,
      1000,
      () => t,
    );
    checkpoints.acknowledged(200);
    t = 999;
    checkpoints.acknowledged(300);
    expect(checkpoints.due()).toBeUndefined(); // not yet: interval
    t = 1000;
    expect(checkpoints.due()).toBe(300);
    checkpoints.acknowledged(400); // the next batch was acknowledged along with the checkpoint of 300
    checkpoints.saved(300);
    expect(checkpoints.due()).toBeUndefined();
    t = 5000;
    expect(checkpoints.due()).toBe(400);
    checkpoints.saved(400);
    expect(checkpoints.due()).toBeUndefined(); // nothing new
    await checkpoints.flush(false); // nothing new: no write
    expect(saved).toEqual([]);
    checkpoints.acknowledged(500);
    await checkpoints.flush(false); // stop: the acknowledged line
    expect(checkpoints.due()).toBeUndefined();
    await checkpoints.flush(true); // done is always written
    expect(saved).toEqual([
      [500, false],
      [500, true],
    ]);
  });
});
