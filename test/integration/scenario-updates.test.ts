/** updates on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { updates } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('updates on the local twin', () => {
  const run = shippedScenarioOnTwin(updates);

  it('ends with the latest version and the source content of every id: no stale overwrite, nothing corrupted', () => {
    const l = run.result().ledger!;
    expect(l.sourceDuplicates).toBeGreaterThan(100); // ids with several versions in the source
    expect(l.contentChecked).toBe(l.source);
    expect({ corrupted: l.corrupted, stale: l.stale, lostWhere: l.lostWhere }).toEqual({
      corrupted: 0,
      stale: 0,
      lostWhere: { s3: 0, topic: 0, consumed: 0 },
    });
    run.note(
      `${l.source} ids, ${l.sourceRecords} valid lines (${l.sourceDuplicates} ids updated), content checked ${l.contentChecked}`,
    );
  });

  it('reports end-to-end latency per second and for the baseline, fault and recovery windows', () => {
    const l = run.result().latency;
    expect(l).toBeTruthy();
    expect(l!.windows.baseline.latency?.count).toBeGreaterThan(0);
    expect(l!.windows.fault?.latency?.count).toBeGreaterThan(0);
    expect(l!.series.filter((p) => p.p99 !== null).length).toBeGreaterThan(30);
    const w = (
      name: string,
      x: {
        from: number;
        to: number;
        latency: { p50: number | null; p99: number | null; behindScheduleP99: number | null; count: number } | null;
      } | null,
    ) =>
      x
        ? `${name} ${x.from}–${x.to}s n=${x.latency?.count ?? 0} p50 ${x.latency?.p50} p99 ${x.latency?.p99} behind p99 ${x.latency?.behindScheduleP99} ms`
        : `${name} —`;
    run.note(
      `latency: ${w('baseline', l!.windows.baseline)}; ${w('fault', l!.windows.fault)}; ${w('recovery', l!.windows.recovery)}`,
    );
  });

  it('killed a consumer and a broker', () => {
    const faults = run.result().events.filter((e) => e.kind === 'fault');
    expect(faults.map((e) => e.group)).toEqual(['consumers', 'kafka']);
  });
});
