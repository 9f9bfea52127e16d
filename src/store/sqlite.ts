/**
 * The embedded run store: one SQLite file, nothing to start.
 *
 * Why better-sqlite3 (and not the alternatives):
 * - it is real SQLite on a file, with SQLite's own locking and WAL: the CLI running an
 *   experiment and `terratower serve` (another process) write one store at the same time
 *   without losing each other's runs, and a write costs what the row costs;
 * - `sql.js` (SQLite compiled to wasm) installs instantly, but keeps the database in memory and
 *   writes the whole file back on every save: two processes overwrite each other's runs, and
 *   each write grows with the history (every run holds ~100 KB of series);
 * - `node:sqlite` needs Node ≥ 22.5; terratower supports Node 20.
 * The price: better-sqlite3 12 has no reachable prebuilt binary here, so `npm install` compiles
 * it from source (~3 minutes on 2 cores, with the Node headers installed), on every fresh
 * install, CI's included.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SQL_MIGRATIONS, SQL_SCHEMA_VERSION, upgradeExperimentRecord, upgradeRunRecord } from './migrations.ts';
import {
  RUN_RECORD_VERSION,
  StoreError,
  type ExperimentRecord,
  type RunDetail,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  type RunStore,
  type RunSummary,
} from './types.ts';

const DETAIL_KEYS: readonly (keyof RunDetail)[] = ['journal', 'series', 'events', 'ledger', 'recovery', 'hypothesis'];

/** Apply the missing migrations up to `upTo` (default: all). Exported for the migration tests. */
export function migrate(db: Database.Database, upTo = SQL_SCHEMA_VERSION, file = 'run store'): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQL_SCHEMA_VERSION) {
    throw new StoreError(
      `${file} has schema version ${current}, newer than this terratower reads (${SQL_SCHEMA_VERSION}): upgrade terratower, or point --store at another file`,
    );
  }
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const m of SQL_MIGRATIONS) {
    if (m.version <= current || m.version > upTo) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.description,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}

interface RunRow {
  record: string;
}

/** The SQLite run store. Open it with `openStore(path)` or `new SqliteRunStore(path)`. */
export class SqliteRunStore implements RunStore {
  readonly location: string;
  private readonly db: Database.Database;

