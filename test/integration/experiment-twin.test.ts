/**
 * A small experiment end to end on the local twin: 2 variants × 2 repetitions of a short
 * consumer-loss scenario on a small pipeline (2 brokers, 1 Cassandra node), interleaved A B A B,
 * each run deployed and destroyed through terraform; every run in a SQLite run store; the
 * comparison report written; the gate exiting 0, 1 and 2 as it should through the CLI.
 * Sized for CI: about 2 minutes per run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateExperiment, type Experiment } from '../../src/experiment/file.ts';
import { runExperiment, type ExperimentOutcome } from '../../src/experiment/run.ts';
import { steadyState, type ScenarioDefinition } from '../../src/harness/scenarios/definition.ts';
import { SqliteRunStore } from '../../src/store/sqlite.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);
const run = promisify(execFile);

/** A short consumer loss: 5 s warm-up, one consumer killed, replaced, lag back; ~70 s of load. */
const shortConsumerLoss: ScenarioDefinition = {
  name: 'consumer-loss-short',
  description: 'Kill 1 of 2 consumers under a light load; it is replaced and lag recovers; nothing lost.',
  baselineLoad: 100,
  warmupSeconds: 5,
  hypothesis: steadyState({ maxLag: 1500, minThroughput: 30 }),
  hypothesisConsecutive: 2,
  hypothesisAfterWithinSeconds: 45,
  method: [
    { kind: 'kill', group: 'consumers', count: 1 },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['consumers'] },
      withinSeconds: 45,
      consecutive: 2,
      label: 'consumer replaced',
    },
  ],
  dataset: { rows: 7000, objects: 2 },
  drain: { stallSeconds: 30, quietSeconds: 6 },
};

