/**
 * The frame every shipped-scenario test shares: deploy the local twin through terraform (its
 * stack's provisioners run `terratower local up/down`), generate and load the scenario's dataset,
 * run the scenario against real Kafka, Cassandra, moto and the apps, destroy the twin — and the
 * checks every scenario must pass. A scenario's own test adds the checks that are its own.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runShipped, scenarioSpec, type ScenarioDefinition } from '../../src/harness/scenarios/index.ts';
import type { ScenarioResult } from '../../src/harness/engine/run.ts';
import { LocalTarget } from '../../src/harness/targets/local.ts';
import { defaultSpec, type PipelineSpec } from '../../src/spec/index.ts';

const SLOT = Number(process.env.TERRATOWER_TEST_SLOT ?? 0);

/** What a scenario test reads after the run. */
export interface ShippedRun {
  /** The spec the twin ran (the default spec with the scenario's fields merged over it). */
  readonly spec: PipelineSpec;
  /** The run's result; available inside `it` blocks. */
  result(): ScenarioResult;
  /** Write a line to the test's stderr, prefixed with the scenario's name. */
  note(line: string): void;
}

/**
 * Register the deploy → run → destroy hooks for `definition` and the checks every scenario
 * shares: hypothesis before and after, every expectation met, an exact ledger, ≤ 1 s sampling.
 * Call it inside a `describe`.
 */
export function shippedScenarioOnTwin(definition: ScenarioDefinition): ShippedRun {
  const spec = scenarioSpec(defaultSpec(), definition);
  const note = (line: string): void => {
    process.stderr.write(`[${definition.name}] ${line}\n`);
  };
  let target: LocalTarget | undefined;
  let workDir = '';
  let result: ScenarioResult | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), `tt-${definition.name}-`));
    target = new LocalTarget({ spec, slot: SLOT, terraform: { echo: false }, log: note });
    await target.deploy();
    result = await runShipped(definition, { target, spec, out: join(workDir, 'report'), workDir, log: note });
    note(`report: ${result.reportHtml} (kept in ${workDir} only while the test runs)`);
  });

  afterAll(async () => {
    // TERRATOWER_KEEP_REPORTS=dir keeps a copy of the report (json + html) and the members' logs
    // for reading afterwards.
    const keep = process.env.TERRATOWER_KEEP_REPORTS;
    if (keep && result) {
      const kept = join(keep, `${definition.name}-${Date.now()}`);
      await cp(join(workDir, 'report'), kept, { recursive: true });
      await target?.keepLogs(join(kept, 'logs'));
    }
    await target?.teardown();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const run: ShippedRun = {
    spec,
    result: () => {
      if (!result) throw new Error(`${definition.name} did not run (see the beforeAll error)`);
      return result;
    },
    note,
  };

  it('holds the steady-state hypothesis before and after, and meets every expectation', () => {
    const r = run.result();
    const failed = r.journal.run
      .filter((s) => s.status !== 'succeeded')
      .map((s) => `${s.name}: ${s.error ?? s.status}`);
    expect(failed).toEqual([]);
    expect(r.journal.steadyStates.before?.holds).toBe(true);
    expect(r.journal.steadyStates.after?.holds).toBe(true);
    expect(r.hypothesisHeld).toBe(true);
  });

  it("replaces no more members for failing health checks than the scenario's bound", () => {
    const r = run.result();
    const churn = Object.entries(r.replacements.byGroup)
      .map(([g, x]) => `${g} ${x.count} (${x.members.join(', ')})`)
      .join('; ');
    note(`replaced for failing health checks: ${churn || 'none'}`);
    expect(r.replacements.exceeded ?? 'within bound').toBe('within bound');
  });

  it('loses, duplicates and invents nothing; dead-letters exactly the malformed rows', () => {
    const r = run.result();
    const l = r.ledger!;
    expect(r.drained).toBe(true);
    expect({ lost: l.lost, duplicated: l.duplicated, unexpected: l.unexpected }).toEqual({
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    });
    expect(l.deadLettered).toBe(l.expectedDeadLettered);
    expect(l.delivered).toBe(l.source);
    expect(l.exact).toBe(true);
  });

  it('samples every second and writes the report', () => {
    const r = run.result();
    expect(r.series.length).toBeGreaterThan(30);
    const gaps = r.series
      .slice(1)
      .map((p, i) => p.t - r.series[i]!.t)
      .sort((a, b) => a - b);
    // The sampler's period is 1 s. A sample takes longer when the 2-core machine is saturated
    // (the drain runs the pipeline flat out), so single gaps are reported, not asserted.
    const median = gaps[Math.floor(gaps.length / 2)]!;
    note(
      `sample gaps: median ${median.toFixed(2)} s, max ${gaps[gaps.length - 1]!.toFixed(2)} s over ${r.series.length} samples`,
    );
    expect(median).toBeLessThanOrEqual(1.2);
    expect(r.reportHtml).toMatch(/report\.html$/);
  });

  return run;
}
