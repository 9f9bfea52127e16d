/**
 * The ledger: did every record arrive exactly once? Source ids (the dataset's `valid-ids.txt`)
 * against the sink's rows (Cassandra, paged at the spec's consistency) and the dead-letter topic.
 *
 * Definitions (the sink upserts by `record_id`, so it can never hold two rows for one id):
 * - **lost**: a valid source id with no sink row.
 * - **unexpected**: a sink row whose id is not a valid source id (a malformed record written
 *   anyway, or a row from elsewhere).
 * - **duplicated**: a record delivered to more than one place or more than once where we can see
 *   it: an id that is both in the sink and on the dead-letter topic, plus any id the sink scan
 *   returned more than once (a broken table or scan). Redeliveries that the upsert absorbs are not
 *   duplicates of data and are not counted. Ids repeated *in the source* (the same record twice in
 *   the CSVs) are reported as `sourceDuplicates`: they collapse into one row by design.
 * - **dead-lettered**: records on the dead-letter topic, compared with the manifest's count of
 *   malformed lines.
 *
 * - **corrupted**: (with the source's content file) a sink row at the id's latest version whose
 *   content digest differs from the source's, or at a version the source never had: a corrupted
 *   or truncated value.
 * - **stale overwrite**: (with the content file) a sink row at an older version than the latest
 *   the source holds for its id: an older version written over a newer one (or the newer lost).
 * - **where lost**: (with `locate`) each lost id's last stage: `s3` (never on the data topic),
 *   `topic` (on it, the group's committed offset not past it), `consumed` (committed past it, yet
 *   not in Cassandra).
 *
 * Exact = nothing lost, unexpected, duplicated, corrupted or stale, and (when the expected count
 * is known) exactly the malformed records dead-lettered. Memory: one Map entry per distinct source id
 * plus a byte per id (≈ 100 B/id: 10 MB for 100k ids); sink and DLQ are streamed.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { DeadLetter, LostStage, SinkRow, TopicLocation } from '../../model/target.ts';
import { parseContentLine, type ContentEntry } from '../dataset/content.ts';
import { SkippedObjects } from './skipped.ts';

/** What the ledger compares. */
export interface LedgerInput {
  /** Valid source ids, one per record (duplicates allowed). */
  sourceIds: AsyncIterable<string> | Iterable<string>;
  /** Every `record_id` in the sink (or give `sinkRows`). */
  sinkIds?: AsyncIterable<string>;
  /** Every sink row with version and content digest: enables the content and version checks with `expectedContent`. */
  sinkRows?: AsyncIterable<SinkRow>;
  /** The source's latest version and content digest per valid id (the generator's content file). */
  expectedContent?: AsyncIterable<ContentEntry> | Iterable<ContentEntry>;
  /** Looks lost ids up on the data topic: enables "where lost". */
  locate?: (ids: ReadonlySet<string>) => Promise<Map<string, TopicLocation>>;
  /** Every dead-lettered record. */
  deadLetters?: AsyncIterable<DeadLetter>;
  /** Malformed lines in the source (the manifest's count): what should be dead-lettered. */
  expectedDeadLettered?: number;
  /** Objects of the source that cannot be read (when known): what should be skipped. */
  expectedSkippedObjects?: number;
  /** How many example ids to keep per kind of mismatch. @default 20 */
  sampleSize?: number;
  /**
   * Which sink rows belong to this dataset (several datasets may share one table, e.g. the demo's
   * two scenarios). Rows it rejects are counted in `otherSinkRows` and otherwise ignored.
   * @default every row
   */
  sinkFilter?: (id: string) => boolean;
  /** Which dead letters belong to this dataset (by source object). @default every one */
  deadLetterFilter?: (letter: DeadLetter) => boolean;
}

