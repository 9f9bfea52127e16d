/**
 * The ledger's content, version and where-lost classes on crafted histories: each class is made
 * to happen, and the ledger names exactly the ids it was made with.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { splitCsvLine, validateFields } from '../../apps/shared/record.ts';
import { PAYMENTS_SCHEMA, RECORD_COLUMNS } from '../../apps/shared/schema.ts';
import { corrupted, insertCql, insertParams, versionTimestamp } from '../../apps/consumer/sink.ts';
import { contentDigest, generateDataset, parseContentLine, VERSION_INDEX } from '../../src/harness/dataset/index.ts';
import { canonicalCell } from '../../src/harness/ledger/cassandra.ts';
import { computeLedger, contentFromFile } from '../../src/harness/ledger/ledger.ts';
import type { SinkRow, TopicLocation } from '../../src/model/target.ts';

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const content = [
  { id: 'a', version: 1, digest: 'da1' },
  { id: 'b', version: 3, digest: 'db3' },
  { id: 'c', version: 2, digest: 'dc2' },
  { id: 'd', version: 1, digest: 'dd1' },
];
const row = (id: string, version: number | null, digest: string): SinkRow => ({ id, version, digest });

describe('ledger: content and versions', () => {
  it('is exact when every row holds the latest version with the source digest', async () => {
    const l = await computeLedger({
      sourceIds: ['a', 'b', 'b', 'b', 'c', 'c', 'd'],
      sinkRows: from([row('a', 1, 'da1'), row('b', 3, 'db3'), row('c', 2, 'dc2'), row('d', 1, 'dd1')]),
      expectedContent: content,
    });
    expect(l).toMatchObject({ contentChecked: 4, corrupted: 0, stale: 0, lost: 0, exact: true });
  });

  it('a row at the latest version with other content is corrupted, an older version is a stale overwrite', async () => {
    const l = await computeLedger({
      sourceIds: ['a', 'b', 'c', 'd'],
      sinkRows: from([row('a', 1, 'XXX'), row('b', 2, 'db2'), row('c', 2, 'dc2'), row('d', 7, 'dd7')]),
      expectedContent: content,
    });
    expect(l).toMatchObject({ contentChecked: 4, corrupted: 2, stale: 1, exact: false });
    expect(l.samples.corrupted).toEqual(['a', 'd']); // d: a version the source never had
    expect(l.samples.stale).toEqual(['b']);
  });

  it('without a content file the content is not checked (contentChecked null)', async () => {
    const l = await computeLedger({ sourceIds: ['a'], sinkRows: from([row('a', 1, 'whatever')]) });
    expect(l).toMatchObject({ contentChecked: null, corrupted: 0, stale: 0, exact: true });
  });

  it('refuses both or neither of sinkIds and sinkRows', async () => {
    await expect(computeLedger({ sourceIds: ['a'] })).rejects.toThrow(/exactly one/);
  });
});

describe('ledger: where a lost row was last seen', () => {
  it('names the stage of every lost id: S3 only, on the topic, consumed but not written', async () => {
    const asked: string[][] = [];
    const l = await computeLedger({
      sourceIds: ['a', 'b', 'c', 'd', 'e'],
      sinkIds: from(['a']),
      locate: async (ids) => {
        asked.push([...ids].sort());
        return new Map<string, TopicLocation>([
          ['c', { partition: 0, offset: '5', consumed: false }],
          ['d', { partition: 1, offset: '9', consumed: true }],
          ['e', { partition: 1, offset: '12', consumed: true }],
        ]);
      },
    });
    expect(asked).toEqual([['b', 'c', 'd', 'e']]);
    expect(l.lostWhere).toEqual({ s3: 1, topic: 1, consumed: 2 });
    expect(l.samples).toMatchObject({ lostInS3: ['b'], lostInTopic: ['c'], lostConsumed: ['d', 'e'] });
  });

  it('does not look anything up when nothing is lost, and reports a failed look-up', async () => {
    let called = false;
    const none = await computeLedger({
      sourceIds: ['a'],
      sinkIds: from(['a']),
      locate: async () => {
        called = true;
        return new Map();
      },
    });
    expect(called).toBe(false);
    expect(none.lostWhere).toEqual({ s3: 0, topic: 0, consumed: 0 });
    const failed = await computeLedger({
      sourceIds: ['a'],
      sinkIds: from([]),
      locate: async () => {
        throw new Error('brokers unreachable');
      },
    });
    expect(failed).toMatchObject({ lost: 1, lostWhere: null, lostWhereError: 'brokers unreachable' });
  });
});

describe('content digests', () => {
  it('the generator writes the latest version of each id; update datasets carry several versions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tt-content-'));
    dirs.push(dir);
    const m = await generateDataset({ rows: 3000, objects: 3, seed: 'upd', updateFraction: 0.3, outDir: dir });
    expect(m.updateLines).toBeGreaterThan(300);
    // Every valid line of every object: the last (highest) version per id is what content.tsv holds.
    const latest = new Map<string, { version: number; digest: string }>();
    let outOfOrder = 0;
    for (const o of m.objects) {
      const lines = (await readFile(join(dir, o.name), 'utf8')).split('\n').slice(1).filter(Boolean);
      for (const line of lines) {
        const split = splitCsvLine(line);
        if (!split.ok || !validateFields(split.fields).ok) continue;
        const fields = split.fields;
        const version = Number(fields[VERSION_INDEX]);
        const have = latest.get(fields[0]!);
        if (have && have.version >= version) outOfOrder++;
        if (!have || have.version < version) latest.set(fields[0]!, { version, digest: contentDigest(fields) });
      }
    }
    expect(outOfOrder).toBe(0); // versions are written in increasing order within the data set
    const file = (await readFile(join(dir, m.contentFile!), 'utf8')).split('\n').filter(Boolean);
    expect(file.length).toBe(latest.size);
    for (const line of file) {
      const e = parseContentLine(line)!;
      expect(latest.get(e.id)).toEqual({ version: e.version, digest: e.digest });
    }
    expect([...latest.values()].some((v) => v.version > 1)).toBe(true);
    const entries = [];
    for await (const e of contentFromFile(join(dir, m.contentFile!))) entries.push(e);
    expect(entries.length).toBe(latest.size);
  });

  it('the driver values of a written row canonicalize to the digest of its CSV fields; a corrupted write does not', () => {
    const fields = [
      'OP-1-42',
      '2023',
      'Covered Recipient Teaching Hospital',
      'TH000042',
      '',
      '',
      'SPRINGFIELD',
      'IL',
      'Medtronic USA, Inc.',
      '0.50',
      '2023-02-05',
      'Grant',
      'Cash or cash equivalent',
      '4',
    ];
    const v = validateFields(fields);
    if (!v.ok) throw new Error(v.reason);
    // What the driver hands back for what insertParams bound (BigDecimal, LocalDate, numbers, null).
    const bound = insertParams(v.record, 'p/part-00000.csv', 2).slice(0, RECORD_COLUMNS.length);
    expect(contentDigest(bound.map(canonicalCell))).toBe(contentDigest(fields));
    const spoiled = insertParams(corrupted(v.record), 'p/part-00000.csv', 2).slice(0, RECORD_COLUMNS.length);
    expect(contentDigest(spoiled.map(canonicalCell))).not.toBe(contentDigest(fields));
    expect(versionTimestamp(v.record).toNumber()).toBe(4);
    expect(insertCql('k', 't')).toMatch(/USING TIMESTAMP \?$/);
    expect(insertCql('k', 't', PAYMENTS_SCHEMA, false)).not.toMatch(/TIMESTAMP/);
  });
});
