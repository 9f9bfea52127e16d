/**
 * `generateDataset`: a deterministic synthetic data set — CSV objects (optionally gzip), a
 * manifest, the sorted valid ids and the list of malformed rows. Same options, same bytes.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { CSV_HEADER, csvLine, type MalformedKind } from '../../../apps/shared/record.ts';
import { RECORD_COLUMNS } from '../../../apps/shared/schema.ts';
import { GENERATED_KINDS, malformedLine } from './malformed.ts';
import { contentDigest, contentLine, VERSION_INDEX } from './content.ts';
import {
  CONTENT_FILE,
  MALFORMED_FILE,
  MANIFEST_FILE,
  VALID_IDS_FILE,
  sortIds,
  validIdsText,
  type DatasetManifest,
  type MalformedEntry,
  type ManifestObject,
} from './manifest.ts';
import { createRandom } from './random.ts';
import { validRowFields } from './rows.ts';

/** Options of `generateDataset`. */
export interface GenerateOptions {
  /** Data rows in total (valid + malformed). */
  rows: number;
  /** Number of objects the rows are split into. @default 1 */
  objects?: number;
  /** Fraction of rows that are malformed, 0–1; exactly round(rows × fraction) are. @default 0 */
  malformedFraction?: number;
  /** Seed: letters, digits and hyphens. @default "1" */
  seed?: string | number;
  /** Write `.csv.gz` objects. @default false */
  gzip?: boolean;
  /**
   * Updates (the change-data-capture shape): this fraction of the records gets later versions of
   * itself (same id, version 2, 3, …, new content), placed between half an object and one and a
   * half objects after the version before, so versions of one id usually sit in different
   * objects and may reach the sink in any order. Each update line counts as one of `rows`.
   * @default 0
   */
  updateFraction?: number;
  /** Most versions one record gets (2–20). @default 3 */
  maxVersions?: number;
  /**
   * Fraction of the valid rows, 0–1, whose `recipient_city` holds line breaks (a quoted field
   * spanning 2–3 physical lines, as free-text columns of real exports do). @default 0
   */
  multilineFraction?: number;
  /** Directory to write into (created if missing). */
  outDir: string;
}

/** Check options; throws naming the bad one. */
export function checkGenerateOptions(o: GenerateOptions): Required<GenerateOptions> & { seed: string } {
  const objects = o.objects ?? 1;
  const fraction = o.malformedFraction ?? 0;
  const seed = String(o.seed ?? '1');
  if (!Number.isInteger(o.rows) || o.rows < 0) throw new Error(`rows must be a non-negative integer, got ${o.rows}`);
  if (!Number.isInteger(objects) || objects < 1) throw new Error(`objects must be a positive integer, got ${objects}`);
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`malformed fraction must be in [0, 1], got ${fraction}`);
  const multiline = o.multilineFraction ?? 0;
  if (!(multiline >= 0 && multiline <= 1)) throw new Error(`multi-line fraction must be in [0, 1], got ${multiline}`);
  if (!/^[A-Za-z0-9-]{1,32}$/.test(seed))
    throw new Error(`seed must be 1–32 letters, digits or hyphens, got "${seed}"`);
  const updateFraction = o.updateFraction ?? 0;
  const maxVersions = o.maxVersions ?? 3;
  if (!(updateFraction >= 0 && updateFraction <= 1))
    throw new Error(`update fraction must be in [0, 1], got ${updateFraction}`);
  if (!Number.isInteger(maxVersions) || maxVersions < 2 || maxVersions > 20)
    throw new Error(`maxVersions must be an integer in [2, 20], got ${maxVersions}`);
  return {
    rows: o.rows,
    objects,
    malformedFraction: fraction,
    seed,
    gzip: o.gzip ?? false,
    updateFraction,
    maxVersions,
    multilineFraction: multiline,
    outDir: o.outDir,
  };
}

const CITY = RECORD_COLUMNS.findIndex((c) => c.name === 'recipient_city');
const CITY_EXTRAS = ['c/o Billing Dept.', 'Suite 200', 'Building "B", 2nd floor', 'P.O. Box 17'];

/** Physical line breaks inside `text` (a CRLF counts once, as readline splits). */
function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) n++;
  }
  return n;
}

/** Name of object `i`. */
export function objectName(i: number, gzip: boolean): string {
  return `part-${String(i).padStart(5, '0')}.csv${gzip ? '.gz' : ''}`;
}

