/** Reads the sink table (ids, or ids with version and content digest), paged, at the spec's consistency level. */
import cassandra from 'cassandra-driver';
import { RECORD_COLUMNS, VERSION_COLUMN } from '../../../apps/shared/schema.ts';
import { contentDigest } from '../dataset/content.ts';
import type { SinkRow } from '../../model/target.ts';
import type { ConsistencyLevel, DatasetSchema } from '../../spec/index.ts';
import { sleep } from '../../support/time.ts';
import { sinkKeyColumns, sinkRowId } from './schema-keys.ts';

/** Where and how to read. */
export interface SinkReadOptions {
  /** Contact points, `host:port`. */
  contactPoints: string[];
  /** Data center name (the spec's region). */
  dataCenter: string;
  keyspace: string;
  table: string;
  consistency: ConsistencyLevel;
  /** Rows per page. @default 5000 */
  pageSize?: number;
  /** The dataset's schema: its key columns make the id. @default the payments record (`record_id`) */
  schema?: DatasetSchema;
}

const LEVELS: Record<ConsistencyLevel, number> = {
  ONE: cassandra.types.consistencies.one,
  TWO: cassandra.types.consistencies.two,
  THREE: cassandra.types.consistencies.three,
  QUORUM: cassandra.types.consistencies.quorum,
  LOCAL_ONE: cassandra.types.consistencies.localOne,
  LOCAL_QUORUM: cassandra.types.consistencies.localQuorum,
  EACH_QUORUM: cassandra.types.consistencies.eachQuorum,
  ALL: cassandra.types.consistencies.all,
};

/**
 * Page through `SELECT record_id FROM ks.table` (one page in memory at a time). Each page is
 * retried a few times: a node that just came back may time out the first request.
 */
export async function* readSinkIds(o: SinkReadOptions): AsyncGenerator<string> {
  const keys = sinkKeyColumns(o.schema);
  for await (const row of readRows(o, keys)) yield sinkRowId(keys.map((k) => row.get(k)));
}

/** A cell as the CSV text the generator wrote (the canonical form `contentDigest` hashes). */
export function canonicalCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/**
 * Page through every row with all RECORD_COLUMNS: id, version and the content digest of what the
 * sink holds (see src/harness/dataset/content.ts).
 */
export async function* readSinkRows(o: SinkReadOptions): AsyncGenerator<SinkRow> {
  const names = RECORD_COLUMNS.map((c) => c.name);
  for await (const row of readRows(o, names)) {
    const fields = names.map((n) => canonicalCell(row.get(n)));
    const version = row.get(VERSION_COLUMN) as number | null;
    yield { id: String(row.get('record_id')), version: version ?? null, digest: contentDigest(fields) };
  }
}

async function* readRows(o: SinkReadOptions, columns: string[]): AsyncGenerator<cassandra.types.Row> {
  const client = new cassandra.Client({
    contactPoints: o.contactPoints,
    localDataCenter: o.dataCenter,
    socketOptions: { readTimeout: 30_000, connectTimeout: 10_000 },
  });
  try {
    await client.connect();
    const query = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${o.keyspace}"."${o.table}"`;
    let pageState: string | undefined;
    do {
      let result: cassandra.types.ResultSet | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          result = await client.execute(query, [], {
            prepare: true,
            fetchSize: o.pageSize ?? 5000,
            consistency: LEVELS[o.consistency],
            ...(pageState ? { pageState } : {}),
          });
          break;
        } catch (error) {
          if (attempt >= 5)
            throw new Error(`reading ${o.keyspace}.${o.table} at ${o.consistency}: ${(error as Error).message}`);
          await sleep(1000 * attempt);
        }
      }
      for (const row of result.rows) yield row;
      pageState = result.pageState ?? undefined;
    } while (pageState);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
