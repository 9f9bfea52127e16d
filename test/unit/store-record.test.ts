import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../src/harness/engine/result.ts';
import { errorRecordOf, figuresOf, recordRun, runRecordOf } from '../../src/harness/record.ts';
import { defaultSpec } from '../../src/spec/index.ts';
import { SqliteRunStore } from '../../src/store/sqlite.ts';

function result(over: Partial<ScenarioResult> = {}): ScenarioResult {
  const series = Array.from({ length: 100 }, (_, t) => ({
    t,
    produced: 150,
    consumed: t >= 20 && t < 35 ? 40 : 150,
    lag: t >= 20 && t < 35 ? 1000 + t : t > 80 ? 9000 : 10,
    errors: 0,
    deadLettered: 0,
    cpu: {},
    groups: {},
  }));
  return {
    scenario: 'broker-loss',
    target: 'local',
    runId: 'local-1',
    hypothesisHeld: true,
    passed: true,
    ledger: { lost: 0, duplicated: 2, source: 100 } as ScenarioResult['ledger'],
    journal: {
      start: '2026-11-28T09:00:00Z',
      end: '2026-11-28T09:03:00Z',
      status: 'completed',
      seed: 1,
    } as ScenarioResult['journal'],
    events: [
      { t: 20_000, time: '', kind: 'fault', label: 'kill kafka-1', group: 'kafka' },
      { t: 80_000, time: '', kind: 'load', label: 'drain unlimited', recordsPerSecond: 0 },
    ],
    series,
    recovery: {
      faults: [
        { fault: 'kill kafka-1', at: 20, groups: ['kafka'], impact: true, detectSeconds: 3.2, recoverSeconds: 15 },
      ],
      scaling: [
        {
          trigger: 'load ×5',
          at: 5,
          group: 'consumers',
          direction: 'out',
          decideSeconds: 4,
          settledSeconds: 9,
          from: 2,
          to: 3,
        },
      ],
    },
    drained: true,
    replacements: { byGroup: {}, total: 0, withinBound: true },
    samplerErrors: [],
    reportJson: '/r/report.json',
    reportHtml: '/r/report.html',
    wallSeconds: 180,
    ...over,
  };
}

describe('run records', () => {
  it('derives the figures: worst fault, scale-out, max lag before the drain, throughput during the fault', () => {
    const f = figuresOf(result());
    expect(f).toMatchObject({
      detect: 3.2,
      recover: 15,
      scaleOutDecide: 4,
      scaleOutSettle: 9,
      lost: 0,
      duplicated: 2,
      wall: 180,
      passed: 1,
    });
    // The drain's lag of 9000 is not the method's.
    expect(f.maxLag).toBe(1034);
    // No latency histograms in this result: a gap.
    expect(f.latencyP99).toBeNull();
    const p99 = { count: 10, p50: 4, p95: 30, p99: 41.5, behindScheduleP99: null };
    const withLatency = result({
      latency: {
        overall: { ...p99, p99: 900 },
        method: p99,
        windows: { baseline: { from: 0, to: 80, latency: p99 }, fault: null, recovery: null },
        series: [],
      },
    });
    // The method's p99, not the drain's (overall).
    expect(figuresOf(withLatency).latencyP99).toBe(41.5);
    // Mean consumed over [20 s, 35 s]: 15 samples at 40 and one at 150.
    expect(f.throughputDuringFault).toBeCloseTo((15 * 40 + 150) / 16, 1);
  });

  it('a fault never recovered, no faults, no ledger: gaps, never good numbers', () => {
    const never = result();
    never.recovery.faults[0]!.recoverSeconds = null;
    expect(figuresOf(never).recover).toBeNull();
    const none = figuresOf(result({ recovery: { faults: [], scaling: [] }, ledger: null }));
    expect(none).toMatchObject({
      detect: null,
      recover: null,
      throughputDuringFault: null,
      lost: null,
      scaleOutDecide: null,
    });
  });

  it('records a result and an error in a store, with provenance', async () => {
    const store = new SqliteRunStore(':memory:');
    const rec = runRecordOf(result(), { spec: defaultSpec() });
    expect(rec.kind).toBe('scenario');
    expect(rec.provenance?.machine.cores).toBeGreaterThan(0);
    expect(rec.provenance?.versions.KAFKA_VERSION).toBeTruthy();
    expect(await recordRun(rec, store)).toBe(true);
    expect((await store.getRun('local-1', { detail: true }))?.detail?.recovery).toEqual(result().recovery);
    const err = errorRecordOf({
      runId: 'local-2',
      scenario: 'broker-loss',
      target: 'local',
      spec: defaultSpec(),
      startedAt: new Date(Date.now() - 5000),
      error: 'terraform apply failed',
    });
    await recordRun(err, store);
    expect((await store.getRun('local-2'))?.status).toBe('error');
    expect(await recordRun(rec, null)).toBe(false);
    await store.close();
    // A store that fails does not throw: the run's verdict stands, the failure is logged.
    const lines: string[] = [];
    expect(await recordRun(rec, store, (l) => lines.push(l))).toBe(false);
    expect(lines[0]).toMatch(/could not record run local-1/);
  });
});