/** The ledger's verdict. */
export interface Ledger {
  /** Distinct valid source ids. */
  source: number;
  /** Valid source records, counting repeats. */
  sourceRecords: number;
  /** Distinct ids that occur more than once in the source. */
  sourceDuplicates: number;
  /** Rows read from the sink that belong to this dataset. */
  sinkRows: number;
  /** Rows of other datasets in the same table (ignored). */
  otherSinkRows: number;
  /** Distinct valid source ids found in the sink. */
  delivered: number;
  lost: number;
  unexpected: number;
  duplicated: number;
  /** Part of `duplicated`: ids the sink scan returned more than once. */
  sinkDuplicateRows: number;
  /** Part of `duplicated`: ids both dead-lettered and in the sink. */
  deadLetteredAndWritten: number;
  /** Distinct records on the dead-letter topic (by source line, else record id). */
  deadLettered: number;
  /** Messages on the dead-letter topic, counting redeliveries. */
  deadLetterMessages: number;
  /** Valid source ids found on the dead-letter topic (they should not be there). */
  validDeadLettered: number;
  /** Malformed lines the manifest counted, if known. */
  expectedDeadLettered: number | null;
  // The fields below are optional only so that report.json files of earlier versions still read;
  // computeLedger always sets them.
  /** Sink rows whose version and content were compared with the source (null: no content file or no rows read). */
  contentChecked?: number | null;
  /** Rows at the latest version with other content, or at a version the source never had. */
  corrupted?: number;
  /** Rows at an older version than the source's latest. */
  stale?: number;
  /** Lost ids by the last stage that saw them (null: not looked up). */
  lostWhere?: Record<LostStage, number> | null;
  /** Why the lost ids could not be looked up. */
  lostWhereError?: string;
  /** Examples of each mismatch (ids; `skipped`: `object: reason`). */
  samples: {
    lost: string[];
    unexpected: string[];
    duplicated: string[];
    skipped?: string[];
    corrupted?: string[];
    stale?: string[];
    lostInS3?: string[];
    lostInTopic?: string[];
    lostConsumed?: string[];
  };
  /** Objects a producer skipped as unreadable (a class of their own: not counted in `deadLettered`). */
  skippedObjects?: number;
  /** Unreadable objects in the source, if known. */
  expectedSkippedObjects?: number | null;
  exact: boolean;
}

/** Read the content file (`id<TAB>version<TAB>digest` lines), streaming. */
export async function* contentFromFile(path: string): AsyncGenerator<ContentEntry> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const entry = parseContentLine(line);
    if (entry) yield entry;
  }
}

/** Read ids from a text file, one per line (blank lines skipped), streaming. */
export async function* idsFromFile(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const id = line.trim();
    if (id) yield id;
  }
}

// Per-id state bits.
const IN_SINK = 1;
const IN_DLQ = 2;

