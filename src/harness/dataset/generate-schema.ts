/**
 * `generateSchemaDataset`: a deterministic synthetic data set shaped by a dataset schema of the
 * user's own (`dataset generate --schema`): CSV objects with the schema's header, rows whose
 * values fit each column's type (unique keys), a share of malformed rows (one field spoiled per
 * row, by its type), and the same manifest, valid ids and malformed list as the payments
 * generator, so the ledger works the same way.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { csvLine, rowRules, type MalformedKind } from '../../../apps/shared/record.ts';
import type { ColumnType, DatasetSchema } from '../../../apps/shared/schema.ts';
import { checkGenerateOptions, objectName, type GenerateOptions } from './generate.ts';
import {
  MALFORMED_FILE,
  MANIFEST_FILE,
  VALID_IDS_FILE,
  validIdsText,
  type DatasetManifest,
  type MalformedEntry,
  type ManifestObject,
} from './manifest.ts';
import { createRandom, type Random } from './random.ts';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett'];
const DAY_MS = 86_400_000;
const BASE_DAY = Date.UTC(2000, 0, 1);

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A valid value of `type` for row `n`; key columns get values unique per row. */
function value(type: ColumnType, random: Random, seed: string, n: number, key: boolean): string {
  switch (type) {
    case 'string':
      return key
        ? `${seed}-${n}`
        : `${random.pick(WORDS)} ${random.pick(WORDS)}${random.next() < 0.1 ? ', with a comma' : ''}`;
    case 'integer':
      return String(key ? n + 1 : random.int(-1000, 1_000_000));
    case 'decimal':
      return (random.next() * 10_000 - 100).toFixed(random.int(0, 3));
    case 'date':
      return iso(BASE_DAY + (key ? n : random.int(0, 9000)) * DAY_MS);
    case 'timestamp':
      return new Date(BASE_DAY + random.int(0, 9000) * DAY_MS + random.int(0, DAY_MS - 1)).toISOString();
    case 'boolean':
      return random.next() < 0.5 ? 'true' : 'false';
  }
}

/** A field of `type` that the validator rejects, and the kind it reports. */
function spoiled(type: ColumnType, random: Random): [string, MalformedKind] {
  switch (type) {
    case 'string':
      return [`bad\u0001text`, 'bad-text'];
    case 'integer':
      return [random.pick(['12x', '1.5', 'ten']), 'bad-int'];
    case 'decimal':
      return [random.pick(['1,5', 'N/A', '1.2.3']), 'bad-decimal'];
    case 'date':
      return [random.pick(['2023-02-30', '03/15/2023', '2023-13-01']), 'bad-date'];
    case 'timestamp':
      return [random.pick(['yesterday', '2023-01-01T25:00:00Z']), 'bad-timestamp'];
    case 'boolean':
      return [random.pick(['maybe', 'TRUEISH']), 'bad-boolean'];
  }
}

/** Generate a data set of `schema` into `outDir`; returns the manifest (also written as manifest.json). */
export async function generateSchemaDataset(schema: DatasetSchema, options: GenerateOptions): Promise<DatasetManifest> {
  const o = checkGenerateOptions(options);
  await mkdir(o.outDir, { recursive: true });
  const random = createRandom(`terratower-schema-dataset:${o.seed}`);
  const rules = rowRules(schema);
  const keyIndexes = new Set(schema.key.map((k) => schema.columns.findIndex((c) => c.name === k)));
  const totalMalformed = Math.round(o.rows * o.malformedFraction);
  const validIds: string[] = [];
  const malformedEntries: MalformedEntry[] = [];
  const byKind: Partial<Record<MalformedKind, number>> = {};
  const objects: ManifestObject[] = [];
  let n = 0;
  let malformedSoFar = 0;
  for (let i = 0; i < o.objects; i++) {
    const name = objectName(i, o.gzip);
    const rowsHere = Math.floor(o.rows / o.objects) + (i < o.rows % o.objects ? 1 : 0);
    const entry: ManifestObject = { name, rows: rowsHere, valid: 0, malformed: 0, bytes: 0, sha256: '' };
    const lines: string[] = [rules.header];
    for (let r = 0; r < rowsHere; r++, n++) {
      const fields = schema.columns.map((c, j) =>
        c.nullable && !keyIndexes.has(j) && random.next() < 0.1
          ? ''
          : value(c.type, random, o.seed, n, keyIndexes.has(j)),
      );
      const bad = random.next() * (o.rows - n) < totalMalformed - malformedSoFar;
      if (bad) {
        malformedSoFar++;
        const j = random.int(0, schema.columns.length - 1);
        const [text, kind] = keyIndexes.has(j) ? ['', 'empty-id' as const] : spoiled(schema.columns[j]!.type, random);
        fields[j] = text;
        malformedEntries.push({ object: name, line: r + 2, kind });
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        entry.malformed++;
      } else {
        const result = rules.validate(fields);
        if (!result.ok) throw new Error(`generator bug: a valid row was rejected: ${result.reason}`);
        validIds.push(result.key);
        entry.valid++;
      }
      lines.push(csvLine(fields));
    }
    const body = Buffer.from(`${lines.join('\n')}\n`);
    const bytes = o.gzip ? await gzipped(body) : body;
    entry.bytes = bytes.length;
    entry.sha256 = createHash('sha256').update(bytes).digest('hex');
    await pipeline(Readable.from([bytes]), createWriteStream(join(o.outDir, name)));
    objects.push(entry);
  }
  const idsText = validIdsText(validIds);
  await writeFile(join(o.outDir, VALID_IDS_FILE), idsText);
  await writeFile(join(o.outDir, MALFORMED_FILE), `${JSON.stringify(malformedEntries, null, 1)}\n`);
  const manifest: DatasetManifest = {
    version: 1,
    seed: o.seed,
    rows: o.rows,
    format: o.gzip ? 'csv.gz' : 'csv',
    columns: schema.columns.map((c) => c.name),
    objects,
    validCount: validIds.length,
    malformedCount: malformedEntries.length,
    malformedByKind: byKind,
    validIdsFile: VALID_IDS_FILE,
    validIdsSha256: createHash('sha256').update(idsText).digest('hex'),
    malformedFile: MALFORMED_FILE,
  };
  await writeFile(join(o.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function gzipped(body: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(Readable.from([body]), createGzip({ level: 6 }), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}
