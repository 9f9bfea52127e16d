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