  /**
   * Open (creating the file and its directory if needed) and migrate.
   * @param file path of the database file, or `:memory:`
   */
  constructor(file: string, options: { migrateUpTo?: number } = {}) {
    this.location = file;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    try {
      this.db = new Database(file);
    } catch (error) {
      throw new StoreError(`cannot open the run store ${file}: ${(error as Error).message}`);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 10000');
      this.db.pragma('foreign_keys = ON');
      migrate(this.db, options.migrateUpTo, file);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  async putRun(run: RunRecord): Promise<void> {
    const { detail, ...summary } = run;
    const record: RunSummary = { ...summary, schemaVersion: RUN_RECORD_VERSION };
    const tx = this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO runs (id, kind, scenario, target, status, created_at, started_at, finished_at, experiment_id, variant, repetition, git_revision, record)
           VALUES (@id, @kind, @scenario, @target, @status, @createdAt, @startedAt, @finishedAt, @experimentId, @variant, @repetition, @gitRevision, @record)`,
        )
        .run(this.rowOf(record));
      this.db.prepare('DELETE FROM run_figures WHERE run_id = ?').run(run.id);
      const fig = this.db.prepare('INSERT INTO run_figures (run_id, metric, value) VALUES (?, ?, ?)');
      for (const [metric, value] of Object.entries(run.figures)) fig.run(run.id, metric, value ?? null);
      this.db.prepare('DELETE FROM run_details WHERE run_id = ?').run(run.id);
      if (detail) {
        const put = this.db.prepare('INSERT INTO run_details (run_id, name, json) VALUES (?, ?, ?)');
        for (const key of DETAIL_KEYS) if (detail[key] !== undefined) put.run(run.id, key, JSON.stringify(detail[key]));
      }
    });
    tx();
  }

  private rowOf(record: RunSummary): Record<string, unknown> {
    return {
      id: record.id,
      kind: record.kind,
      scenario: record.scenario,
      target: record.target,
      status: record.status,
      createdAt: record.createdAt,
      startedAt: record.startedAt ?? null,
      finishedAt: record.finishedAt ?? null,
      experimentId: record.experiment?.id ?? null,
      variant: record.experiment?.variant ?? null,
      repetition: record.experiment?.repetition ?? null,
      gitRevision: record.provenance?.gitRevision ?? null,
      record: JSON.stringify(record),
    };
  }

  async getRun(id: string, options: { detail?: boolean } = {}): Promise<RunRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) return undefined;
    const run = upgradeRunRecord(JSON.parse(row.record), `run ${id} in ${this.location}`);
    if (options.detail) {
      const detail: RunDetail = {};
      const rows = this.db.prepare('SELECT name, json FROM run_details WHERE run_id = ?').all(id) as {
        name: keyof RunDetail;
        json: string;
      }[];
      for (const r of rows) detail[r.name] = JSON.parse(r.json);
      run.detail = detail;
    }
    return run;
  }

  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.scenario !== undefined) {
      where.push('scenario = @scenario');
      params.scenario = filter.scenario;
    }
    if (filter.target !== undefined) {
      where.push('target = @target');
      params.target = filter.target;
    }
    if (filter.kind !== undefined) {
      where.push('kind = @kind');
      params.kind = filter.kind;
    }
    if (filter.experimentId !== undefined) {
      where.push('experiment_id = @experimentId');
      params.experimentId = filter.experimentId;
    }
    if (filter.variant !== undefined) {
      where.push('variant = @variant');
      params.variant = filter.variant;
    }
    if (filter.since !== undefined) {
      where.push('created_at >= @since');
      params.since = filter.since;
    }
    if (filter.status !== undefined) {
      const list = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
      const names = list.map((_, i) => `@status${i}`);
      list.forEach((s, i) => {
        params[`status${i}`] = s;
      });
      where.push(`status IN (${names.join(', ') || "''"})`);
    }
    params.limit = filter.limit ?? 100;
    params.offset = filter.offset ?? 0;
    const sql = `SELECT record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset`;
    const rows = this.db.prepare(sql).all(params) as RunRow[];
    return rows.map((r) => {
      const { detail: _detail, ...summary } = upgradeRunRecord(JSON.parse(r.record), `a run in ${this.location}`);
      return summary;
    });
  }

  async updateRun(id: string, patch: RunPatch): Promise<RunSummary | undefined> {
    let updated: RunSummary | undefined;
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT record FROM runs WHERE id = ?').get(id) as RunRow | undefined;
      if (!row) return;
      const { detail: _detail, ...current } = upgradeRunRecord(JSON.parse(row.record));
      updated = { ...current, ...patch };
      this.db
        .prepare(
          'UPDATE runs SET status = @status, started_at = @startedAt, finished_at = @finishedAt, record = @record WHERE id = @id',
        )
        .run({
          id,
          status: updated.status,
          startedAt: updated.startedAt ?? null,
          finishedAt: updated.finishedAt ?? null,
          record: JSON.stringify(updated),
        });
      if (patch.figures) {
        this.db.prepare('DELETE FROM run_figures WHERE run_id = ?').run(id);
        const fig = this.db.prepare('INSERT INTO run_figures (run_id, metric, value) VALUES (?, ?, ?)');
        for (const [metric, value] of Object.entries(patch.figures)) fig.run(id, metric, value ?? null);
      }
    })();
    return updated;
  }

  async deleteRun(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0;
  }

  async putExperiment(experiment: ExperimentRecord): Promise<void> {
    const record = { ...experiment, schemaVersion: RUN_RECORD_VERSION };
    this.db
      .prepare(
        'INSERT OR REPLACE INTO experiments (id, name, status, created_at, record) VALUES (@id, @name, @status, @createdAt, @record)',
      )
      .run({
        id: record.id,
        name: record.name,
        status: record.status,
        createdAt: record.createdAt,
        record: JSON.stringify(record),
      });
  }

  async getExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const row = this.db.prepare('SELECT record FROM experiments WHERE id = ?').get(id) as RunRow | undefined;
    return row ? upgradeExperimentRecord(JSON.parse(row.record)) : undefined;
  }

  async listExperiments(options: { limit?: number; offset?: number } = {}): Promise<ExperimentRecord[]> {
    const rows = this.db
      .prepare('SELECT record FROM experiments ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?')
      .all(options.limit ?? 100, options.offset ?? 0) as RunRow[];
    return rows.map((r) => upgradeExperimentRecord(JSON.parse(r.record)));
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
