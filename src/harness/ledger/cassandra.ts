/** Reads every `record_id` of the sink table, paged, at the spec's consistency level. */
import cassandra from 'cassandra-driver';
import type { ConsistencyLevel, DatasetSchema } from '../../spec/index.ts';
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
  const client = new cassandra.Client({
    contactPoints: o.contactPoints,
    localDataCenter: o.dataCenter,
    socketOptions: { readTimeout: 30_000, connectTimeout: 10_000 },
  });
  try {
    await client.connect();
    const keys = sinkKeyColumns(o.schema);
    const query = `SELECT ${keys.map((k) => `"${k}"`).join(', ')} FROM "${o.keyspace}"."${o.table}"`;
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
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
      for (const row of result.rows) yield sinkRowId(keys.map((k) => row.get(k)));
      pageState = result.pageState ?? undefined;
    } while (pageState);
  } finally {
    await client.shutdown().catch(() => undefined);
  }
}
