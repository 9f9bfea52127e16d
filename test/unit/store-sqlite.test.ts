import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, SqliteRunStore } from '../../src/store/sqlite.ts';
import {
  openStore,
  parseS3Location,
  RUN_RECORD_VERSION,
  SQL_SCHEMA_VERSION,
  StoreError,
  defaultStoreLocation,
  upgradeRunRecord,
  type RunRecord,
} from '../../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tt-store-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    schemaVersion: RUN_RECORD_VERSION,
    id,
    kind: 'experiment',
    scenario: 'broker-loss',
    target: 'local',
    status: 'passed',
    createdAt: '2026-11-28T09:00:00.000Z',
    figures: { recover: 12.5, lost: 0, detect: null },
    experiment: { id: 'exp-1', name: 'rf', variant: 'control', repetition: 1, mode: 'interleaved' },
    detail: { journal: { status: 'completed' }, series: [{ t: 0, lag: 1 }], ledger: { lost: 0 } },
    ...over,
  };
}

describe('SQLite run store', () => {
  it('creates the file, migrates to the latest schema, and round-trips a run with its detail', async () => {
    const file = join(dir, 'a', 'runs.db');
    const store = new SqliteRunStore(file);
    expect(store.schemaVersion).toBe(SQL_SCHEMA_VERSION);
    await store.putRun(run('r1'));
    const back = await store.getRun('r1', { detail: true });
    expect(back?.figures).toEqual({ recover: 12.5, lost: 0, detect: null });
    expect(back?.detail?.series).toEqual([{ t: 0, lag: 1 }]);
    expect((await store.getRun('r1'))?.detail).toBeUndefined();
    expect(await store.getRun('nope')).toBeUndefined();
    await store.close();
    // Reopening keeps it (and does not migrate twice).
    const again = new SqliteRunStore(file);
    expect((await again.getRun('r1'))?.scenario).toBe('broker-loss');
    await again.close();
  });

  it('lists newest first with filters and paging; updates and deletes', async () => {
    const store = new SqliteRunStore(join(dir, 'list.db'));
    for (let i = 0; i < 5; i++)
      await store.putRun(
        run(`r${i}`, {
          createdAt: `2026-11-28T09:0${i}:00.000Z`,
          status: i % 2 ? 'failed' : 'passed',
          experiment: {
            id: 'exp-1',
            name: 'rf',
            variant: i % 2 ? 'rf2' : 'control',
            repetition: i,
            mode: 'interleaved',
          },
        }),
      );
    await store.putRun(run('other', { kind: 'scenario', scenario: 'traffic-spike', experiment: undefined }));
    expect((await store.listRuns({ experimentId: 'exp-1' })).map((r) => r.id)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
    expect((await store.listRuns({ variant: 'rf2' })).map((r) => r.id)).toEqual(['r3', 'r1']);
    expect((await store.listRuns({ status: ['failed'] })).length).toBe(2);
    expect((await store.listRuns({ scenario: 'traffic-spike' })).map((r) => r.id)).toEqual(['other']);
    expect((await store.listRuns({ experimentId: 'exp-1', limit: 2, offset: 1 })).map((r) => r.id)).toEqual([
      'r3',
      'r2',
    ]);
    const updated = await store.updateRun('r0', { status: 'interrupted', error: 'server killed' });
    expect(updated?.status).toBe('interrupted');
    expect((await store.getRun('r0'))?.error).toBe('server killed');
    expect(await store.updateRun('missing', { status: 'failed' })).toBeUndefined();
    expect(await store.deleteRun('r0')).toBe(true);
    expect(await store.deleteRun('r0')).toBe(false);
    expect(await store.getRun('r0')).toBeUndefined();
    await store.close();
  });

  it('keeps experiments', async () => {
    const store = await openStore(join(dir, 'exp.db'));
    await store.putExperiment({
      schemaVersion: 1,
      id: 'exp-1',
      name: 'rf',
      createdAt: '2026-11-28T09:00:00.000Z',
      status: 'running',
      definition: { name: 'rf' },
      mode: 'interleaved',
      modeReason: 'asked',
      runIds: ['r1'],
    });
    expect((await store.getExperiment('exp-1'))?.runIds).toEqual(['r1']);
    expect((await store.listExperiments()).map((e) => e.id)).toEqual(['exp-1']);
    await store.close();
  });

  it('migrates a version-1 file to the latest, keeping its runs', async () => {
    const file = join(dir, 'old.db');
    const old = new SqliteRunStore(file, { migrateUpTo: 1 });
    expect(old.schemaVersion).toBe(1);
    await old.putRun(run('kept'));
    await old.close();
    const store = new SqliteRunStore(file);
    expect(store.schemaVersion).toBe(SQL_SCHEMA_VERSION);
    expect((await store.getRun('kept'))?.id).toBe('kept');
    await store.putExperiment({
      schemaVersion: 1,
      id: 'e',
      name: 'n',
      createdAt: 'x',
      status: 'completed',
      definition: {},
      mode: 'interleaved',
      modeReason: '',
      runIds: [],
    });
    await store.close();
    const db = new Database(file);
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    db.close();
    expect(applied.map((r) => r.version)).toEqual([1, 2]);
  });

  it('refuses a file written by a newer schema, saying what to do', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${SQL_SCHEMA_VERSION + 1}`);
    expect(() => migrate(db, undefined, file)).toThrow(/newer than this terratower reads.*upgrade terratower/);
    db.close();
    expect(() => new SqliteRunStore(file)).toThrow(StoreError);
  });

  it('upgrades records without a version and refuses newer ones', () => {
    const { schemaVersion: _v, ...bare } = run('x');
    expect(upgradeRunRecord(bare).schemaVersion).toBe(RUN_RECORD_VERSION);
    expect(() => upgradeRunRecord({ ...bare, schemaVersion: RUN_RECORD_VERSION + 1 })).toThrow(/newer terratower/);
    expect(() => upgradeRunRecord({ nope: 1 })).toThrow(/not a run record/);
  });

  it('parses locations', () => {
    expect(
      parseS3Location('s3://team-runs/terratower/history?endpoint=http://127.0.0.1:5000&region=eu-west-1'),
    ).toEqual({
      bucket: 'team-runs',
      prefix: 'terratower/history',
      endpoint: 'http://127.0.0.1:5000',
      region: 'eu-west-1',
    });
    expect(parseS3Location('./runs.db')).toBeUndefined();
    expect(() => parseS3Location('s3://ab/x')).toThrow(/at least 3/);
    expect(defaultStoreLocation({ TERRATOWER_STORE: '/tmp/x.db' })).toBe('/tmp/x.db');
    expect(defaultStoreLocation({ TERRATOWER_CACHE: '/c' })).toMatch(/store\/runs\.db$/);
  });
});
