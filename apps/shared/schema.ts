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
