import { describe, expect, it } from 'vitest';
import { readConsumerConfig, readProducerConfig } from '../../apps/shared/config.ts';
import { rowRules } from '../../apps/shared/record.ts';
import { checkSchema, createSchemaTableCql, createTableCql, type DatasetSchema } from '../../apps/shared/schema.ts';
import { insertCql, insertParams } from '../../apps/consumer/sink.ts';
import { consumerFleetEnv, producerFleetEnv, renderEnvFile } from '../../src/aws/constructs/user-data.ts';
import { appLaunchPlan } from '../../src/twin/members/app.ts';
import { specIssues, withDefaults, type PipelineSpec } from '../../src/spec/index.ts';
import { sinkRowId } from '../../src/harness/ledger/schema-keys.ts';

const CARS: DatasetSchema = {
  columns: [
    { name: 'model', type: 'string' },
    { name: 'year', type: 'integer' },
    { name: 'mpg', type: 'decimal' },
    { name: 'sold', type: 'date', nullable: true },
    { name: 'updated', type: 'timestamp' },
    { name: 'electric', type: 'boolean', nullable: true },
  ],
  key: ['model', 'year'],
  version: 'updated',
  nulls: ['NA'],
};
const specWith = (schema: unknown): PipelineSpec =>
  withDefaults({ dataset: { schema: schema as DatasetSchema } } as Parameters<typeof withDefaults>[0]);

describe('dataset schema in the spec', () => {
  it('accepts a schema of its own', () => {
    expect(specIssues(specWith(CARS))).toEqual([]);
  });

  it.each([
    [{ ...CARS, key: [] }, 'dataset.schema.key', /names no key column.*set key/],
    [{ ...CARS, key: ['nope'] }, 'dataset.schema.key[0]', /"nope" is not one of the columns/],
    [
      { ...CARS, columns: [{ name: 'model', type: 'varchar' }, ...CARS.columns.slice(1)] },
      'dataset.schema.columns[0].type',
      /"varchar" is not a column type: use one of string, integer/,
    ],
    [{ ...CARS, key: ['sold'] }, 'dataset.schema.key[0]', /key column "sold" is nullable.*nullable to false/],
    [{ ...CARS, key: ['mpg'] }, 'dataset.schema.key[0]', /has type decimal.*must be string, integer, date/],
    [{ ...CARS, version: 'model' }, 'dataset.schema.version', /has type string/],
    [
      { ...CARS, columns: [...CARS.columns, { name: 'year', type: 'string' }] },
      'dataset.schema.columns[6].name',
      /used twice/,
    ],
    [{ ...CARS, columns: [] }, 'dataset.schema.columns', /non-empty list/],
  ])('rejects %#: %s', (schema, path, message) => {
    const issues = specIssues(specWith(schema));
    const at = issues.filter((i) => i.path === path);
    expect(at.length, JSON.stringify(issues)).toBeGreaterThan(0);
    expect(at[0]!.message).toMatch(message);
  });

  it('checkSchema names the path and the fix', () => {
    expect(checkSchema('x')).toEqual([expect.objectContaining({ path: '' })]);
  });
});

describe('rows under a schema of their own', () => {
  const rules = rowRules(CARS);
  it('validates each type and keys by the key columns, integers canonical', () => {
    const ok = rules.validate(['Model T', '+0019', '21.5', 'NA', '2024-01-02T03:04:05Z', 'yes']);
    expect(ok).toMatchObject({ ok: true, key: 'Model T|19' });
    expect(rules.header).toBe('model,year,mpg,sold,updated,electric');
    expect(rules.asciiKeys).toBe(false);
  });
  it.each([
    [['', '1', '1', '', '2024-01-02 03:04', ''], 'empty-id'],
    [['a', '1.5', '1', '', '2024-01-02 03:04', ''], 'bad-int'],
    [['a', '1', '1,5', '', '2024-01-02 03:04', ''], 'bad-decimal'],
    [['a', '1', '1', '2023-02-29', '2024-01-02 03:04', ''], 'bad-date'],
    [['a', '1', '1', '', '2024-01-02 25:04', ''], 'bad-timestamp'],
    [['a', '1', '1', '', '2024-01-02 03:04', 'maybe'], 'bad-boolean'],
    [['a', '1', '1', '', '', ''], 'missing-field'],
    [['a\u0001', '1', '1', '', '2024-01-02 03:04', ''], 'bad-text'],
    [['a', '1'], 'column-count'],
  ])('%j → %s', (fields, kind) => {
    expect(rules.validate(fields)).toMatchObject({ ok: false, kind });
  });
});