/** Compute the ledger. */
export async function computeLedger(input: LedgerInput): Promise<Ledger> {
  const sampleSize = input.sampleSize ?? 20;
  const index = new Map<string, number>();
  const repeats = new Map<number, number>();
  let sourceRecords = 0;
  for await (const id of input.sourceIds) {
    sourceRecords += 1;
    const known = index.get(id);
    if (known === undefined) index.set(id, index.size);
    else repeats.set(known, (repeats.get(known) ?? 1) + 1);
  }
  const flags = new Uint8Array(index.size);
  const samples: Required<Ledger['samples']> = {
    lost: [],
    unexpected: [],
    duplicated: [],
    skipped: [],
    corrupted: [],
    stale: [],
    lostInS3: [],
    lostInTopic: [],
    lostConsumed: [],
  };
  // The source's latest version and digest per id (when a content file is given).
  let versions: Int32Array | undefined;
  let digests: string[] | undefined;
  if (input.expectedContent) {
    versions = new Int32Array(index.size).fill(-1);
    digests = new Array<string>(index.size);
    for await (const e of input.expectedContent) {
      const i = index.get(e.id);
      if (i === undefined) continue;
      versions[i] = e.version;
      digests[i] = e.digest;
    }
  }
  let contentChecked = 0;
  let corrupted = 0;
  let stale = 0;
  const checkContent = (i: number, row: SinkRow): void => {
    if (!versions || !digests || versions[i]! < 0) return;
    contentChecked += 1;
    const want = versions[i]!;
    if (row.version !== null && row.version < want) {
      stale += 1;
      keep(samples.stale, row.id);
    } else if (row.version !== want || row.digest !== digests[i]) {
      corrupted += 1;
      keep(samples.corrupted, row.id);
    }
  };
  const keep = (list: string[], id: string): void => {
    if (list.length < sampleSize) list.push(id);
  };

  // Ids outside the source are tracked in a set of their own (expected to be small).
  const unexpectedSeen = new Map<string, number>();
  let sinkRows = 0;
  let otherSinkRows = 0;
  let sinkDuplicateRows = 0;
  if (!input.sinkIds === !input.sinkRows) throw new Error('computeLedger: give exactly one of sinkIds and sinkRows');
  const rows: AsyncIterable<SinkRow> =
    input.sinkRows ??
    (async function* (ids: AsyncIterable<string>) {
      for await (const id of ids) yield { id, version: null, digest: '' };
    })(input.sinkIds!);
  for await (const row of rows) {
    const id = row.id;
    if (input.sinkFilter && !input.sinkFilter(id)) {
      otherSinkRows += 1;
      continue;
    }
    sinkRows += 1;
    const i = index.get(id);
    if (i === undefined) {
      const flag = unexpectedSeen.get(id) ?? 0;
      if (flag & IN_SINK) {
        sinkDuplicateRows += 1;
        keep(samples.duplicated, id);
      }
      unexpectedSeen.set(id, flag | IN_SINK);
      continue;
    }
    if (flags[i]! & IN_SINK) {
      sinkDuplicateRows += 1;
      keep(samples.duplicated, id);
    }
    flags[i] = flags[i]! | IN_SINK;
    if (input.sinkRows) checkContent(i, row);
  }

  let deadLettered = 0;
  let deadLetterMessages = 0;
  let validDeadLettered = 0;
  let deadLetteredAndWritten = 0;
  const deadLetterKeys = new Set<string>();
  const skipped = new SkippedObjects();
  if (input.deadLetters) {
    for await (const dl of input.deadLetters) {
      if (input.deadLetterFilter && !input.deadLetterFilter(dl)) continue;
      if (dl.skippedObject !== undefined) {
        skipped.add(dl.skippedObject, dl.reason);
        continue;
      }
      deadLetterMessages += 1;
      const key = dl.source ?? (dl.recordId ? `id:${dl.recordId}` : undefined);
      if (key !== undefined) {
        if (deadLetterKeys.has(key)) continue;
        deadLetterKeys.add(key);
      }
      deadLettered += 1;
      if (!dl.recordId) continue;
      const i = index.get(dl.recordId);
      const flag = i === undefined ? (unexpectedSeen.get(dl.recordId) ?? 0) : flags[i]!;
      if (i !== undefined && !(flag & IN_DLQ)) validDeadLettered += 1;
      if (flag & IN_SINK && !(flag & IN_DLQ)) {
        deadLetteredAndWritten += 1;
        keep(samples.duplicated, dl.recordId);
      }
      if (i === undefined) {
        if (flag & IN_SINK) unexpectedSeen.set(dl.recordId, flag | IN_DLQ);
      } else {
        flags[i] = flag | IN_DLQ;
      }
    }
  }

  let delivered = 0;
  let lost = 0;
  const lostIds = new Set<string>();
  for (const [id, i] of index) {
    if (flags[i]! & IN_SINK) delivered += 1;
    else {
      lost += 1;
      keep(samples.lost, id);
      // Dead-lettered valid ids are lost too, but their last stage is known: the dead-letter topic.
      if (!(flags[i]! & IN_DLQ)) lostIds.add(id);
    }
  }
  let lostWhere: Record<LostStage, number> | null = null;
  let lostWhereError: string | undefined;
  if (input.locate && lostIds.size > 0) {
    try {
      const found = await input.locate(lostIds);
      lostWhere = { s3: 0, topic: 0, consumed: 0 };
      for (const id of lostIds) {
        const at = found.get(id);
        const stage: LostStage = at === undefined ? 's3' : at.consumed ? 'consumed' : 'topic';
        lostWhere[stage] += 1;
        keep(stage === 's3' ? samples.lostInS3 : stage === 'topic' ? samples.lostInTopic : samples.lostConsumed, id);
      }
    } catch (error) {
      lostWhereError = (error as Error).message;
    }
  } else if (input.locate) {
    lostWhere = { s3: 0, topic: 0, consumed: 0 };
  }
  let unexpected = 0;
  for (const [id, flag] of unexpectedSeen) {
    if (flag & IN_SINK) {
      unexpected += 1;
      keep(samples.unexpected, id);
    }
  }
  const duplicated = sinkDuplicateRows + deadLetteredAndWritten;
  const expectedDeadLettered = input.expectedDeadLettered ?? null;
  const expectedSkippedObjects = input.expectedSkippedObjects ?? null;
  return {
    source: index.size,
    sourceRecords,
    sourceDuplicates: repeats.size,
    sinkRows,
    otherSinkRows,
    delivered,
    lost,
    unexpected,
    duplicated,
    sinkDuplicateRows,
    deadLetteredAndWritten,
    deadLettered,
    deadLetterMessages,
    validDeadLettered,
    expectedDeadLettered,
    contentChecked: input.sinkRows && versions ? contentChecked : null,
    corrupted,
    stale,
    lostWhere,
    ...(lostWhereError !== undefined ? { lostWhereError } : {}),
    skippedObjects: skipped.count,
    expectedSkippedObjects,
    samples: { ...samples, skipped: skipped.samples(sampleSize) },
    exact:
      lost === 0 &&
      corrupted === 0 &&
      stale === 0 &&
      unexpected === 0 &&
      duplicated === 0 &&
      (expectedDeadLettered === null || !input.deadLetters || deadLettered === expectedDeadLettered) &&
      (expectedSkippedObjects === null || !input.deadLetters || skipped.count === expectedSkippedObjects),
  };
}
