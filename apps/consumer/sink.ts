/**
 * The Cassandra sink: a prepared, idempotent INSERT (an upsert by record_id, so a redelivered
 * record writes the same row again and changes nothing) at the configured consistency.
 */
import { readFileSync } from 'node:fs';
import { auth, Client, type ClientOptions, types } from 'cassandra-driver';
import type { ConsumerConfig } from '../shared/config.ts';
import type { PaymentRecord } from '../shared/record.ts';
import { PAYMENTS_SCHEMA, SOURCE_COLUMNS, type DatasetSchema, type SchemaColumn } from '../shared/schema.ts';

/** Map a consistency name (`LOCAL_QUORUM`) to the driver's code; throws naming the valid ones. */
export function consistencyCode(name: string): number {
  const key = name.toLowerCase().replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const code = (types.consistencies as unknown as Record<string, number>)[key];
  if (code === undefined) {
    const valid = Object.keys(types.consistencies).map((k) => k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase());
    throw new Error(`TT_CONSISTENCY=${name} is not a consistency level; one of ${valid.join(', ')}`);
  }
  return code;
}

/**
 * The INSERT for the sink table (the schema's columns plus source_object, source_line). When the
 * schema has a version column and `versionTimestamp` is on, the row is written `USING TIMESTAMP`
 * its version, so an older version can never overwrite a newer one whatever the delivery order
 * (the throughput bench measures what it costs).
 */
export function insertCql(
  keyspace: string,
  table: string,
  schema: DatasetSchema = PAYMENTS_SCHEMA,
  versionTimestamp = true,
): string {
  const columns = [...schema.columns.map((c) => c.name), ...SOURCE_COLUMNS];
  const stamped = versionTimestamp && schema.version !== undefined;
  return `INSERT INTO "${keyspace}"."${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${stamped ? ' USING TIMESTAMP ?' : ''}`;
}

/**
 * The write timestamp of a record: its version as microseconds, ordered as the versions are
 * (integers as they are; dates and timestamps as microseconds since the epoch; decimals scaled
 * by 10^6). A missing version writes 0, older than any real one.
 */
export function versionTimestamp(record: PaymentRecord, schema: DatasetSchema = PAYMENTS_SCHEMA): types.Long {
  const column = schema.columns.find((c) => c.name === schema.version);
  const value = column ? record[column.name] : undefined;
  if (value === null || value === undefined || value === '') return types.Long.ZERO;
  switch (column?.type) {
    case 'date':
    case 'timestamp':
      return types.Long.fromNumber(timestampOf(String(value)).getTime()).multiply(1000);
    case 'decimal':
      return types.Long.fromNumber(Math.round(Number(value) * 1e6));
    default:
      return types.Long.fromString(String(value));
  }
}

/**
 * The fault-injection setting `TT_FAULT_CORRUPT_IDS` (comma-separated record ids; off when unset):
 * the consumer writes a truncated `manufacturer_name` for exactly these ids of the payments
 * record, so tests can check that the ledger's content check names them. Never set it outside tests.
 */
