import { describe, expect, it } from 'vitest';
import { toDeadLetter } from '../../src/harness/ledger/dead-letters.ts';
import { computeLedger } from '../../src/harness/ledger/ledger.ts';

const letter = (key: string, value: object) =>
  toDeadLetter({ key: Buffer.from(key), value: Buffer.from(JSON.stringify(value)) });

describe('ledger: skipped objects', () => {
  it('counts unreadable objects once each, apart from malformed records', async () => {
    const skipped = {
      stage: 'producer',
      kind: 'unreadable-object',
      reason: 'corrupt gzip (Z_DATA_ERROR): x',
      object: 'p/a.csv.gz',
      line: 0,
      raw: '',
    };
    const dead = [
      letter('p/a.csv.gz:0', skipped),
      letter('p/a.csv.gz:0', skipped), // re-sent after a restart
      letter('p/b.csv:0', { ...skipped, object: 'p/b.csv', reason: 'header does not match the schema' }),
      letter('p/c.csv:7', {
        stage: 'producer',
        kind: 'bad-date',
        reason: 'r',
        object: 'p/c.csv',
        line: 7,
        raw: 'OP-9,x',
      }),
    ];
    expect(dead[0]).toMatchObject({ skippedObject: 'p/a.csv.gz' });
    expect(dead[0]!.recordId).toBeUndefined();
    async function* from<T>(xs: T[]): AsyncGenerator<T> {
      yield* xs;
    }
    const ledger = await computeLedger({
      sourceIds: ['OP-1'],
      sinkIds: from(['OP-1']),
      deadLetters: from(dead),
      expectedDeadLettered: 1,
      expectedSkippedObjects: 2,
    });
    expect(ledger).toMatchObject({ deadLettered: 1, skippedObjects: 2, expectedSkippedObjects: 2, exact: true });
    expect(ledger.samples.skipped).toEqual([
      'p/a.csv.gz: corrupt gzip (Z_DATA_ERROR): x',
      'p/b.csv: header does not match the schema',
    ]);
    const unexpectedSkip = await computeLedger({
      sourceIds: ['OP-1'],
      sinkIds: from(['OP-1']),
      deadLetters: from(dead),
      expectedDeadLettered: 1,
      expectedSkippedObjects: 0,
    });
    expect(unexpectedSkip.exact).toBe(false);
  });
});

describe('ledger source from the objects themselves', () => {
  it('reads an object as the producers do: multi-line rows, malformed rows, unreadable objects', async () => {
    const { Readable } = await import('node:stream');
    const { gzipSync } = await import('node:zlib');
    const { readObjectIds } = await import('../../src/harness/ledger/from-objects.ts');
    const { rowRules } = await import('../../apps/shared/record.ts');
    const rules = rowRules({
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'note', type: 'string', nullable: true },
        { name: 'day', type: 'date' },
      ],
      key: ['id'],
      nulls: ['NA'],
    });
    const text =
      'id,note,day\n1,plain,2024-01-01\n2,"two\nlines, and ""quotes""",2024-01-02\n3,NA,2024-02-30\n"0004",NA,2024-01-04\n';
    const plain = await readObjectIds(Readable.from([Buffer.from(text)]), false, rules);
    expect(plain).toEqual({ ids: ['1', '2', '4'], malformed: 1 });
    const gz = await readObjectIds(Readable.from([gzipSync(text)]), true, rules);
    expect(gz).toEqual(plain);
    const header = await readObjectIds(Readable.from([Buffer.from('a,b\n1,2\n')]), false, rules);
    expect(header).toMatchObject({ ids: [], unreadable: expect.stringMatching(/header does not match/) });
    const broken = await readObjectIds(Readable.from([gzipSync(text).subarray(0, 12)]), true, rules);
    expect(broken.unreadable).toMatch(/corrupt gzip/);
  });
});
