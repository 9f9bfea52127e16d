/**
 * The Cassandra sink: a prepared, idempotent INSERT (an upsert by record_id, so a redelivered
 * record writes the same row again and changes nothing) at the configured consistency.
 *
 * The write timestamp is the record's version (`USING TIMESTAMP record_version`): Cassandra keeps
 * the cell with the highest timestamp, so an older version delivered after a newer one (a
 * redelivery after a kill, versions read by different producers) can never overwrite it. Nothing
 * else may write the sink table with server-side timestamps (they are far larger than versions).
 */
import { Client, types } from 'cassandra-driver';
import type { ConsumerConfig } from '../shared/config.ts';
import type { PaymentRecord } from '../shared/record.ts';
import { RECORD_COLUMNS, VERSION_COLUMN } from '../shared/schema.ts';

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
 * The INSERT for the sink table (columns of RECORD_COLUMNS plus source_object, source_line),
 * with the record's version as the write timestamp unless `versionTimestamp` is false (the
 * throughput bench measures what it costs).
 */
export function insertCql(keyspace: string, table: string, versionTimestamp = true): string {
  const columns = [...RECORD_COLUMNS.map((c) => c.name), 'source_object', 'source_line'];
  return `INSERT INTO "${keyspace}"."${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})${versionTimestamp ? ' USING TIMESTAMP ?' : ''}`;
}

/** The write timestamp of a record: its version (microseconds, as Cassandra reads it). */
export function versionTimestamp(record: PaymentRecord): types.Long {
  const v = record[VERSION_COLUMN];
  return types.Long.fromNumber(typeof v === 'number' ? v : 0);
}

/**
 * The fault-injection setting `TT_FAULT_CORRUPT_IDS` (comma-separated record ids; off when unset):
 * the consumer writes a truncated `manufacturer_name` for exactly these ids, so tests can check
 * that the ledger's content check names them. Never set it outside tests.
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

/** Bind parameters of a record, typed for the driver (without the timestamp). */
export function insertParams(record: PaymentRecord, object: string, line: number): unknown[] {
  const params: unknown[] = RECORD_COLUMNS.map((c) => {
    const value = record[c.name];
    if (value === null || value === undefined) return null;
    switch (c.kind) {
      case 'decimal':
        return types.BigDecimal.fromString(String(value));
      case 'date':
        return types.LocalDate.fromString(String(value));
      case 'int':
        return Number(value);
      default:
        return String(value);
    }
  });
  params.push(object, line);
  return params;
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

/** A connected sink. */
export class CassandraSink {
  private readonly client: Client;
  private readonly cql: string;
  private readonly consistency: number;

  /**
   * @param options.versionTimestamp write with `USING TIMESTAMP version` (default true)
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
      pooling: { maxRequestsPerConnection: Math.max(256, maxConcurrency) },
      socketOptions: { readTimeout: 12_000, connectTimeout: 5000 },
      queryOptions: { consistency: this.consistency, prepare: true, isIdempotent: true },
    });
    this.cql = insertCql(config.keyspace, config.table, options.versionTimestamp !== false);
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
    const missing = [...RECORD_COLUMNS.map((c) => c.name), 'source_object', 'source_line'].filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new Error(`table "${keyspace}"."${name}" lacks column(s) ${missing.join(', ')} (see createTableCql)`);
    }
  }

  /** Write one record (upsert). */
  async write(record: PaymentRecord, object: string, line: number): Promise<void> {
    const spoil = this.options.corruptIds?.has(record.record_id) === true;
    const params = insertParams(spoil ? corrupted(record) : record, object, line);
    if (this.options.versionTimestamp !== false) params.push(versionTimestamp(record));
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
