/** zone-power-loss on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { zonePowerLoss } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('zone-power-loss on the local twin', () => {
  const run = shippedScenarioOnTwin(zonePowerLoss);

  it('launches nothing into the zone while it has no power; its stateful members come back', () => {
    const r = run.result();
    const zone = run.spec.zones[2]!;
    const out = r.events.find((e) => e.kind === 'fault' && e.zone === zone)!;
    const back = r.events.find((e) => e.kind === 'restore' && e.zone === zone)!;
    expect(out).toBeDefined();
    expect(back).toBeDefined();
    // Between power off and on (a second of slack each side for the sample in flight), nothing
    // of any group is in service in the zone.
    const during = r.series.filter((p) => p.t > out.t / 1000 + 1 && p.t < back.t / 1000 - 1);
    expect(during.length).toBeGreaterThan(20);
    for (const p of during)
      for (const g of ['producers', 'consumers', 'kafka', 'cassandra'] as const)
        expect({ t: p.t, g, n: p.groups[g]?.byZone[zone] ?? 0 }).toEqual({ t: p.t, g, n: 0 });
    const last = r.series.at(-1)!;
    for (const g of ['kafka', 'cassandra'] as const) expect(last.groups[g]!.byZone[zone]).toBe(1);
    const fault = r.recovery.faults.find((f) => f.zone === zone)!;
    run.note(`detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s`);
  });
});
