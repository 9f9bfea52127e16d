/**
 * The record the pipeline carries: a row shaped like CMS Open Payments "general payments", and
 * the Cassandra schema it lands in. The dataset generator, the producer's validation, the
 * consumer's INSERT and the twin's schema bootstrap all read these definitions.
 */

/** Column kinds: how a CSV field is validated and how it is stored in Cassandra. */
export type ColumnKind = 'id' | 'text' | 'state' | 'decimal' | 'date' | 'int';

/** One column of the record, in CSV order. */
export interface ColumnDef {
  /** CSV header name and Cassandra column name. */
  name: string;
  kind: ColumnKind;
  /** Whether an empty value is allowed. */
  required: boolean;
}

/** The record's columns, in CSV order. `record_id` is the key. */
export const RECORD_COLUMNS: readonly ColumnDef[] = [
  { name: 'record_id', kind: 'id', required: true },
  { name: 'program_year', kind: 'int', required: true },
  { name: 'recipient_type', kind: 'text', required: true },
  { name: 'recipient_id', kind: 'text', required: true },
  { name: 'recipient_first_name', kind: 'text', required: false },
  { name: 'recipient_last_name', kind: 'text', required: false },
  { name: 'recipient_city', kind: 'text', required: false },
  { name: 'recipient_state', kind: 'state', required: true },
  { name: 'manufacturer_name', kind: 'text', required: true },
  { name: 'amount_usd', kind: 'decimal', required: true },
  { name: 'payment_date', kind: 'date', required: true },
  { name: 'nature_of_payment', kind: 'text', required: true },
  { name: 'form_of_payment', kind: 'text', required: true },
  /**
   * The record's version (change-data-capture shape: the same id with increasing versions, the
   * latest wins). The consumer writes it as the write timestamp, so an older version can never
   * overwrite a newer one whatever the delivery order. Plain datasets carry 1.
   */
  { name: 'record_version', kind: 'int', required: true },
];

/** Name of the version column (see RECORD_COLUMNS). */
export const VERSION_COLUMN = 'record_version';

const CQL_TYPES: Record<ColumnKind, string> = {
  id: 'text',
  text: 'text',
  state: 'text',
  decimal: 'decimal',
  date: 'date',
  int: 'int',
};

/** Where the sink lives and how it is replicated. */
export interface SinkSchemaOptions {
  keyspace: string;
  table: string;
  /** Data center name (the region) for NetworkTopologyStrategy. */
  dataCenter: string;
  replicationFactor: number;
}

/** CQL that creates the keyspace (idempotent). */
export function createKeyspaceCql(o: SinkSchemaOptions): string {
  return (
    `CREATE KEYSPACE IF NOT EXISTS "${o.keyspace}" WITH replication = ` +
    `{'class': 'NetworkTopologyStrategy', '${o.dataCenter}': ${o.replicationFactor}}`
  );
}

/** CQL that creates the sink table (idempotent). Run once, from one place, at deploy time. */
export function createTableCql(o: SinkSchemaOptions): string {
  const columns = RECORD_COLUMNS.map((c) => `"${c.name}" ${CQL_TYPES[c.kind]}${c.kind === 'id' ? ' PRIMARY KEY' : ''}`);
  // Where each row came from, for debugging a ledger mismatch.
  columns.push('"source_object" text', '"source_line" int');
  return `CREATE TABLE IF NOT EXISTS "${o.keyspace}"."${o.table}" (${columns.join(', ')})`;
}

// ---------------------------------------------------------------------------------------------
// Dataset schemas of the user's own: the spec's `dataset.schema`, passed to the apps as JSON in
// TT_SCHEMA. Without one the pipeline carries the payments record above.
// ---------------------------------------------------------------------------------------------

/** Types a column of a dataset schema may have. */
export const COLUMN_TYPES = ['string', 'integer', 'decimal', 'date', 'timestamp', 'boolean'] as const;

/** How a field is validated and stored: string → text, integer → bigint, decimal, date, timestamp, boolean. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Key columns may have these types (their text form is canonical, so the ledger can compare keys). */
export const KEY_COLUMN_TYPES: readonly ColumnType[] = ['string', 'integer', 'date'];

/** Version columns may have these types (ordered values). */
export const VERSION_COLUMN_TYPES: readonly ColumnType[] = ['integer', 'decimal', 'date', 'timestamp'];

/** One column of a dataset schema, in CSV order. */
export interface SchemaColumn {
  /** CSV header name and Cassandra column name: a letter or `_`, then letters, digits, `_`, `.`, `-` or spaces (at most 64). */
  name: string;
  type: ColumnType;
  /** Whether a field may be empty (or one of the schema's `nulls`). @default false */
  nullable?: boolean;
}

/** A dataset's own columns (the spec's `dataset.schema`). */
export interface DatasetSchema {
  /** The columns, in the order of the CSV header (the header must list exactly these names). */
  columns: SchemaColumn[];
  /** Key column(s): a row's identity, the Cassandra primary key. Not nullable. */
  key: string[];
  /** A column whose larger value is the newer version of a row. @default none */
  version?: string;
  /** Field texts that mean "no value" in a nullable column, besides the empty field. @default [] */
  nulls?: string[];
}

/** A problem with a schema: where (a path under the schema) and what to do. */
export interface SchemaProblem {
  /** E.g. `columns[2].type`. */
  path: string;
  message: string;
  fix: string;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_. -]{0,63}$/;

/** Columns every sink table has besides the dataset's (where a row came from). */
export const SOURCE_COLUMNS: readonly string[] = ['source_object', 'source_line'];

