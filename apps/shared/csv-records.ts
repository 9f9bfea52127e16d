/**
 * From the physical lines of a dataset object to its CSV records (RFC 4180: a quoted field may
 * span lines), header checked, each record split: the one reading of an object that the producer
 * (apps/producer/batch.ts) and the ledger's "from the objects themselves" source share.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { OPEN, scanQuotedRecord } from './csv-split.ts';
import { splitCsvLine, type MalformedKind, type RowRules } from './record.ts';

/**
 * A record whose quoted field spans lines may reach this many physical lines or characters; a
 * record still open beyond that is taken for a stray quote (see `RecordAssembler.add`).
 */
export const MAX_RECORD_LINES = 1000;
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/** An object that cannot be read as the dataset's CSV at all (the whole object is skipped). */
export class UnreadableObjectError extends Error {
  override name = 'UnreadableObjectError';
}

/** A record split into fields, or why it could not be. */
export type SplitRecord = { ok: true; fields: string[] } | { ok: false; kind: MalformedKind; reason: string };

/** Whether a key is a data object: `.csv` or `.csv.gz`, and no path segment starting with `_` (`_meta/`). */
export function isDataKey(key: string, prefix: string): boolean {
  if (!key.startsWith(prefix)) return false;
  if (!key.endsWith('.csv') && !key.endsWith('.csv.gz')) return false;
  return !key
    .slice(prefix.length)
    .split('/')
    .some((segment) => segment.startsWith('_'));
}

/** One physical line of an object. */
export interface ObjectLine {
  /** 1-based line number. */
  line: number;
  /** The line without its line break. */
  text: string;
}

/** The lines of a text stream after `afterLine` (line breaks as readline sees them; a leading BOM dropped). */
export async function* readLines(input: Readable, afterLine: number): AsyncGenerator<ObjectLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n++;
      if (n <= afterLine) continue;
      yield { line: n, text: n === 1 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
    }
  } finally {
    lines.close();
  }
}

/** A record still open at the end of the lines read so far. */
interface PendingRecord {
  /** Its first physical line. */
  line: number;
  /** Its lines so far, without their line breaks. */
  lines: string[];
  chars: number;
}

/**
 * Assembles records from consecutive physical lines; a subclass says what happens to each
 * record (`record`) and to lines that hold none (`skipLine`: the header, blank lines).
 */
export abstract class RecordAssembler {
  private pending: PendingRecord | undefined;

  constructor(protected readonly rules: RowRules) {}

  /** A record from physical line `line` to `lastLine`, split (or why not), and its text. */
  protected abstract record(line: number, lastLine: number, text: string, split: SplitRecord): void;

  /** `line` holds no record (the header or a blank line). */
  protected abstract skipLine(line: number): void;

  /**
   * Add one physical line (1-based `line`, consecutive). Line 1 must be the header (else
   * `UnreadableObjectError`). A line that ends inside a quoted field opened at the start of a
   * field starts a record spanning lines: later lines join it (with `\n`) until the field closes.
   * If the joined record then is not a well-formed row of the schema's column count, or stays
   * open past MAX_RECORD_LINES/MAX_RECORD_CHARS or the end of the object, the quote was a stray:
   * the first line alone is a record (malformed) and the lines after it are read afresh — so a
   * broken quote spoils one row, not the rows after it, and the outcome depends only on the
   * lines from the record's start (resuming after any record's last line gives the same records).
   */
  add(line: number, text: string): void {
    if (this.pending) {
      this.continuePending(line, text);
      return;
    }
    if (text === '' || text === '\r') {
      this.skipLine(line);
      return;
    }
    if (line === 1) {
      this.checkHeader(text);
      this.skipLine(line);
      return;
    }
    if (!text.includes('"')) {
      // The common case: no quote, so the commas are the separators (what splitCsvLine does, without its second scan).
      this.record(line, line, text, { ok: true, fields: (text.endsWith('\r') ? text.slice(0, -1) : text).split(',') });
      return;
    }
    const scanned = scanQuotedRecord(text.endsWith('\r') ? text.slice(0, -1) : text);
    if (scanned === OPEN) {
      this.pending = { line, lines: [text], chars: text.length };
      return;
    }
    this.record(line, line, text, scanned ? { ok: true, fields: scanned } : splitCsvLine(text));
  }

  /** Whether a record spanning lines is still open (not yet handed to `record`). */
  get open(): boolean {
    return this.pending !== undefined;
  }

  /** The object ended: a record still open was a stray quote (see `add`). */
  end(): void {
    while (this.pending) this.abandonPending();
  }

  /** Line 1 must be the schema's header (quoted or not); anything else makes the object unreadable. */
  private checkHeader(text: string): void {
    const line = text.replace(/\r$/, '');
    if (line === this.rules.header) return;
    const expected = this.rules.header.split(',');
    const split = splitCsvLine(line);
    if (split.ok && split.fields.length === expected.length && split.fields.every((f, i) => f === expected[i])) return;
    // NUL marks UTF-16 or binary; U+FFFD, bytes that are not UTF-8.
    if (/[\u0000\ufffd]/.test(line)) {
      throw new UnreadableObjectError('not UTF-8 text: line 1 holds NUL bytes or bytes that are not UTF-8');
    }
    const shown = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    throw new UnreadableObjectError(
      `header does not match the schema: expected ${JSON.stringify(this.rules.header)}, got ${JSON.stringify(shown)}`,
    );
  }

  private continuePending(line: number, text: string): void {
    const pending = this.pending!;
    pending.lines.push(text);
    pending.chars += text.length + 1;
    if (text.includes('"')) {
      const joined = pending.lines.join('\n');
      const scanned = scanQuotedRecord(joined);
      if (scanned === undefined || (scanned !== OPEN && scanned.length !== this.rules.columnCount)) {
        this.abandonPending();
        return;
      }
      if (scanned !== OPEN) {
        this.pending = undefined;
        this.record(pending.line, line, joined, { ok: true, fields: scanned });
        return;
      }
    }
    if (pending.lines.length >= MAX_RECORD_LINES || pending.chars >= MAX_RECORD_CHARS) this.abandonPending();
  }

  /** The pending record's first line alone is a (malformed) record; the lines after it are read afresh. */
  private abandonPending(): void {
    const pending = this.pending!;
    this.pending = undefined;
    const first = pending.lines[0]!;
    this.record(pending.line, pending.line, first, splitCsvLine(first));
    for (let i = 1; i < pending.lines.length; i++) this.add(pending.line + i, pending.lines[i]!);
  }
}
