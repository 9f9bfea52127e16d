/**
 * Schema versions of the run store, and the migrations between them.
 *
 * - The SQLite file carries its schema version in `PRAGMA user_version` and one row per applied
 *   migration in `schema_migrations`. Opening a store applies the missing migrations in order,
 *   each in its own transaction; a file written by newer code is refused with a clear message.
 * - Records themselves (JSON in SQLite's `record` column, objects in S3) carry
 *   `schemaVersion`; `upgradeRunRecord` / `upgradeExperimentRecord` bring an older record up to
 *   `RUN_RECORD_VERSION` when it is read. The S3 store keeps its layout version in
 *   `<prefix>schema.json`.
 *
 * To change the schema: append a migration (never edit a released one), bump the record version
 * if the JSON shape changed and add its step to the upgrade functions, and test both.
 */
import { RUN_RECORD_VERSION, StoreError, type ExperimentRecord, type RunRecord } from './types.ts';

/** One SQLite schema step. */
export interface SqlMigration {
  /** The `user_version` after this step (1, 2, …; consecutive). */
  version: number;
  /** What it does, for the `schema_migrations` table. */
  description: string;
  /** Statements, run in one transaction. */
  sql: string;
}

/** Every SQLite migration, in order. */
export const SQL_MIGRATIONS: readonly SqlMigration[] = [
  {
    version: 1,
    description: 'runs, their figures and detail documents',
    sql: `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  scenario TEXT NOT NULL,
  target TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  experiment_id TEXT,
  variant TEXT,
  repetition INTEGER,
  git_revision TEXT,
  record TEXT NOT NULL
);
CREATE INDEX runs_created ON runs(created_at);
CREATE INDEX runs_scenario ON runs(scenario, created_at);
CREATE INDEX runs_experiment ON runs(experiment_id, variant, repetition);
CREATE TABLE run_figures (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  metric TEXT NOT NULL,
  value REAL,
  PRIMARY KEY (run_id, metric)
);
CREATE TABLE run_details (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (run_id, name)
);`,
  },
  {
    version: 2,
    description: 'experiments',
    sql: `
CREATE TABLE experiments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  record TEXT NOT NULL
);
CREATE INDEX experiments_created ON experiments(created_at);`,
  },
];

/** The SQLite schema version this code writes. */
export const SQL_SCHEMA_VERSION = SQL_MIGRATIONS[SQL_MIGRATIONS.length - 1]!.version;

/** Layout version of an S3 store (`<prefix>schema.json`). */
export const S3_LAYOUT_VERSION = 1;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function versionOf(doc: Record<string, unknown>, what: string): number {
  const v = doc.schemaVersion;
  if (v === undefined) return 1;
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new StoreError(`${what}: schemaVersion ${JSON.stringify(v)} is not a version`);
  if ((v as number) > RUN_RECORD_VERSION)
    throw new StoreError(
      `${what} was written by a newer terratower (record format ${String(v)}, this one reads up to ${RUN_RECORD_VERSION}): upgrade terratower to read it`,
    );
  return v as number;
}

/**
 * Bring a stored run record (parsed JSON) up to `RUN_RECORD_VERSION`.
 * @throws StoreError when it is not a record or was written by newer code.
 */
export function upgradeRunRecord(doc: unknown, what = 'stored run'): RunRecord {
  if (!isRecord(doc) || typeof doc.id !== 'string') throw new StoreError(`${what} is not a run record`);
  const from = versionOf(doc, `${what} ${doc.id}`);
  const out: Record<string, unknown> = { ...doc };
  // Steps go here as the format changes: if (from < 2) { …; } — each one edits `out`.
  void from;
  out.schemaVersion = RUN_RECORD_VERSION;
  if (!isRecord(out.figures)) out.figures = {};
  return out as unknown as RunRecord;
}

/**
 * Bring a stored experiment record up to `RUN_RECORD_VERSION`.
 * @throws StoreError when it is not an experiment record or was written by newer code.
 */
export function upgradeExperimentRecord(doc: unknown, what = 'stored experiment'): ExperimentRecord {
  if (!isRecord(doc) || typeof doc.id !== 'string') throw new StoreError(`${what} is not an experiment record`);
  versionOf(doc, `${what} ${doc.id}`);
  const out: Record<string, unknown> = { ...doc, schemaVersion: RUN_RECORD_VERSION };
  if (!Array.isArray(out.runIds)) out.runIds = [];
  return out as unknown as ExperimentRecord;
}
