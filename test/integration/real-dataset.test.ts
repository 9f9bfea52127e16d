/**
 * A dataset we did not write, through a scenario on the local twin: `data/weather.csv` of the
 * vega-datasets npm package (daily weather of Seattle and New York, 2012–2015; 2 922 rows), with
 * its own columns and a composite key (location, date). The spec file examples/weather-spec.json
 * names the schema; the objects go up without a manifest (one plain, one gzip, plus two objects
 * no producer can read); the ledger's source is computed from the objects themselves; a consumer
 * is killed mid-run. Everything must land exactly once, and both unreadable objects must be
 * accounted for as skipped.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../apps/shared/s3.ts';
import type { Scenario } from '../../src/harness/engine/types.ts';
import { runScenario, type ScenarioResult } from '../../src/harness/engine/run.ts';
import { sourceFromObjects, type ObjectsSource } from '../../src/harness/ledger/from-objects.ts';
import { LocalTarget } from '../../src/harness/targets/local.ts';
import { loadSpecFile } from '../../src/spec/index.ts';
import { REPO_ROOT } from '../../src/support/paths.ts';
import { vegaDatasetFile } from '../support/real-datasets.ts';

const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const BASELINE = 60; // rows/s: the 2 922 rows last ~50 s, through the kill and the replacement

const scenario: Scenario = {
  name: 'real-weather',
  description: 'Real data of its own schema at a steady load; kill one of two consumers; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 5,
  hypothesis: [{ kind: 'lag', max: 2000 }, { kind: 'errorRate', max: 5 }, { kind: 'atDesired' }],
  hypothesisAfterWithinSeconds: 90,
  method: [
    { kind: 'kill', percent: 50, group: 'consumers' },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['consumers'] },
      withinSeconds: 90,
      consecutive: 2,
      label: 'consumer replaced',
    },
  ],
  drain: { stallSeconds: 60 },
};

const note = (line: string): void => void process.stderr.write(`[real-weather] ${line}\n`);
let target: LocalTarget | undefined;
let work = '';
let source: ObjectsSource | undefined;
let result: ScenarioResult | undefined;

beforeAll(async () => {
  const csv = await readFile(await vegaDatasetFile('data/weather.csv', note), 'utf8');
  const spec = await loadSpecFile(join(REPO_ROOT, 'examples/weather-spec.json'));
  work = await mkdtemp(join(tmpdir(), 'tt-real-weather-'));
  const data = join(work, 'objects');
  // The real rows as they are, split by location: one object plain, one gzip.
  const [header, ...rows] = csv.split('\n').filter(Boolean);
  const byCity = (city: string): string => `${[header, ...rows.filter((r) => r.startsWith(`${city},`))].join('\n')}\n`;
  await import('node:fs/promises').then((fs) => fs.mkdir(data, { recursive: true }));
  await writeFile(join(data, 'seattle.csv'), byCity('Seattle'));
  await writeFile(join(data, 'new-york.csv.gz'), gzipSync(byCity('New York')));
  // Two objects no producer can read: accounted for as skipped, not lost.
  await writeFile(join(data, 'corrupt.csv.gz'), Buffer.concat([gzipSync('x').subarray(0, 10), Buffer.from('garbage')]));
  await writeFile(join(data, 'stations.csv'), 'station,lat,lon\nSEA,47.4,-122.3\n');

  target = new LocalTarget({ spec, slot: SLOT, terraform: { echo: false }, log: note });
  await target.deploy();
  await target.setLoad(BASELINE);
  const uploaded = await target.uploadDataset(data);
  note(`uploaded ${uploaded.keys.length} objects without a manifest (${uploaded.bytes} bytes)`);
  const e = target.endpoints();
  const s3 = createS3Client(spec.region, e.s3Endpoint);
  try {
    source = await sourceFromObjects({
      s3,
      bucket: e.bucket,
      prefix: spec.dataset.prefix,
      schema: spec.dataset.schema,
    });
  } finally {
    s3.destroy();
  }
  note(
    `source from the objects: ${source.ids.length} valid, ${source.malformed} malformed, ${source.skipped.length} unreadable`,
  );
  result = await runScenario(scenario, {
    target,
    out: join(work, 'report'),
    dataset: { ids: source.ids, malformed: source.malformed, skippedObjects: source.skipped.length },
    log: note,
  });
});

afterAll(async () => {
  await target?.teardown();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a real dataset with a schema of its own (vega-datasets weather.csv) on the twin', () => {
  it('the ledger computed from the objects sees every real row and both unreadable objects', () => {
    expect(source!.ids).toHaveLength(rows());
    expect(new Set(source!.ids).size).toBe(rows());
    expect(source!.ids).toContain('Seattle|2012-01-01');
    expect(source!.malformed).toBe(0);
    expect(source!.skipped.map((s) => s.object).sort()).toEqual(['weather/corrupt.csv.gz', 'weather/stations.csv']);
  });

  it('lands every row exactly once through a consumer kill; skipped objects counted as their own class', () => {
    const r = result!;
    const l = r.ledger!;
    note(`ledger: ${JSON.stringify({ ...l, samples: undefined })}`);
    expect(r.journal.run.filter((s) => s.status !== 'succeeded').map((s) => `${s.name}: ${s.error}`)).toEqual([]);
    expect(r.drained).toBe(true);
    expect({
      source: l.source,
      delivered: l.delivered,
      lost: l.lost,
      duplicated: l.duplicated,
      unexpected: l.unexpected,
    }).toEqual({ source: rows(), delivered: rows(), lost: 0, duplicated: 0, unexpected: 0 });
    expect({ deadLettered: l.deadLettered, skippedObjects: l.skippedObjects }).toEqual({
      deadLettered: 0,
      skippedObjects: 2,
    });
    expect(l.exact).toBe(true);
    expect(r.hypothesisHeld).toBe(true);
  });
});

/** Rows of weather.csv (2 922 in vega-datasets 3.2.1). */
function rows(): number {
  return 2922;
}