/** Generate the data set into `outDir`; returns the manifest (also written as manifest.json). */
export async function generateDataset(options: GenerateOptions): Promise<DatasetManifest> {
  const o = checkGenerateOptions(options);
  await mkdir(o.outDir, { recursive: true });
  const random = createRandom(`terratower-dataset:${o.seed}`);
  const totalMalformed = Math.round(o.rows * o.malformedFraction);
  const validIds: string[] = [];
  const malformedEntries: MalformedEntry[] = [];
  const byKind: Partial<Record<MalformedKind, number>> = {};
  const objects: ManifestObject[] = [];
  let n = 0; // global row index
  let fresh = 0; // records started so far (their ids: recordId(seed, fresh))
  let malformedSoFar = 0;
  let updateLines = 0;
  // Latest version and digest written per id; pending later versions, ordered by row position.
  const latest = new Map<string, { version: number; digest: string }>();
  const pending: { at: number; id: string; version: number; last: number }[] = [];
  const rowsPerObject = Math.max(1, Math.floor(o.rows / o.objects));
  const schedule = (id: string, version: number, last: number): void => {
    const at = n + 1 + Math.floor(rowsPerObject * (0.5 + random.next()));
    let k = pending.length;
    while (k > 0 && pending[k - 1]!.at > at) k--;
    pending.splice(k, 0, { at, id, version, last });
  };

  for (let i = 0; i < o.objects; i++) {
    const name = objectName(i, o.gzip);
    const rowsHere = Math.floor(o.rows / o.objects) + (i < o.rows % o.objects ? 1 : 0);
    const entry: ManifestObject = { name, rows: rowsHere, valid: 0, malformed: 0, bytes: 0, sha256: '' };
    function* chunks(): Generator<string> {
      let chunk = `${CSV_HEADER}\n`;
      let line = 1; // physical line of the row (a row may span lines)
      for (let r = 0; r < rowsHere; r++, n++) {
        // Selection sampling: exactly totalMalformed of the rows, spread uniformly.
        const bad = random.next() * (o.rows - n) < totalMalformed - malformedSoFar;
        const update = !bad && pending.length > 0 && pending[0]!.at <= n ? pending.shift()! : undefined;
        const fields = validRowFields(random, o.seed, update ? undefined : fresh++, update?.id, update?.version);
        line++;
        if (update) {
          if (update.version < update.last) schedule(update.id, update.version + 1, update.last);
          updateLines++;
        } else if (!bad && o.updateFraction > 0 && random.next() < o.updateFraction) {
          schedule(fields[0]!, 2, random.int(2, o.maxVersions));
        }
        // Drawn only when asked for, so data sets without multi-line rows stay byte for byte the same.
        if (!bad && o.multilineFraction > 0 && random.next() < o.multilineFraction) {
          const extra = random.int(1, 2);
          fields[CITY] = [fields[CITY]!, ...Array.from({ length: extra }, () => random.pick(CITY_EXTRAS))].join(
            random.next() < 0.5 ? '\n' : '\r\n',
          );
        }
        if (bad) {
          const kind = GENERATED_KINDS[malformedSoFar % GENERATED_KINDS.length]!;
          malformedSoFar++;
          chunk += `${malformedLine(fields, kind, random)}\n`;
          malformedEntries.push({ object: name, line, kind });
          byKind[kind] = (byKind[kind] ?? 0) + 1;
          entry.malformed++;
        } else {
          const text = csvLine(fields);
          chunk += `${text}\n`;
          line += countLineBreaks(text);
          validIds.push(fields[0]!);
          // The producer reads a line break inside a quoted field as \n (readline keeps no CRLF):
          // the digest is of what the pipeline delivers.
          latest.set(fields[0]!, {
            version: Number(fields[VERSION_INDEX]),
            digest: contentDigest(fields.map((f) => f.replace(/\r\n/g, '\n'))),
          });
          entry.valid++;
        }
        if (chunk.length >= 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(data: Buffer, _encoding, callback) {
        hash.update(data);
        entry.bytes += data.length;
        callback(null, data);
      },
    });
    const source = Readable.from(chunks(), { objectMode: false });
    const sink = createWriteStream(join(o.outDir, name));
    if (o.gzip) await pipeline(source, createGzip({ level: 6 }), tap, sink);
    else await pipeline(source, tap, sink);
    entry.sha256 = hash.digest('hex');
    objects.push(entry);
  }

  const idsText = validIdsText(validIds);
  const contentText = sortIds([...latest.keys()])
    .map((id) => `${contentLine({ id, ...latest.get(id)! })}\n`)
    .join('');
  await writeFile(join(o.outDir, CONTENT_FILE), contentText);
  await writeFile(join(o.outDir, VALID_IDS_FILE), idsText);
  await writeFile(join(o.outDir, MALFORMED_FILE), `${JSON.stringify(malformedEntries, null, 1)}\n`);
  const manifest: DatasetManifest = {
    version: 1,
    seed: o.seed,
    rows: o.rows,
    format: o.gzip ? 'csv.gz' : 'csv',
    columns: RECORD_COLUMNS.map((c) => c.name),
    objects,
    validCount: validIds.length,
    malformedCount: malformedEntries.length,
    malformedByKind: byKind,
    validIdsFile: VALID_IDS_FILE,
    validIdsSha256: createHash('sha256').update(idsText).digest('hex'),
    malformedFile: MALFORMED_FILE,
    contentFile: CONTENT_FILE,
    contentSha256: createHash('sha256').update(contentText).digest('hex'),
    updateLines,
  };
  await writeFile(join(o.outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
