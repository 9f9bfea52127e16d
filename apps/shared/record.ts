/**
 * Row validation: one CSV record (or its fields) against the dataset's schema → a typed record or
 * a precise reason. Without a schema of the user's own (`DatasetSchema`), the payments record
 * (RECORD_COLUMNS). The producer validates every record it reads; the consumer validates every
 * message it receives (a producer of another version, or a hand-written message, may send junk).
 */
import { parse as parseCsvSync } from 'csv-parse/sync';
import { splitQuotedLine } from './csv-split.ts';
import { KEY_SEPARATOR, RECORD_COLUMNS, type ColumnDef, type DatasetSchema, type SchemaColumn } from './schema.ts';

/** Why a row was rejected. The dataset generator produces every kind it can (see src/harness/dataset). */
export type MalformedKind =
  /** The line is not valid CSV (a stray, unclosed or misplaced quote). */
  | 'quoting'
  /** The line has more or fewer fields than RECORD_COLUMNS. */
  | 'column-count'
  /** `record_id` is empty. */
  | 'empty-id'
  /** `record_id` has characters outside `[A-Za-z0-9._:-]` or is too long. */
  | 'bad-id'
  /** A required column other than the id is empty. */
  | 'missing-field'
  /** An integer column is not an integer. */
  | 'bad-int'
  /** `amount_usd` is not a non-negative decimal with at most 2 fraction digits. */
  | 'bad-amount'
  /** A date column is not a real calendar date `YYYY-MM-DD`. */
  | 'bad-date'
  /** A state column is not a US state or territory code. */
  | 'bad-state'
  /** A text field is longer than MAX_TEXT_LENGTH or holds control characters (or bytes that were not UTF-8). */
  | 'bad-text'
  /** A decimal column (of a schema of the user's own) is not a decimal number. */
  | 'bad-decimal'
  /** A timestamp column is not an ISO 8601 date and time. */
  | 'bad-timestamp'
  /** A boolean column is not true/false (or t/f, yes/no, 1/0). */
  | 'bad-boolean';

/** Every malformed kind, for tests and reports. */
export const MALFORMED_KINDS: readonly MalformedKind[] = [
  'quoting',
  'column-count',
  'empty-id',
  'bad-id',
  'missing-field',
  'bad-int',
  'bad-amount',
  'bad-date',
  'bad-state',
  'bad-text',
  'bad-decimal',
  'bad-timestamp',
  'bad-boolean',
];

/** A value of a validated record: ints as numbers, decimals and dates as canonical strings, empty optional text as null. */
export type RecordValue = string | number | null;

/** A validated record: column name → value, every column of RECORD_COLUMNS present. */
export type PaymentRecord = Readonly<Record<string, RecordValue>> & { readonly record_id: string };

/** Result of validating a row. */
export type ValidationResult =
  | { ok: true; record: PaymentRecord; key: string }
  | { ok: false; kind: MalformedKind; reason: string };

/** Longest text value accepted. */
export const MAX_TEXT_LENGTH = 512;

/** US state, DC and territory codes accepted in `state` columns. */
export const US_STATE_CODES: ReadonlySet<string> = new Set([
  'AL',
  'AK',
  'AZ',
  'AR',
  'CA',
  'CO',
  'CT',
  'DE',
  'FL',
  'GA',
  'HI',
  'ID',
  'IL',
  'IN',
  'IA',
  'KS',
  'KY',
  'LA',
  'ME',
  'MD',
  'MA',
  'MI',
  'MN',
  'MS',
  'MO',
  'MT',
  'NE',
  'NV',
  'NH',
  'NJ',
  'NM',
  'NY',
  'NC',
  'ND',
  'OH',
  'OK',
  'OR',
  'PA',
  'RI',
  'SC',
  'SD',
  'TN',
  'TX',
  'UT',
  'VT',
  'VA',
  'WA',
  'WV',
  'WI',
  'WY',
  'DC',
  'PR',
  'GU',
  'VI',
  'AS',
  'MP',
]);

const ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const INT_RE = /^-?\d{1,10}$/;
const AMOUNT_RE = /^\d{1,13}(\.\d{1,2})?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
// Control characters other than tab and line breaks (a quoted field may span lines), and U+FFFD:
// what the decoder makes of bytes that are not UTF-8.
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/;