function note(line: string): void {
  process.stderr.write(`[experiment-twin] ${line}\n`);
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', [join(ROOT, 'bin', 'terratower.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_STEP_SUMMARY: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('a small experiment on the twin (2 variants × 2 repetitions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tt-exp-it-'));
  const storeFile = join(dir, 'runs.db');
  let store: SqliteRunStore;
  let experiment: Experiment;
  let outcome: ExperimentOutcome | undefined;
  let wallSeconds = 0;

  beforeAll(async () => {
    store = new SqliteRunStore(storeFile);
    experiment = validateExperiment(
      {
        name: 'partitions-small',
        scenarios: ['consumer-loss-short'],
        repetitions: 2,
        mode: 'interleaved',
        spec: {
          multiAz: false,
          tolerateZoneLoss: false,
          kafka: { brokers: 2, partitions: 4, replicationFactor: 2, minInSyncReplicas: 1 },
          cassandra: { nodes: 1, replicationFactor: 1, consistency: 'ONE' },
          producers: { min: 1, max: 1, desired: 1 },
          consumers: { min: 2, max: 2, desired: 2 },
        },
        variants: { p4: {}, p8: { kafka: { partitions: 8 } } },
      },
      { scenarios: [shortConsumerLoss] },
    );
    const started = Date.now();
    outcome = await runExperiment(experiment, { store, out: join(dir, 'reports'), slot: SLOT, log: note });
    wallSeconds = (Date.now() - started) / 1000;
    note(`experiment took ${wallSeconds.toFixed(0)} s; comparison ${outcome.comparisonHtml}`);
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const result = (): ExperimentOutcome => {
    if (!outcome) throw new Error('the experiment did not run (see the beforeAll error)');
    return outcome;
  };

  it('ran the variants interleaved A B A B, each run deployed and recorded in the store', async () => {
    const o = result();
    expect(o.record.status).toBe('completed');
    expect(o.record.mode).toBe('interleaved');
    expect(o.record.runIds).toHaveLength(4);
    const stored = await Promise.all(o.record.runIds.map((id) => store.getRun(id, { detail: true })));
    expect(stored.map((r) => `${r?.experiment?.variant}#${r?.experiment?.repetition}`)).toEqual([
      'p4#1',
      'p8#1',
      'p4#2',
      'p8#2',
    ]);
    for (const r of stored) {
      expect(r?.status === 'passed' || r?.status === 'failed').toBe(true);
      expect(r?.spec?.kafka.partitions).toBe(r?.experiment?.variant === 'p8' ? 8 : 4);
      expect(r?.provenance?.machine.cores).toBeGreaterThan(0);
      expect(r?.provenance?.versions.KAFKA_VERSION).toBeTruthy();
      expect(((r?.detail?.series as unknown[] | undefined) ?? []).length).toBeGreaterThan(20);
      expect(r?.reportHtml && existsSync(r.reportHtml)).toBe(true);
      note(
        `${r?.id} ${r?.experiment?.variant}#${r?.experiment?.repetition}: ${r?.status}, wall ${r?.wallSeconds} s, recover ${r?.figures.recover} s, lost ${r?.figures.lost}`,
      );
    }
    note(`time per repetition (deploy + run + destroy): ${(wallSeconds / 4).toFixed(0)} s on average`);
  });

  it('loses and duplicates nothing, and both variants get the same dataset per repetition', async () => {
    const runs = result().runs;
    for (const r of runs) {
      expect(r.figures.lost).toBe(0);
      expect(r.figures.duplicated).toBe(0);
    }
    const sources = (rep: number) =>
      runs
        .filter((r) => r.experiment?.repetition === rep)
        .map((r) => (r.detail?.ledger as { source: number } | null)?.source);
    expect(new Set(sources(1)).size).toBe(1);
    expect(new Set(sources(2)).size).toBe(1);
  });

  it('writes the comparison report: metrics with intervals, fairness, links to every run', () => {
    const o = result();
    const html = readFileSync(o.comparisonHtml, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('time to recover');
    expect(html).toContain('95 % CI');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    for (const r of o.runs) expect(html).toContain(r.id);
    const partitions = o.comparison.fairness.find((f) => f.fact === 'layout kafka.partitions');
    expect(partitions).toMatchObject({ differs: true, byDesign: true, values: { p4: '4', p8: '8' } });
    expect(o.comparison.fairness.find((f) => f.fact === 'machine')?.differs).toBe(false);
    expect(o.comparison.metrics.map((m) => m.metric.name)).toEqual(expect.arrayContaining(['recover', 'lost', 'wall']));
  });

  it('measures store writes and reads of real records', async () => {
    const full = result().runs[0]!;
    const writes: number[] = [];
    const reads: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await store.putRun({ ...full, id: `${full.id}-copy${i}` });
      writes.push(performance.now() - t0);
      const t1 = performance.now();
      await store.getRun(`${full.id}-copy${i}`, { detail: true });
      reads.push(performance.now() - t1);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const bytes = JSON.stringify(full).length;
    note(
      `store: a run of ${(bytes / 1024).toFixed(0)} KiB: write median ${med(writes).toFixed(1)} ms, read with detail ${med(reads).toFixed(1)} ms`,
    );
    for (let i = 0; i < 20; i++) await store.deleteRun(`${full.id}-copy${i}`);
    expect(await store.getRun(`${full.id}-copy0`)).toBeUndefined();
  });

  it('gates through the CLI: 0 when the gate holds, 1 when it trips, 2 for a gate that does not parse', async () => {
    const id = result().record.id;
    const junit = join(dir, 'junit.xml');
    const ok = await cli([
      'runs',
      'compare',
      id,
      '--store',
      storeFile,
      '--fail-on',
      'wall.p50 > +1000%',
      '--fail-on',
      'lost.max > 0',
      '--junit',
      junit,
    ]);
    expect(ok.stdout).toMatch(/all 2 gate\(s\) passed/);
    expect(ok.code).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<testsuite name="gates" tests="2" failures="0"/);
    // Every run takes more than a second: this gate must trip.
    const trip = await cli(['runs', 'compare', id, '--store', storeFile, '--fail-on', 'wall.min > 1']);
    expect(trip.stdout).toMatch(/FAIL wall\.min > 1/);
    expect(trip.code).toBe(1);
    const bad = await cli(['runs', 'compare', id, '--store', storeFile, '--fail-on', 'speed > fast']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')[0]).toMatch(/does not parse: write METRIC/);
    const list = await cli(['runs', 'list', '--store', storeFile, '--experiment', id]);
    expect(list.stdout).toMatch(/4 run\(s\)/);
  });
});
