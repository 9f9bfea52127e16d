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

  it('killed a consumer and a broker', () => {
    const faults = run.result().events.filter((e) => e.kind === 'fault');
    expect(faults.map((e) => e.group)).toEqual(['consumers', 'kafka']);
  });
});
