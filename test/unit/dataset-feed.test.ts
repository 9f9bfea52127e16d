/**
 * The dataset feed: chunks uploaded as the load needs them, every row once the load is unlimited,
 * none after it is finished, and a ledger view of exactly what was uploaded. The target here
 * only records what it is given (the feed's own logic is under test); the feed against the twin's
 * S3 and producers runs in every shipped scenario.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DatasetFeed } from '../../src/harness/dataset/feed.ts';
import { readManifest } from '../../src/harness/dataset/upload.ts';
import { runScenario } from '../../src/harness/engine/run.ts';
import type { UploadedDataset } from '../../src/model/target.ts';
import { SimulatedTarget } from '../support/simulated-target.ts';

const dirs: string[] = [];
async function scratch(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tt-feed-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Records each upload: its sub-prefix and its rows. */
class UploadRecorder {
  readonly uploads: { subPrefix: string; rows: number; valid: number; malformed: number }[] = [];
  async uploadDataset(dir: string, subPrefix = ''): Promise<UploadedDataset> {
    const m = await readManifest(dir);
    this.uploads.push({ subPrefix, rows: m.rows, valid: m.validCount, malformed: m.malformedCount });
    return { bucket: 'b', keys: [], bytes: 0 };
  }
  get rows(): number {
    return this.uploads.reduce((n, u) => n + u.rows, 0);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DatasetFeed', () => {
  it('keeps the lead uploaded ahead of the load, every row once the load is unlimited, nothing after finish', async () => {
    const target = new UploadRecorder();
    const feed = new DatasetFeed({
      target,
      tag: 'feedtest',
      dir: await scratch(),
      prefix: 'payments/',
      maxRows: 2000,
      chunkRows: 100,
      leadSeconds: 2,
      malformedFraction: 0.05,
    });
    // 100/s with a 2 s lead: two chunks ahead.
    await feed.start(100);
    expect(target.rows).toBe(200);
    expect(target.uploads.map((u) => u.subPrefix)).toEqual(['feedtest/c0000/', 'feedtest/c0001/']);
    // 400/s: what can have been produced grows 400 rows a second, and the lead is 800 rows; the
    // feed checks every 0.5 s.
    feed.loadChanged(400);
    await sleep(1300);
    expect(target.rows).toBeGreaterThanOrEqual(1000);
    expect(target.rows).toBeLessThanOrEqual(1600);
    // Unlimited: every row.
    feed.loadChanged(0);
    await sleep(700);
    expect(target.rows).toBe(2000);
    const fed = await feed.finish();
    expect(fed.rows).toBe(2000);
    expect(fed.chunks).toBe(20);
    expect(fed.malformed).toBe(target.uploads.reduce((n, u) => n + u.malformed, 0));
    expect(fed.malformed).toBe(20 * 5);
    const ids = (await readFile(fed.validIdsFile!, 'utf8')).split('\n').filter(Boolean);
    expect(ids).toHaveLength(2000 - 100);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id.startsWith(fed.idPrefix!)).toBe(true);
    expect(fed.objectKeyPrefix).toBe('payments/feedtest/');
    // The content file covers the same ids.
    const content = (await readFile(fed.contentFile!, 'utf8')).split('\n').filter(Boolean);
    expect(content.map((l) => l.split('\t')[0]).sort()).toEqual([...ids].sort());
    // Finished: the same answer again, and no chunk after it.
    expect(await feed.finish()).toBe(fed);
  });

  it('refuses a tag its chunks would make too long a seed, naming the longest tag that fits', async () => {
    expect(
      () =>
        new DatasetFeed({
          target: new UploadRecorder(),
          tag: 'x'.repeat(31),
          dir: '/nonexistent',
          prefix: 'p/',
          maxRows: 1000,
          chunkRows: 100,
        }),
    ).toThrow(/^dataset tag "x{31}" is too long for a fed dataset: .* use a tag of at most 30$/);
  });

  it('stops at maxRows however long the load goes on, and a stopped feed uploads nothing more', async () => {
    const target = new UploadRecorder();
    const feed = new DatasetFeed({
      target,
      tag: 'feedcap',
      dir: await scratch(),
      prefix: 'p/',
      maxRows: 250,
      chunkRows: 100,
      leadSeconds: 10,
    });
    await feed.start(1000);
    expect(target.uploads.map((u) => u.rows)).toEqual([100, 100, 50]);
    const fed = await feed.finish();
    feed.loadChanged(0);
    await sleep(600);
    expect(target.rows).toBe(250);
    expect(fed.rows).toBe(250);
  });

  it('runScenario tells the feed each load, finishes it before the drain, and the ledger covers exactly what it fed', async () => {
    const target = new SimulatedTarget();
    const lines: string[] = [];
    const feed = new DatasetFeed({
      log: (l) => lines.push(l),
      target,
      tag: 'feedrun',
      dir: await scratch(),
      prefix: 'p/',
      maxRows: 100_000,
      chunkRows: 500,
      leadSeconds: 1,
      malformedFraction: 0,
    });
    await feed.start(2000);
    const result = await runScenario(
      {
        name: 'fed',
        description: 'fed',
        baselineLoad: 2000,
        warmupSeconds: 0.3,
        sampleIntervalMs: 100,
        hypothesisConsecutive: 2,
        hypothesisBeforeWithinSeconds: 2,
        hypothesisAfterWithinSeconds: 2,
        hypothesis: [{ kind: 'lag', max: 1_000_000 }],
        method: [{ kind: 'setLoad', multiplier: 2, pauseAfter: 0.5 }],
        rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
        drain: { timeoutSeconds: 5, stallSeconds: 3, quietSeconds: 0.3 },
      },
      { target, out: await scratch(), feed, log: (l) => lines.push(l) },
    );
    const fed = await feed.finish();
    // Far less than the 100 000 rows it may feed, more than the start's lead.
    expect(fed.rows).toBeGreaterThan(2000);
    expect(fed.rows).toBeLessThan(20_000);
    expect(result.ledger).toMatchObject({ source: fed.rows, lost: 0, duplicated: 0, unexpected: 0, exact: true });
    expect(result.passed).toBe(true);
    // The feed was finished before the drain began.
    const finished = lines.findIndex((l) => l.startsWith('dataset:'));
    const drain = lines.findIndex((l) => l.startsWith('drain:'));
    expect(finished).toBeGreaterThanOrEqual(0);
    expect(finished).toBeLessThan(drain);
  });
});
