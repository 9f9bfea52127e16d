/**
 * `runExperiment`'s orchestration on the live simulated target (test/support/simulated-target.ts;
 * no Kafka, Cassandra or terraform: the twin end to end is test/integration/experiment-twin):
 * interleaved order, parallel rounds with faults on the experimental group only, every run
 * recorded, a failed deploy recorded as an error, progress with ETA, the comparison written.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateExperiment } from '../../src/experiment/file.ts';
import { runExperiment, type ExperimentProgress, type TargetFactory } from '../../src/experiment/run.ts';
import type { ScenarioDefinition } from '../../src/harness/scenarios/definition.ts';
import { SqliteRunStore } from '../../src/store/sqlite.ts';
import { SimulatedTarget } from '../support/simulated-target.ts';

const tiny: ScenarioDefinition = {
  name: 'tiny-kill',
  description: 'kill a consumer',
  baselineLoad: 10,
  warmupSeconds: 0.05,
  sampleIntervalMs: 50,
  hypothesisConsecutive: 2,
  hypothesisBeforeWithinSeconds: 2,
  hypothesisAfterWithinSeconds: 2,
  hypothesis: [{ kind: 'lag', max: 100 }, { kind: 'atDesired' }],
  method: [
    { kind: 'kill', group: 'consumers', count: 1 },
    { kind: 'expect', probe: { kind: 'atDesired', groups: ['consumers'] }, withinSeconds: 2, label: 'replaced' },
  ],
  dataset: { rows: 50, objects: 1, malformedFraction: 0 },
  drain: { timeoutSeconds: 2, stallSeconds: 1, quietSeconds: 0.1 },
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function setup(file: Record<string, unknown>, factory?: (sims: SimulatedTarget[]) => TargetFactory) {
  const dir = await mkdtemp(join(tmpdir(), 'tt-exp-run-'));
  dirs.push(dir);
  const store = new SqliteRunStore(join(dir, 'runs.db'));
  const e = validateExperiment(
    { name: 'sim', scenarios: ['tiny-kill'], variants: { a: {}, b: { kafka: { partitions: 12 } } }, ...file },
    { scenarios: [tiny] },
  );
  const sims: SimulatedTarget[] = [];
  const targets: TargetFactory =
    factory?.(sims) ??
    (async ({ runId }) => {
      const s = new SimulatedTarget({ runId, replaceMs: 100 });
      sims.push(s);
      return s;
    });
  return { dir, store, e, sims, targets };
}

describe('runExperiment (simulated target)', () => {
  it('interleaved: A B A B, every run recorded with its variant, the comparison written, progress with ETA', async () => {
    const { dir, store, e, sims, targets } = await setup({ repetitions: 2 });
    const progress: ExperimentProgress[] = [];
    const o = await runExperiment(e, {
      store,
      out: join(dir, 'out'),
      targets,
      machine: { cores: 2, availableMemoryMiB: 20_000 },
      onProgress: (p) => progress.push(p),
    });
    expect(o.record.status).toBe('completed');
    expect(o.runs.map((r) => r.error ?? r.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(o.runs.map((r) => `${r.experiment!.variant}${r.experiment!.repetition}`)).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(o.runs.every((r) => r.status === 'passed' && r.figures.lost === 0)).toBe(true);
    expect(sims.every((s) => s.killed.length === 1 && s.tornDownAt >= s.deployedAt)).toBe(true);
    // One run at a time.
    for (let i = 1; i < sims.length; i++) expect(sims[i]!.deployedAt).toBeGreaterThanOrEqual(sims[i - 1]!.tornDownAt);
    expect((await store.getExperiment(o.record.id))?.reportHtml).toBe(o.comparisonHtml);
    expect(existsSync(o.comparisonHtml)).toBe(true);
    expect(progress.some((p) => p.phase === 'step' && /^1\/2 kill/.test(p.step ?? ''))).toBe(true);
    expect(progress.find((p) => p.run === 2)?.etaSeconds).toBeGreaterThanOrEqual(0);
    expect(progress.find((p) => p.run === 1)?.etaSeconds).toBeUndefined();
    await store.close();
  });

  it('parallel: control and experimental at once, faults on the experimental group only', async () => {
    const { dir, store, e, sims, targets } = await setup({ repetitions: 1, mode: 'parallel' });
    const o = await runExperiment(e, {
      store,
      out: join(dir, 'out'),
      targets,
      mode: 'parallel',
      machine: { cores: 64, availableMemoryMiB: 1_000_000 },
    });
    expect(o.record.mode).toBe('parallel');
    const [control, experimental] = o.runs;
    expect(control!.experiment).toMatchObject({ arm: 'control', variant: 'a', slot: 0 });
    expect(experimental!.experiment).toMatchObject({ arm: 'experimental', variant: 'b', slot: 1 });
    const [cs, xs] = [sims.find((s) => s.runId === control!.id)!, sims.find((s) => s.runId === experimental!.id)!];
    expect(cs.killed).toEqual([]);
    expect(xs.killed).toHaveLength(1);
    // At the same time: each deployed before the other was torn down.
    expect(cs.deployedAt).toBeLessThan(xs.tornDownAt);
    expect(xs.deployedAt).toBeLessThan(cs.tornDownAt);
    expect(o.comparison.modeReason).toMatch(/two twins in two address slots/);
    await store.close();
  });

  it('a deploy that fails is recorded as an error and the experiment goes on', async () => {
    let n = 0;
    const { dir, store, e } = await setup({ repetitions: 1 });
    const o2 = await runExperiment(e, {
      store,
      out: join(dir, 'out2'),
      id: 'exp-broken',
      targets: async ({ runId }) => {
        n += 1;
        const s = new SimulatedTarget({ runId, replaceMs: 100 });
        if (n === 1)
          s.deploy = async () => {
            throw new Error('terraform apply failed: boom');
          };
        return s;
      },
    });
    const statuses = o2.runs.map((r) => r.status);
    expect(statuses).toEqual(['error', 'passed']);
    expect(o2.runs[0]!.error).toMatch(/terraform apply failed: boom/);
    expect(o2.comparison.metrics.find((m) => m.metric.name === 'recover')?.differences[0]?.verdict).toMatch(
      /not measured in both|cannot tell/,
    );
    await store.close();
  });
});
