/** consumer-loss on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { consumerLoss } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('consumer-loss on the local twin', () => {
  const run = shippedScenarioOnTwin(consumerLoss);

  it('kills half of the consumers and reports their replacement and recovery', () => {
    const r = run.result();
    const fault = r.recovery.faults.find((f) => f.groups.includes('consumers'))!;
    expect(r.events.find((e) => e.kind === 'fault')!.members).toHaveLength(1);
    expect(fault.detectSeconds).not.toBeNull();
    expect(fault.recoverSeconds).not.toBeNull();
    run.note(`detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s`);
  });
});