/** Everything wrong with a schema (empty when it can work). `value` is untrusted JSON. */
export function checkSchema(value: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const add = (path: string, message: string, fix: string): void => void problems.push({ path, message, fix });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    add('', 'is not an object', 'give {columns: [{name, type, nullable?}], key: [column…], version?}');
    return problems;
  }
  const s = value as Partial<Record<keyof DatasetSchema, unknown>>;
  const types = new Map<string, SchemaColumn>();
  if (!Array.isArray(s.columns) || s.columns.length === 0) {
    add('columns', 'must be a non-empty list', 'list the CSV columns in header order: [{name, type, nullable?}]');
  } else {
    s.columns.forEach((c: unknown, i) => {
      const path = `columns[${i}]`;
      const column = (typeof c === 'object' && c !== null ? c : {}) as Partial<Record<keyof SchemaColumn, unknown>>;
      if (typeof column.name !== 'string' || !NAME_RE.test(column.name)) {
        add(
          `${path}.name`,
          `${JSON.stringify(column.name)} is not a column name`,
          'use a letter or _, then letters, digits, _ . - or spaces (at most 64)',
        );
      } else if (types.has(column.name.toLowerCase()) || SOURCE_COLUMNS.includes(column.name.toLowerCase())) {
        add(
          `${path}.name`,
          `"${column.name}" is used twice (or is a column the sink adds)`,
          'give every column its own name, not source_object or source_line',
        );
      }
      if (typeof column.type !== 'string' || !(COLUMN_TYPES as readonly string[]).includes(column.type)) {
        add(
          `${path}.type`,
          `${JSON.stringify(column.type)} is not a column type`,
          `use one of ${COLUMN_TYPES.join(', ')}`,
        );
      }
      if (column.nullable !== undefined && typeof column.nullable !== 'boolean') {
        add(`${path}.nullable`, 'must be true or false', 'set nullable: true for columns that may be empty');
      }
      if (typeof column.name === 'string') types.set(column.name.toLowerCase(), column as SchemaColumn);
    });
  }
  if (!Array.isArray(s.key) || s.key.length === 0) {
    add('key', 'names no key column', 'set key: ["<column>"] — the column(s) that identify a row');
  } else {
    s.key.forEach((k: unknown, i) => {
      const column = typeof k === 'string' ? types.get(k.toLowerCase()) : undefined;
      if (!column) {
        add(`key[${i}]`, `${JSON.stringify(k)} is not one of the columns`, 'name a column listed in columns');
        return;
      }
      if (column.nullable)
        add(
          `key[${i}]`,
          `key column "${column.name}" is nullable`,
          `set columns[…"${column.name}"].nullable to false: a key must always have a value`,
        );
      if (!KEY_COLUMN_TYPES.includes(column.type)) {
        add(
          `key[${i}]`,
          `key column "${column.name}" has type ${column.type}`,
          `key columns must be ${KEY_COLUMN_TYPES.join(', ')}`,
        );
      }
    });
    if (new Set(s.key).size !== s.key.length) add('key', 'names a column twice', 'name each key column once');
  }
  if (s.version !== undefined) {
    const column = typeof s.version === 'string' ? types.get(s.version.toLowerCase()) : undefined;
    if (!column)
      add(
        'version',
        `${JSON.stringify(s.version)} is not one of the columns`,
        'name a column listed in columns, or leave version out',
      );
    else {
      if (!VERSION_COLUMN_TYPES.includes(column.type))
        add(
          'version',
          `version column "${column.name}" has type ${column.type}`,
          `use a column of type ${VERSION_COLUMN_TYPES.join(', ')}`,
        );
      if (column.nullable)
        add('version', `version column "${column.name}" is nullable`, 'a version column must always have a value');
    }
  }
  if (s.nulls !== undefined && (!Array.isArray(s.nulls) || !s.nulls.every((n) => typeof n === 'string'))) {
    add('nulls', 'must be a list of strings', 'e.g. nulls: ["NA"] for data written by R');
  }
  return problems;
}

/** `checkSchema` as one line per problem: `schema.<path>: <message>; <fix>`. */
export function schemaProblemLines(problems: readonly SchemaProblem[], root = 'schema'): string[] {
  return problems.map((p) => `${root}${p.path ? `.${p.path}` : ''}: ${p.message}; ${p.fix}`);
}

/** The payments record as a `DatasetSchema` (for the generic paths: key, header, sink reads). */
export const PAYMENTS_SCHEMA: DatasetSchema = {
  columns: RECORD_COLUMNS.map((c) => ({
    name: c.name,
    type: c.kind === 'int' ? 'integer' : c.kind === 'decimal' ? 'decimal' : c.kind === 'date' ? 'date' : 'string',
    nullable: !c.required,
  })),
  key: ['record_id'],
  version: VERSION_COLUMN,
};

const SCHEMA_CQL_TYPES: Record<ColumnType, string> = {
  string: 'text',
  integer: 'bigint',
  decimal: 'decimal',
  date: 'date',
  timestamp: 'timestamp',
  boolean: 'boolean',
};

/** CQL that creates the sink table of a dataset schema (idempotent). Undefined schema: the payments table. */
export function createSchemaTableCql(o: SinkSchemaOptions, schema: DatasetSchema | undefined): string {
  if (!schema) return createTableCql(o);
  const columns = schema.columns.map((c) => `"${c.name}" ${SCHEMA_CQL_TYPES[c.type]}`);
  columns.push('"source_object" text', '"source_line" int');
  columns.push(
    `PRIMARY KEY (${schema.key.length === 1 ? `"${schema.key[0]}"` : `(${schema.key.map((k) => `"${k}"`).join(', ')})`})`,
  );
  return `CREATE TABLE IF NOT EXISTS "${o.keyspace}"."${o.table}" (${columns.join(', ')})`;
}

/** Separator of key values in a composite record id (`a|b`). */
export const KEY_SEPARATOR = '|';
