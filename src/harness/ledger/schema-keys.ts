/**
 * Record ids under a dataset schema of the user's own: which sink columns make a row's id, and
 * how their values are written so that the id read back from Cassandra equals the id the
 * producer keyed the row with (`rowRules` in apps/shared/record.ts): key values in canonical
 * text, joined with KEY_SEPARATOR when the key has several columns.
 */
import { KEY_SEPARATOR, type DatasetSchema } from '../../../apps/shared/schema.ts';

/** The sink's key columns of a schema (undefined: the payments record's `record_id`). */
export function sinkKeyColumns(schema: DatasetSchema | undefined): string[] {
  return schema ? [...schema.key] : ['record_id'];
}

/** The record id of a sink row, from its key column values as the driver returns them. */
export function sinkRowId(values: readonly unknown[]): string {
  const parts = values.map((v) => (v === null || v === undefined ? '' : String(v)));
  return parts.length === 1 ? parts[0]! : parts.join(KEY_SEPARATOR);
}
