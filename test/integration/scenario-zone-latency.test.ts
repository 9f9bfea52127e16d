/** zone-latency on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { zoneLatency } from '../../src/harness/scenarios/index.ts';
import { detectTwinNetwork } from '../../src/twin/network.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

// The latency fault needs namespace zones (root); on loopback the twin refuses it.
describe.skipIf(detectTwinNetwork() !== 'namespaces')('zone-latency on the local twin', () => {
  const run = shippedScenarioOnTwin(zoneLatency);

  it('slows the zone through netfilter queues and ends it; end-to-end latency rises while it is slow', () => {
    const r = run.result();
    const zone = run.spec.zones[1]!;
    const fault = r.events.find((e) => e.kind === 'fault' && e.zone === zone)!;
    expect(fault.label).toBe(`zone ${zone} +100 ms, 2 % loss for 180 s to the other zones (netfilter queue delay)`);
    const restore = r.events.find((e) => e.kind === 'restore' && e.zone === zone)!;
    expect(restore.t).toBeGreaterThan(fault.t);
    // The report's windows: baseline before the fault, "during the fault" until the restore.
    const { baseline, fault: slow } = r.latency!.windows;
    expect(slow).toMatchObject({ from: Math.round(fault.t / 100) / 10, to: Math.round(restore.t / 100) / 10 });
    run.note(`end-to-end p50 ${baseline.latency?.p50} ms before, ${slow?.latency?.p50} ms while the zone was slow`);
    expect(slow!.latency!.p50).toBeGreaterThan(baseline.latency!.p50!);
  });
});
