/**
 * The S3 run store against a real S3 API (a moto server): the same contract as the SQLite
 * store — round trip with detail, filters and paging, update, delete, experiments — plus the
 * layout check and `openStore('s3://…')`.
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMoto, type MotoServer } from '../../src/harness/moto.ts';
import { openStore, RUN_RECORD_VERSION, S3_LAYOUT_VERSION, StoreError, type RunRecord } from '../../src/store/index.ts';
import { S3RunStore } from '../../src/store/s3.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let moto: MotoServer | undefined;
let client: S3Client;

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
    experiment: { id: 'exp-1', name: 'rf', variant: 'rf3', repetition: 1, mode: 'interleaved' },
    detail: { journal: { status: 'completed' }, series: [{ t: 0, lag: 1 }] },
    ...over,
  };
}

beforeAll(async () => {
  moto = await startMoto();
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  client = new S3Client({ region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: 'team-runs' }));
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

describe('S3 run store (moto)', () => {
  it('writes its layout version and round-trips runs with detail', async () => {
    const store = await S3RunStore.open({ bucket: 'team-runs', prefix: 'a', endpoint: moto!.endpoint, credentials });
    expect(store.location).toBe('s3://team-runs/a/');
    await store.putRun(run('r1'));
    const back = await store.getRun('r1', { detail: true });
    expect(back?.figures).toEqual({ recover: 12.5, lost: 0, detect: null });
    expect(back?.detail?.series).toEqual([{ t: 0, lag: 1 }]);
    expect((await store.getRun('r1'))?.detail).toBeUndefined();
    expect(await store.getRun('missing')).toBeUndefined();
    await store.close();
  });

  it('lists newest first with filters and paging, updates, deletes, keeps experiments', async () => {
    const store = await S3RunStore.open({ bucket: 'team-runs', prefix: 'b/', endpoint: moto!.endpoint, credentials });
    for (let i = 0; i < 4; i++)
      await store.putRun(
        run(`r${i}`, {
          createdAt: `2026-11-28T09:0${i}:00.000Z`,
          status: i % 2 ? 'failed' : 'passed',
          experiment: { id: 'exp-1', name: 'rf', variant: i % 2 ? 'rf2' : 'rf3', repetition: i, mode: 'interleaved' },
        }),
      );
    expect((await store.listRuns()).map((r) => r.id)).toEqual(['r3', 'r2', 'r1', 'r0']);
    expect((await store.listRuns({ variant: 'rf2' })).map((r) => r.id)).toEqual(['r3', 'r1']);
    expect((await store.listRuns({ status: 'passed', limit: 1 })).map((r) => r.id)).toEqual(['r2']);
    expect((await store.listRuns({ offset: 3 })).map((r) => r.id)).toEqual(['r0']);
    expect((await store.updateRun('r0', { status: 'interrupted' }))?.status).toBe('interrupted');
    expect((await store.getRun('r0'))?.status).toBe('interrupted');
    expect(await store.deleteRun('r0')).toBe(true);
    expect(await store.deleteRun('r0')).toBe(false);
    await store.putExperiment({
      schemaVersion: 1,
      id: 'exp-1',
      name: 'rf',
      createdAt: '2026-11-28T09:00:00.000Z',
      status: 'completed',
      definition: {},
      mode: 'interleaved',
      modeReason: '',
      runIds: ['r1', 'r2'],
    });
    expect((await store.listExperiments()).map((e) => e.runIds)).toEqual([['r1', 'r2']]);
    await store.close();
  });

  it('is what openStore gives for an s3:// location', async () => {
    const store = await openStore(`s3://team-runs/c?endpoint=${encodeURIComponent(moto!.endpoint)}`);
    await store.putRun(run('via-url'));
    expect((await store.listRuns()).map((r) => r.id)).toEqual(['via-url']);
    await store.close();
  });

  it('refuses a prefix written by a newer layout, and a missing bucket, saying what to do', async () => {
    await client.send(
      new PutObjectCommand({
        Bucket: 'team-runs',
        Key: 'newer/schema.json',
        Body: JSON.stringify({ layout: S3_LAYOUT_VERSION + 1 }),
      }),
    );
    await expect(
      S3RunStore.open({ bucket: 'team-runs', prefix: 'newer', endpoint: moto!.endpoint, credentials }),
    ).rejects.toThrow(/newer than this terratower reads.*upgrade terratower/);
    const err = await S3RunStore.open({ bucket: 'no-such-bucket', endpoint: moto!.endpoint, credentials }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/bucket "no-such-bucket" does not exist: create it/);
  });
});