describe('the schema reaches the apps and the sink', () => {
  it('through the env contract, on the twin and in user data', () => {
    const spec = specWith(CARS);
    const plan = appLaunchPlan('producers', { id: 'producers-1', zone: 'a', address: '127.0.1.10' } as never, {
      spec,
      slot: 0,
      s3Endpoint: 'http://127.0.0.1:1',
    });
    expect(readProducerConfig(plan.env).schema).toEqual(CARS);
    const consumer = consumerFleetEnv(spec);
    expect(renderEnvFile(consumer)).toContain('TT_SCHEMA=base64:');
    expect(readConsumerConfig({ ...consumer, TT_MEMBER_ID: 'c-1' }).schema).toEqual(CARS);
    expect(producerFleetEnv(withDefaults({})).TT_SCHEMA).toBeUndefined();
    expect(() => readProducerConfig({ ...plan.env, TT_SCHEMA: '{"columns":[],"key":[]}' })).toThrow(
      /TT_SCHEMA: schema.columns: must be a non-empty list/,
    );
  });

  it('makes the Cassandra table and the INSERT; the default stays the payments table', () => {
    const o = { keyspace: 'ks', table: 't', dataCenter: 'dc', replicationFactor: 3 };
    expect(createSchemaTableCql(o, undefined)).toBe(createTableCql(o));
    expect(createSchemaTableCql(o, CARS)).toBe(
      'CREATE TABLE IF NOT EXISTS "ks"."t" ("model" text, "year" bigint, "mpg" decimal, "sold" date, ' +
        '"updated" timestamp, "electric" boolean, "source_object" text, "source_line" int, PRIMARY KEY (("model", "year")))',
    );
    expect(insertCql('ks', 't', CARS)).toContain(
      '("model", "year", "mpg", "sold", "updated", "electric", "source_object", "source_line")',
    );
    const v = rowRules(CARS).validate(['Model T', '19', '21.5', 'NA', '2024-01-02T03:04:05Z', 'no']);
    if (!v.ok) throw new Error(v.reason);
    const params = insertParams(v.record, 'o.csv', 2, CARS);
    expect(params.map((p) => (p === null ? null : String(p)))).toEqual([
      'Model T',
      '19',
      '21.5',
      null,
      new Date('2024-01-02T03:04:05Z').toString(),
      'false',
      'o.csv',
      '2',
    ]);
    expect(sinkRowId(['Model T', 19n])).toBe(v.key);
  });
});

describe('dataset generate --schema', () => {
  it('writes rows of the schema that the producer path reads back as exactly its valid ids and malformed lines', async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { createReadStream } = await import('node:fs');
    const { createGunzip } = await import('node:zlib');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { generateSchemaDataset } = await import('../../src/harness/dataset/generate-schema.ts');
    const { BatchBuilder } = await import('../../apps/producer/batch.ts');
    const { readLines } = await import('../../apps/producer/objects.ts');
    const { decodeDeadLetter } = await import('../../apps/shared/messages.ts');
    const dir = await mkdtemp(join(tmpdir(), 'tt-schema-gen-'));
    try {
      const m = await generateSchemaDataset(CARS, {
        rows: 2000,
        objects: 2,
        malformedFraction: 0.1,
        seed: 's',
        gzip: true,
        outDir: dir,
      });
      expect(m.malformedCount).toBe(200);
      const ids: string[] = [];
      const dead: string[] = [];
      for (const o of m.objects) {
        const builder = new BatchBuilder(
          { object: o.name, member: 't', dataPartitions: 3, deadPartitions: 1, rows: rowRules(CARS) },
          0,
        );
        for await (const { line, text } of readLines(createReadStream(join(dir, o.name)).pipe(createGunzip()), 0))
          builder.add(line, text);
        builder.end();
        const batch = builder.take();
        for (const list of batch.data.values()) for (const msg of list) ids.push(String(msg.key));
        for (const list of batch.dead.values())
          for (const msg of list) {
            const d = decodeDeadLetter(msg.value as Buffer);
            dead.push(`${d.object}:${d.line}:${d.kind}`);
          }
      }
      expect(ids.sort()).toEqual((await readFile(join(dir, m.validIdsFile), 'utf8')).split('\n').filter(Boolean));
      const malformed = JSON.parse(await readFile(join(dir, m.malformedFile), 'utf8')) as {
        object: string;
        line: number;
        kind: string;
      }[];
      expect(dead.sort()).toEqual(malformed.map((e) => `${e.object}:${e.line}:${e.kind}`).sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
