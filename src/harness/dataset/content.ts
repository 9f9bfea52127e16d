/**
 * The content digest of a record: what the generator computes at the source and the ledger
 * computes again from what Cassandra holds. Both sides canonicalize to the CSV text form of the
 * validated values (ints as decimal digits, amounts with their scale, dates `YYYY-MM-DD`, an
 * empty optional text as ''), so a row read back equals the row written iff the digests match.
 */
import { createHash } from 'node:crypto';
import { RECORD_COLUMNS, VERSION_COLUMN } from '../../../apps/shared/schema.ts';

/** Index of the version column in RECORD_COLUMNS. */
export const VERSION_INDEX = RECORD_COLUMNS.findIndex((c) => c.name === VERSION_COLUMN);

/** Digest (hex, 64 bits) of a record's fields in RECORD_COLUMNS order, canonical text form. */
export function contentDigest(fields: readonly string[]): string {
  return createHash('sha256').update(fields.join('\u001f')).digest('hex').slice(0, 16);
}

/** One line of the content file: the latest version of an id and its digest. */
export interface ContentEntry {
  id: string;
  version: number;
  digest: string;
}

/** The content file's line for an entry: `id<TAB>version<TAB>digest`. */
export function contentLine(e: ContentEntry): string {
  return `${e.id}\t${e.version}\t${e.digest}`;
}

/** Parse a content file line; undefined for a blank or broken line. */
export function parseContentLine(line: string): ContentEntry | undefined {
  const [id, version, digest] = line.split('\t');
  if (!id || !version || !digest) return undefined;
  const v = Number(version);
  return Number.isInteger(v) ? { id, version: v, digest } : undefined;
}