export function corruptIdsFromEnv(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  return new Set(
    (env.TT_FAULT_CORRUPT_IDS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** The record with its content spoiled (a truncated manufacturer name), for fault injection. */
export function corrupted(record: PaymentRecord): PaymentRecord {
  const name = String(record.manufacturer_name ?? 'x');
  return { ...record, manufacturer_name: name.slice(0, Math.max(1, Math.floor(name.length / 2))) } as PaymentRecord;
}

/** Bind parameters of a record, typed for the driver. */
export function insertParams(
  record: PaymentRecord,
  object: string,
  line: number,
  schema: DatasetSchema = PAYMENTS_SCHEMA,
): unknown[] {
  const params: unknown[] = schema.columns.map((c) => bindValue(c, record[c.name], schema === PAYMENTS_SCHEMA));
  params.push(object, line);
  return params;
}

/** One value for the driver (the payments record's integers are CQL int; a schema's are bigint). */
function bindValue(c: SchemaColumn, value: string | number | null | undefined, payments: boolean): unknown {
  if (value === null || value === undefined) return null;
  switch (c.type) {
    case 'decimal':
      return types.BigDecimal.fromString(String(value));
    case 'date':
      return types.LocalDate.fromString(String(value));
    case 'integer':
      return payments ? Number(value) : types.Long.fromString(String(value));
    case 'timestamp':
      return timestampOf(String(value));
    case 'boolean':
      return value === 'true';
    default:
      return String(value);
  }
}

/** A validated ISO 8601 timestamp as a Date; one without a zone is taken as UTC. */
export function timestampOf(text: string): Date {
  let t = text.replace(' ', 'T');
  const zone = /([+-])(\d{2}):?(\d{2})$/.exec(t.slice(10));
  if (zone) t = `${t.slice(0, t.length - zone[0].length)}${zone[1]}${zone[2]}:${zone[3]}`;
  else if (!t.endsWith('Z')) t += 'Z';
  return new Date(t);
}

/** Parse `host:port` contact points into driver options. */
export function contactOptions(points: string[]): { contactPoints: string[]; port: number | undefined } {
  const ports = new Set<number>();
  for (const p of points) {
    const m = /:(\d+)$/.exec(p);
    if (m) ports.add(Number(m[1]));
  }
  // Peers found through discovery are reached on protocolOptions.port: use the contact points' one.
  return { contactPoints: points, port: ports.size === 1 ? [...ports][0] : undefined };
}

/**
 * The driver's `authProvider` and `sslOptions` for the consumer's Cassandra settings (AWS with
 * `cassandra.security`); empty when none is set, as on the twin.
 */
export function cassandraSecurityOptions(
  config: Pick<ConsumerConfig, 'cassandraUsername' | 'cassandraPassword' | 'cassandraSsl' | 'cassandraSslCaFile'>,
): Pick<ClientOptions, 'authProvider' | 'sslOptions'> {
  const out: Pick<ClientOptions, 'authProvider' | 'sslOptions'> = {};
  if (config.cassandraUsername !== undefined)
    out.authProvider = new auth.PlainTextAuthProvider(config.cassandraUsername, config.cassandraPassword ?? '');
  if (config.cassandraSsl)
    out.sslOptions = config.cassandraSslCaFile
      ? { ca: [readFileSync(config.cassandraSslCaFile, 'utf8')], rejectUnauthorized: true }
      : { rejectUnauthorized: true };
  return out;
}

/** A connected sink. */
export class CassandraSink {
  private readonly client: Client;
  private readonly cql: string;
  private readonly consistency: number;
  private readonly schema: DatasetSchema;

  /**
   * @param options.versionTimestamp write with `USING TIMESTAMP version` when the schema has a version column (default true)
   * @param options.corruptIds fault injection: ids written with spoiled content (default none)
   */
  constructor(
    private readonly config: ConsumerConfig,
    maxConcurrency: number,
    private readonly options: { versionTimestamp?: boolean; corruptIds?: ReadonlySet<string> } = {},
  ) {
    this.consistency = consistencyCode(config.consistency);
    const { contactPoints, port } = contactOptions(config.cassandraContactPoints);
    this.client = new Client({
      contactPoints,
      localDataCenter: config.cassandraDataCenter,
      ...(port ? { protocolOptions: { port } } : {}),
      ...cassandraSecurityOptions(config),
      pooling: { maxRequestsPerConnection: Math.max(256, maxConcurrency) },
      socketOptions: { readTimeout: 12_000, connectTimeout: 5000 },
      queryOptions: { consistency: this.consistency, prepare: true, isIdempotent: true },
    });
    this.schema = config.schema ?? PAYMENTS_SCHEMA;
    this.cql = insertCql(config.keyspace, config.table, this.schema, options.versionTimestamp !== false);
  }

  /**
   * Connect and check the table exists, waiting up to `waitMs` for it (the deploy creates it
   * with createTableCql; the consumer never creates schema).
   */
  async connect(waitMs = 60_000): Promise<void> {
    await this.client.connect();
    const { keyspace, table: name } = this.config;
    const deadline = Date.now() + waitMs;
    let table = await this.client.metadata.getTable(keyspace, name).catch(() => null);
    while (!table) {
      if (Date.now() > deadline) {
        throw new Error(
          `table "${keyspace}"."${name}" does not exist: the deploy (the twin, or the stack's bootstrap) ` +
            'creates it with createKeyspaceCql/createTableCql; the consumer does not create schema',
        );
      }
      await new Promise((r) => setTimeout(r, 2000));
      await this.client.metadata.refreshKeyspace(keyspace).catch(() => {});
      table = await this.client.metadata.getTable(keyspace, name).catch(() => null);
    }
    // Check the columns now, so a schema mismatch fails here and not on the first record.
    const have = new Set(table.columns.map((c) => c.name));
    const missing = [...this.schema.columns.map((c) => c.name), ...SOURCE_COLUMNS].filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new Error(`table "${keyspace}"."${name}" lacks column(s) ${missing.join(', ')} (see createTableCql)`);
    }
  }

  /** Write one record (upsert). */
  async write(record: PaymentRecord, object: string, line: number): Promise<void> {
    const spoil = this.schema === PAYMENTS_SCHEMA && this.options.corruptIds?.has(String(record.record_id)) === true;
    const params = insertParams(spoil ? corrupted(record) : record, object, line, this.schema);
    if (this.options.versionTimestamp !== false && this.schema.version !== undefined) {
      params.push(versionTimestamp(record, this.schema));
    }
    await this.client.execute(this.cql, params, {
      prepare: true,
      consistency: this.consistency,
    });
  }

  /** Disconnect. */
  async close(): Promise<void> {
    await this.client.shutdown();
  }
}
