/** zone-outage on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { zoneOutage } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('zone-outage on the local twin', () => {
  const run = shippedScenarioOnTwin(zoneOutage);

  it('takes the zone out and back, and the groups end at desired capacity in every zone', () => {
    const r = run.result();
    const zone = run.spec.zones[1]!;
    expect(r.events.some((e) => e.kind === 'fault' && e.zone === zone)).toBe(true);
    expect(r.events.some((e) => e.kind === 'restore' && e.zone === zone)).toBe(true);
    const last = r.series.at(-1)!;
    for (const g of ['kafka', 'cassandra'] as const) expect(last.groups[g]!.byZone[zone]).toBeGreaterThan(0);
    const fault = r.recovery.faults.find((f) => f.zone === zone)!;
    expect(fault.recoverSeconds).not.toBeNull();
    run.note(`detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s`);
  });
});