/** Why CONTROL_RE matched `value`. */
function controlReason(value: string): string {
  return value.includes('\ufffd') ? 'holds bytes that are not UTF-8' : 'holds control characters';
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(value: string, minYear = 1900, maxYear = 2999): boolean {
  if (!DATE_RE.test(value)) return false;
  const y = Number(value.slice(0, 4));
  const mo = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  if (y < minYear || y > maxYear || mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= DAYS_IN_MONTH[mo - 1]! + (mo === 2 && leap ? 1 : 0);
}

function fail(kind: MalformedKind, column: ColumnDef, index: number, value: string, why: string): ValidationResult {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return { ok: false, kind, reason: `column ${index + 1} "${column.name}": ${JSON.stringify(shown)} ${why}` };
}

/** Validate the fields of one row, in RECORD_COLUMNS order. */
export function validateFields(fields: readonly string[]): ValidationResult {
  if (fields.length !== RECORD_COLUMNS.length) {
    return {
      ok: false,
      kind: 'column-count',
      reason: `expected ${RECORD_COLUMNS.length} fields, got ${fields.length}`,
    };
  }
  const record: Record<string, RecordValue> = {};
  for (let i = 0; i < RECORD_COLUMNS.length; i++) {
    const column = RECORD_COLUMNS[i]!;
    const value = fields[i]!;
    if (value === '') {
      if (column.kind === 'id') return { ok: false, kind: 'empty-id', reason: `column 1 "${column.name}" is empty` };
      if (column.required) {
        return { ok: false, kind: 'missing-field', reason: `column ${i + 1} "${column.name}" is required but empty` };
      }
      record[column.name] = null;
      continue;
    }
    switch (column.kind) {
      case 'id':
        if (!ID_RE.test(value)) return fail('bad-id', column, i, value, 'is not an id (1–128 of A-Z a-z 0-9 . _ : -)');
        record[column.name] = value;
        break;
      case 'int': {
        const n = Number(value);
        if (!INT_RE.test(value) || n > 2147483647 || n < -2147483648) {
          return fail('bad-int', column, i, value, 'is not a 32-bit integer');
        }
        record[column.name] = n;
        break;
      }
      case 'decimal':
        if (!AMOUNT_RE.test(value)) {
          return fail(
            'bad-amount',
            column,
            i,
            value,
            'is not a non-negative amount (digits, optional . and up to 2 decimals)',
          );
        }
        record[column.name] = value;
        break;
      case 'date':
        if (!isRealDate(value)) return fail('bad-date', column, i, value, 'is not a calendar date YYYY-MM-DD');
        record[column.name] = value;
        break;
      case 'state':
        if (!US_STATE_CODES.has(value))
          return fail('bad-state', column, i, value, 'is not a US state or territory code');
        record[column.name] = value;
        break;
      case 'text':
        if (value.length > MAX_TEXT_LENGTH) {
          return fail('bad-text', column, i, value, `is longer than ${MAX_TEXT_LENGTH} characters`);
        }
        if (CONTROL_RE.test(value)) return fail('bad-text', column, i, value, controlReason(value));
        record[column.name] = value;
        break;
    }
  }
  return { ok: true, record: record as PaymentRecord, key: fields[0]! };
}

/** Result of splitting one CSV line into fields. */
export type SplitResult = { ok: true; fields: string[] } | { ok: false; kind: 'quoting'; reason: string };

/**
 * Split one physical CSV line (without its line break) into fields. A record is one line: a
 * quoted field may not span lines, so one broken quote spoils exactly one row and never the
 * rows after it (csv-parse's streaming parser cannot resynchronize after a quoting error: it
 * swallows the following rows). Lines without a quote character are split on commas, which is
 * exactly what CSV means for them; well-formed lines with quotes are split by `splitQuotedLine`
 * (proven equal to csv-parse by apps-csv-split.test.ts), and the rest go through csv-parse,
 * whose error message becomes the reason.
 */
export function splitCsvLine(line: string): SplitResult {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (!line.includes('"')) return { ok: true, fields: line.split(',') };
  // Well-formed quoted lines: the fast splitter (it accepts exactly what csv-parse accepts).
  const fast = splitQuotedLine(line);
  if (fast) return { ok: true, fields: fast };
  // Anything else: csv-parse decides, and its error is the reason.
  try {
    const rows = parseCsvSync(line, { relax_column_count: true }) as string[][];
    if (rows.length !== 1) return { ok: false, kind: 'quoting', reason: `line parses as ${rows.length} records` };
    return { ok: true, fields: rows[0]! };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'CSV_ERROR';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: 'quoting', reason: `${code}: ${message}` };
  }
}

/** Split and validate one CSV line. */
export function validateLine(line: string): ValidationResult {
  const split = splitCsvLine(line);
  if (!split.ok) return split;
  return validateFields(split.fields);
}

/** Quote a CSV field when it needs it (comma, quote, CR or LF). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Join fields into one CSV line (no line break). */
export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** The CSV header line of a dataset object. */
export const CSV_HEADER = RECORD_COLUMNS.map((c) => c.name).join(',');

/** A dataset's header and row validation, as the producer applies them to every record. */
export interface RowRules {
  /** The header line (column names joined with commas). */
  header: string;
  /** Fields per row. */
  columnCount: number;
  /** Validate a row's fields; the key is the record id (the data message key). */
  validate(fields: readonly string[]): ValidationResult;
  /** Whether every key is ASCII (its length is its byte count). */
  asciiKeys: boolean;
}

/** The payments record's rules (the default). */
export const PAYMENTS_ROWS: RowRules = {
  header: RECORD_COLUMNS.map((c) => c.name).join(','),
  columnCount: RECORD_COLUMNS.length,
  validate: validateFields,
  asciiKeys: true,
};

const SCHEMA_INT_RE = /^[+-]?\d{1,19}$/;
const SCHEMA_DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?$/;
const TIMESTAMP_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['t', true],
  ['yes', true],
  ['y', true],
  ['1', true],
  ['false', false],
  ['f', false],
  ['no', false],
  ['n', false],
  ['0', false],
]);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Longest string value accepted in a schema of the user's own (Cassandra's text cells stay well below its limits). */
export const MAX_STRING_LENGTH = 64 * 1024;

