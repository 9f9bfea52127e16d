import type { Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BatchBuilder, MAX_RECORD_LINES, UnreadableObjectError, type Batch } from '../../apps/producer/batch.ts';
import { OPEN, scanQuotedRecord } from '../../apps/shared/csv-split.ts';
import { decodeDataMessage, decodeDeadLetter } from '../../apps/shared/messages.ts';
import { CSV_HEADER, csvLine } from '../../apps/shared/record.ts';

const GOOD = (id: string, city = 'SPRINGFIELD'): string[] => [
  id,
  '2023',
  'Covered Recipient Physician',
  '1234567890',
  'MARY',
  "O'BRIEN",
  city,
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

/** Feed `text` (split as readline does on \n) from after `afterLine`; returns the batch. */
function feed(lines: string[], afterLine = 0): Batch {
  const builder = new BatchBuilder(target, afterLine);
  for (let i = afterLine; i < lines.length; i++) builder.add(i + 1, lines[i]!);
  builder.end();
  return builder.take();
}
const dataOf = (batch: Batch): { line: number; id: string; fields: string[] }[] =>
  all(batch.data)
    .map((m) => {
      const d = decodeDataMessage(m.value as Buffer);
      return { line: d.line, id: String(m.key), fields: d.fields };
    })
    .sort((a, b) => a.line - b.line);
const deadOf = (batch: Batch): { line: number; kind: string }[] =>
  all(batch.dead)
    .map((m) => decodeDeadLetter(m.value as Buffer))
    .map((d) => ({ line: d.line, kind: d.kind }))
    .sort((a, b) => a.line - b.line);

describe('records spanning lines (RFC 4180)', () => {
  it('scanQuotedRecord tells an open quoted field from a broken one', () => {
    expect(scanQuotedRecord('a,"b\nc",d')).toEqual(['a', 'b\nc', 'd']);
    expect(scanQuotedRecord('a,"b')).toBe(OPEN);
    expect(scanQuotedRecord('a,"b""')).toBe(OPEN);
    expect(scanQuotedRecord('a,b"c')).toBeUndefined();
    expect(scanQuotedRecord('a,"b"c')).toBeUndefined();
  });

  it('a quoted field with line breaks lands as one row named by its first line', () => {
    const multi = csvLine(GOOD('OP-2', 'SPRING\nFIELD\n\nEAST')).split('\n');
    expect(multi).toHaveLength(4);
    const lines = [CSV_HEADER, csvLine(GOOD('OP-1')), ...multi, csvLine(GOOD('OP-3'))];
    const batch = feed(lines);
    expect(deadOf(batch)).toEqual([]);
    expect(dataOf(batch).map((d) => [d.line, d.id])).toEqual([
      [2, 'OP-1'],
      [3, 'OP-2'],
      [7, 'OP-3'],
    ]);
    expect(dataOf(batch)[1]!.fields[6]).toBe('SPRING\nFIELD\n\nEAST');
    expect(batch.lastLine).toBe(7);
  });

  it('a batch taken while a record is open ends before it, so resuming there reads the record whole', () => {
    const multi = csvLine(GOOD('OP-2', 'A\nB')).split('\n');
    const lines = [CSV_HEADER, csvLine(GOOD('OP-1')), ...multi, csvLine(GOOD('OP-3'))];
    const builder = new BatchBuilder(target, 0);
    builder.add(1, lines[0]!);
    builder.add(2, lines[1]!);
    builder.add(3, lines[2]!);
    expect(builder.open).toBe(true);
    const first = builder.take();
    expect(first.lastLine).toBe(2);
    expect(dataOf(first).map((d) => d.id)).toEqual(['OP-1']);
    // A restart from the checkpoint (line 2) gives the rest, exactly once.
    const resumed = feed(lines, first.lastLine);
    expect(dataOf(resumed).map((d) => [d.line, d.id])).toEqual([
      [3, 'OP-2'],
      [5, 'OP-3'],
    ]);
  });

  it('a stray quote spoils its own line only, also when a later line holds quotes', () => {
    const stray = csvLine(GOOD('OP-2')).replace('Medtronic USA, Inc.', 'Medtronic USA Inc').replace(',IL,', ',IL,"');
    const lines = [CSV_HEADER, csvLine(GOOD('OP-1')), stray, csvLine(GOOD('OP-3')), csvLine(GOOD('OP-4'))];
    const batch = feed(lines);
    expect(deadOf(batch)).toEqual([{ line: 3, kind: 'quoting' }]);
    expect(dataOf(batch).map((d) => d.id)).toEqual(['OP-1', 'OP-3', 'OP-4']);
  });

  it('an unterminated quote at the end of an object is one dead letter; the lines after it are read afresh', () => {
    const plain = (id: string): string => csvLine(GOOD(id)).replace('"Medtronic USA, Inc."', 'Medtronic');
    const lines = [CSV_HEADER, plain('OP-1'), `${plain('OP-2').slice(0, -5)}"open`, plain('OP-3'), plain('OP-4')];
    const batch = feed(lines);
    expect(deadOf(batch)).toEqual([{ line: 3, kind: 'quoting' }]);
    expect(dataOf(batch).map((d) => d.id)).toEqual(['OP-1', 'OP-3', 'OP-4']);
    expect(batch.lastLine).toBe(5);
  });

  it('a record open beyond MAX_RECORD_LINES is taken for a stray quote', () => {
    const plain = (id: string): string => csvLine(GOOD(id)).replace('"Medtronic USA, Inc."', 'Medtronic');
    const rows = Array.from({ length: MAX_RECORD_LINES + 5 }, (_, i) => plain(`OP-${i + 3}`));
    const lines = [CSV_HEADER, `${plain('OP-2').slice(0, -5)}"open`, ...rows, `x",${'y,'.repeat(11)}z`];
    const batch = feed(lines);
    expect(deadOf(batch).map((d) => d.line)).toEqual([2, lines.length]);
    expect(batch.dataCount).toBe(rows.length);
  });

  it('a joined record with the wrong number of fields is a stray quote too', () => {
    const lines = [CSV_HEADER, 'OP-1,"a', 'b",c', csvLine(GOOD('OP-3'))];
    const batch = feed(lines);
    expect(deadOf(batch)).toEqual([
      { line: 2, kind: 'quoting' },
      { line: 3, kind: 'quoting' },
    ]);
    expect(dataOf(batch).map((d) => d.id)).toEqual(['OP-3']);
  });
});

describe('object header', () => {
  it('accepts the header plain or quoted, and rejects anything else as an unreadable object', () => {
    expect(
      feed([
        CSV_HEADER.split(',')
          .map((c) => `"${c}"`)
          .join(','),
        csvLine(GOOD('OP-1')),
      ]).dataCount,
    ).toBe(1);
    expect(() => feed(['a,b,c', csvLine(GOOD('OP-1'))])).toThrow(UnreadableObjectError);
    expect(() => feed(['a,b,c'])).toThrow(/header does not match the schema: expected "record_id,program_year/);
    expect(() => feed(['\u0000r\u0000e\u0000c'])).toThrow(/not UTF-8 text/);
  });
});

describe('a generated data set with multi-line rows', () => {
  it('read through the producer path gives exactly its valid ids and malformed lines, also resumed mid-way', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { createReadStream } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readLines } = await import('../../apps/producer/objects.ts');
    const { generateDataset } = await import('../../src/harness/dataset/index.ts');
    const dir = await mkdtemp(join(tmpdir(), 'tt-multi-'));
    try {
      const m = await generateDataset({
        rows: 3000,
        malformedFraction: 0.05,
        multilineFraction: 0.2,
        seed: 'multi',
        outDir: dir,
      });
      const file = join(dir, m.objects[0]!.name);
      const text = await readFile(file, 'utf8');
      expect(text.split('\n').length).toBeGreaterThan(3000 + 600);
      const valid = (await readFile(join(dir, m.validIdsFile), 'utf8')).split('\n').filter(Boolean);
      const malformed = (JSON.parse(await readFile(join(dir, m.malformedFile), 'utf8')) as { line: number }[]).map(
        (e) => e.line,
      );
      // Whole, and in two parts split at a batch boundary taken while records were open.
      const run = async (afterLine: number, stopAfter?: number): Promise<{ batch: Batch; rest: number }> => {
        const builder = new BatchBuilder(target, afterLine);
        let taken: Batch | undefined;
        for await (const { line, text: t } of readLines(createReadStream(file), afterLine)) {
          builder.add(line, t);
          if (stopAfter !== undefined && line >= stopAfter && builder.open) {
            taken = builder.take();
            break;
          }
        }
        if (!taken) {
          builder.end();
          taken = builder.take();
        }
        return { batch: taken, rest: taken.lastLine };
      };
      const whole = (await run(0)).batch;
      expect(
        dataOf(whole)
          .map((d) => d.id)
          .sort(),
      ).toEqual(valid);
      expect(deadOf(whole).map((d) => d.line)).toEqual(malformed);
      const first = await run(0, 1500);
      const second = (await run(first.rest)).batch;
      const ids = [...dataOf(first.batch), ...dataOf(second)].map((d) => d.id).sort();
      expect(ids).toEqual(valid);
      expect([...deadOf(first.batch), ...deadOf(second)].map((d) => d.line)).toEqual(malformed);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
