/** The data set's manifest and side files: what the ledger compares the sink against. */
import type { MalformedKind } from '../../../apps/shared/record.ts';

/** Name of the manifest file in a data set directory. */
export const MANIFEST_FILE = 'manifest.json';
/** Sorted valid record ids, one per line. */
export const VALID_IDS_FILE = 'valid-ids.txt';
/** The latest version of every valid id and its content digest: `id<TAB>version<TAB>digest`, sorted by id. */
export const CONTENT_FILE = 'content.tsv';
/** Every malformed row: object, line, kind. */
export const MALFORMED_FILE = 'malformed.json';

/** One data object of the set. */
export interface ManifestObject {
  /** Object name, relative to the dataset prefix (`part-00000.csv`). Its S3 key is prefix + name. */
  name: string;
  /** Data rows (the header line not counted). */
  rows: number;
  /** Valid rows. */
  valid: number;
  /** Malformed rows. */
  malformed: number;
  /** Size in bytes (compressed size for `.csv.gz`). */
  bytes: number;
  /** sha256 of the object's bytes, hex. */
  sha256: string;
}

/** One malformed row. */
export interface MalformedEntry {
  /** Object name, relative to the dataset prefix. */
  object: string;
  /** 1-based physical line in the object (the header is line 1). */
  line: number;
  /** The kind the validator reports for it. */
  kind: MalformedKind;
}

/** manifest.json. */
export interface DatasetManifest {
  version: 1;
  /** Seed the set was generated with. */
  seed: string;
  /** Data rows in all objects. */
  rows: number;
  /** `csv` or `csv.gz`. */
  format: 'csv' | 'csv.gz';
  /** CSV header columns. */
  columns: string[];
  /** The objects, in name order. */
  objects: ManifestObject[];
  /** Rows that pass validation. */
  validCount: number;
  /** Rows that do not. */
  malformedCount: number;
  /** Malformed rows per kind. */
  malformedByKind: Partial<Record<MalformedKind, number>>;
  /** File with the sorted valid ids, one per line (`\n`-terminated). */
  validIdsFile: string;
  /** sha256 (hex) of that file's bytes. */
  validIdsSha256: string;
  /** File with the malformed rows (`MalformedEntry[]`). */
  malformedFile: string;
  /** File with each valid id's latest version and content digest (see content.ts); absent for schema data sets. */
  contentFile?: string;
  /** sha256 (hex) of that file's bytes. */
  contentSha256?: string;
  /** Valid lines that are a later version of an id seen before (0 for a plain data set). */
  updateLines?: number;
}

/** Sort ids the way valid-ids.txt is sorted (by UTF-16 code units; byte order for ASCII ids). */
export function sortIds(ids: string[]): string[] {
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The bytes of valid-ids.txt for a set of ids. */
export function validIdsText(ids: Iterable<string>): string {
  const sorted = sortIds([...ids]);
  return sorted.length === 0 ? '' : `${sorted.join('\n')}\n`;
}