/**
 * The canonical text of a key value: integers without sign or leading zeros as written
 * (`+007` → `7`), the rest as they are. The ledger compares keys in this form on both sides.
 */
export function canonicalKeyValue(type: SchemaColumn['type'], value: string): string {
  return type === 'integer' ? BigInt(value).toString() : value;
}

/** Check one field of a schema column; returns the value (typed) or a failure. */
function checkSchemaValue(
  column: SchemaColumn,
  i: number,
  value: string,
): { ok: true; value: RecordValue | boolean } | { ok: false; kind: MalformedKind; reason: string } {
  const bad = (kind: MalformedKind, why: string): { ok: false; kind: MalformedKind; reason: string } => {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return { ok: false, kind, reason: `column ${i + 1} "${column.name}": ${JSON.stringify(shown)} ${why}` };
  };
  switch (column.type) {
    case 'string':
      if (value.length > MAX_STRING_LENGTH) return bad('bad-text', `is longer than ${MAX_STRING_LENGTH} characters`);
      if (CONTROL_RE.test(value)) return bad('bad-text', controlReason(value));
      return { ok: true, value };
    case 'integer': {
      if (!SCHEMA_INT_RE.test(value)) return bad('bad-int', 'is not an integer');
      const n = BigInt(value);
      if (n < INT64_MIN || n > INT64_MAX) return bad('bad-int', 'is not a 64-bit integer');
      return { ok: true, value: n.toString() };
    }
    case 'decimal':
      if (!SCHEMA_DECIMAL_RE.test(value)) return bad('bad-decimal', 'is not a decimal number');
      return { ok: true, value };
    case 'date':
      if (!isRealDate(value, 1, 9999)) return bad('bad-date', 'is not a calendar date YYYY-MM-DD');
      return { ok: true, value };
    case 'timestamp': {
      const m = TIMESTAMP_RE.exec(value);
      if (!m || !isRealDate(m[1]!, 1, 9999) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[5] ?? 0) > 59)
        return bad('bad-timestamp', 'is not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM])');
      return { ok: true, value };
    }
    case 'boolean': {
      const b = BOOLEANS.get(value.toLowerCase());
      if (b === undefined) return bad('bad-boolean', 'is not a boolean (true/false, t/f, yes/no, 1/0)');
      return { ok: true, value: b };
    }
  }
}

/**
 * The row rules of a dataset schema (undefined: the payments record). Header names must match
 * exactly, in order; a field that is empty or one of `nulls` is null (allowed only where nullable).
 */
export function rowRules(schema: DatasetSchema | undefined): RowRules {
  if (!schema) return PAYMENTS_ROWS;
  const columns = schema.columns;
  const nulls = new Set(['', ...(schema.nulls ?? [])]);
  const keyIndexes = schema.key.map((k) => columns.findIndex((c) => c.name === k));
  const keyIsString = keyIndexes.map((i) => columns[i]!.type === 'string');
  const validate = (fields: readonly string[]): ValidationResult => {
    if (fields.length !== columns.length) {
      return { ok: false, kind: 'column-count', reason: `expected ${columns.length} fields, got ${fields.length}` };
    }
    const record: Record<string, RecordValue> = {};
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const value = fields[i]!;
      if (nulls.has(value)) {
        if (keyIndexes.includes(i)) {
          return { ok: false, kind: 'empty-id', reason: `column ${i + 1} "${column.name}" (key) is empty` };
        }
        if (!column.nullable) {
          return { ok: false, kind: 'missing-field', reason: `column ${i + 1} "${column.name}" is required but empty` };
        }
        record[column.name] = null;
        continue;
      }
      const checked = checkSchemaValue(column, i, value);
      if (!checked.ok) return checked;
      // Booleans travel as the text the CSV had; the sink binds them as booleans.
      record[column.name] = typeof checked.value === 'boolean' ? String(checked.value) : checked.value;
    }
    const parts = keyIndexes.map((k) => String(record[columns[k]!.name]));
    const key = parts.length === 1 ? parts[0]! : parts.join(KEY_SEPARATOR);
    return { ok: true, record: record as PaymentRecord, key };
  };
  return {
    header: columns.map((c) => c.name).join(','),
    columnCount: columns.length,
    validate,
    asciiKeys: !keyIsString.some(Boolean),
  };
}
