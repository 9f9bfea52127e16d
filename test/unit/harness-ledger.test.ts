import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { computeLedger, idsFromFile } from '../../src/harness/ledger/ledger.ts';
import type { DeadLetter } from '../../src/model/target.ts';

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('ledger', () => {
  it('is exact when every valid id is in the sink once and the malformed ones are dead-lettered', async () => {
    const l = await computeLedger({
      sourceIds: ['a', 'b', 'c'],
      sinkIds: from(['c', 'a', 'b']),
      deadLetters: from<DeadLetter>([{ reason: 'bad amount', source: 'k:7' }]),
      expectedDeadLettered: 1,
    });
    expect(l).toMatchObject({
      source: 3,
      sinkRows: 3,
      delivered: 3,
      lost: 0,
      unexpected: 0,
      duplicated: 0,
      deadLettered: 1,
      exact: true,
    });
  });

  it('counts lost, unexpected and samples them', async () => {
    const l = await computeLedger({ sourceIds: ['a', 'b', 'c', 'd'], sinkIds: from(['a', 'x', 'c']) });
    expect(l).toMatchObject({ lost: 2, unexpected: 1, delivered: 2, exact: false });
    expect(l.samples.lost).toEqual(['b', 'd']);
    expect(l.samples.unexpected).toEqual(['x']);
  });

  it('source repeats collapse into one row and are not losses; sink repeats and DLQ+sink overlap are duplicates', async () => {
    const l = await computeLedger({
      sourceIds: ['a', 'a', 'b', 'c'],
      sinkIds: from(['a', 'b', 'b', 'c']),
      deadLetters: from<DeadLetter>([
        { recordId: 'c', reason: 'x', source: 'k:3' },
        { recordId: 'c', reason: 'x', source: 'k:3' },
      ]),
      expectedDeadLettered: 0,
    });
    expect(l).toMatchObject({
      source: 3,
      sourceRecords: 4,
      sourceDuplicates: 1,
      lost: 0,
      sinkDuplicateRows: 1,
      deadLetteredAndWritten: 1,
      duplicated: 2,
      deadLettered: 1,
      deadLetterMessages: 2,
      validDeadLettered: 1,
      exact: false,
    });
  });

  it('a wrong dead-letter count makes it inexact', async () => {
    const l = await computeLedger({
      sourceIds: ['a'],
      sinkIds: from(['a']),
      deadLetters: from<DeadLetter>([]),
      expectedDeadLettered: 2,
    });
    expect(l.exact).toBe(false);
  });

  it('keeps to its own dataset when others share the table and the dead-letter topic', async () => {
    const { ledgerFilters } = await import('../../src/harness/engine/run.ts');
    const l = await computeLedger({
      sourceIds: ['OP-b-0', 'OP-b-1'],
      sinkIds: from(['OP-a-0', 'OP-b-0', 'OP-a-1', 'OP-b-1']),
      deadLetters: from<DeadLetter>([
        { reason: 'x', source: 'payments/a/part-00000.csv:3' },
        { reason: 'x', source: 'payments/b/part-00000.csv:9' },
      ]),
      expectedDeadLettered: 1,
      ...ledgerFilters({ validIdsFile: '', malformed: 1, idPrefix: 'OP-b-', objectKeyPrefix: 'payments/b/' }),
    });
    expect(l).toMatchObject({ sinkRows: 2, otherSinkRows: 2, unexpected: 0, deadLettered: 1, exact: true });
  });

  it('streams 200k ids from a file and finds the one missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tt-ledger-'));
    dirs.push(dir);
    const n = 200_000;
    const ids = Array.from({ length: n }, (_, i) => `rec-${String(i).padStart(8, '0')}`);
    await writeFile(join(dir, 'valid-ids.txt'), `${ids.join('\n')}\n`);
    const sink = async function* (): AsyncGenerator<string> {
      for (let i = n - 1; i >= 0; i--) if (i !== 123_456) yield ids[i]!;
    };
    const l = await computeLedger({ sourceIds: idsFromFile(join(dir, 'valid-ids.txt')), sinkIds: sink() });
    expect(l).toMatchObject({ source: n, sinkRows: n - 1, lost: 1, unexpected: 0, duplicated: 0 });
    expect(l.samples.lost).toEqual(['rec-00123456']);
  });
});
