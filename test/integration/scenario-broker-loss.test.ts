/** broker-loss on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { brokerLoss } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('broker-loss on the local twin', () => {
  const run = shippedScenarioOnTwin(brokerLoss);

  it('reports the broker replacement and the recovery time', () => {
    const r = run.result();
    const fault = r.recovery.faults.find((f) => f.groups.includes('kafka'))!;
    expect(fault.fault).toMatch(/kill kafka-\d/);
    expect(fault.detectSeconds).not.toBeNull();
    expect(fault.recoverSeconds).not.toBeNull();
    run.note(`detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s`);
  });
});
