/**
 * The ledger's source computed from the objects themselves, for data that comes without a
 * manifest (bring your own objects): every data object under the prefix is read as the producer
 * reads it (same record assembly, header check and row rules of the dataset's schema), so the
 * valid ids are exactly the rows the schema accepts, the malformed count is what should be
 * dead-lettered, and unreadable objects are what should be skipped.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  RecordAssembler,
  UnreadableObjectError,
  isDataKey,
  readLines,
  type SplitRecord,
} from '../../../apps/shared/csv-records.ts';
import { rowRules, type RowRules } from '../../../apps/shared/record.ts';
import type { DatasetSchema } from '../../../apps/shared/schema.ts';

/** What the objects hold, by the schema's rules. */
export interface ObjectsSource {
  /** Data objects read. */
  objects: number;
  /** Record ids of the valid rows, one per row (repeats kept: the ledger counts them). */
  ids: string[];
  /** Records the schema rejects: what the producers dead-letter. */
  malformed: number;
  /** Objects that cannot be read, with the reason. */
  skipped: { object: string; reason: string }[];
}

/** Collects the ids of one object's valid rows. */
class IdCollector extends RecordAssembler {
  malformed = 0;
  constructor(
    rules: RowRules,
    readonly ids: string[],
  ) {
    super(rules);
  }
  protected override record(_line: number, _lastLine: number, _text: string, split: SplitRecord): void {
    const result = split.ok ? this.rules.validate(split.fields) : undefined;
    if (result?.ok) this.ids.push(result.key);
    else this.malformed++;
  }
  protected override skipLine(): void {}
}

/** What one object holds by the schema's rules. */
export interface ObjectIds {
  /** Ids of its valid rows (read before the stream broke off, if it did). */
  ids: string[];
  /** Records the schema rejects. */
  malformed: number;
  /** Why the object cannot be read (then the producers skip it), if it cannot. */
  unreadable?: string;
}

/** Read one object's bytes (`gzip`: gunzip first) as the producers do. */
export async function readObjectIds(body: Readable, gzip: boolean, rules: RowRules): Promise<ObjectIds> {
  const collector = new IdCollector(rules, []);
  const input = gzip ? body.pipe(createGunzip()) : body;
  body.on('error', (error) => input.destroy(error));
  try {
    for await (const { line, text } of readLines(input, 0)) collector.add(line, text);
    collector.end();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UnreadableObjectError) {
      return { ids: collector.ids, malformed: collector.malformed, unreadable: error.message };
    }
    if (input !== body && typeof code === 'string' && code.startsWith('Z_')) {
      collector.end(); // the producer sends what it read before the stream broke off
      return {
        ids: collector.ids,
        malformed: collector.malformed,
        unreadable: `corrupt gzip (${code}): ${(error as Error).message}`,
      };
    }
    throw error;
  } finally {
    body.destroy();
    if (input !== body) input.destroy();
  }
  return { ids: collector.ids, malformed: collector.malformed };
}

/**
 * Read every data object under `prefix` (`.csv`, `.csv.gz`; not `_meta/`) and return what the
 * ledger compares against. `schema` undefined: the payments record.
 */
export async function sourceFromObjects(o: {
  s3: S3Client;
  bucket: string;
  prefix: string;
  schema?: DatasetSchema;
}): Promise<ObjectsSource> {
  const rules = rowRules(o.schema);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await o.s3.send(
      new ListObjectsV2Command({ Bucket: o.bucket, Prefix: o.prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) if (item.Key && isDataKey(item.Key, o.prefix)) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  keys.sort();
  const source: ObjectsSource = { objects: keys.length, ids: [], malformed: 0, skipped: [] };
  for (const key of keys) {
    const response = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    if (!(response.Body instanceof Readable)) throw new Error(`s3://${o.bucket}/${key}: body is not a Node stream`);
    const found = await readObjectIds(response.Body, key.endsWith('.gz'), rules);
    for (const id of found.ids) source.ids.push(id);
    source.malformed += found.malformed;
    if (found.unreadable !== undefined) source.skipped.push({ object: key, reason: found.unreadable });
  }
  return source;
}
