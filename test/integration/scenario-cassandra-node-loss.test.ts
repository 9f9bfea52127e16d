/** cassandra-node-loss on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { cassandraNodeLoss } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('cassandra-node-loss on the local twin', () => {
  const run = shippedScenarioOnTwin(cassandraNodeLoss);

  it('reports the node return and the recovery time', () => {
    const r = run.result();
    const fault = r.recovery.faults.find((f) => f.groups.includes('cassandra'))!;
    expect(fault.fault).toMatch(/kill cassandra-\d/);
    expect(fault.recoverSeconds).not.toBeNull();
    run.note(`detect ${fault.detectSeconds}s recover ${fault.recoverSeconds}s`);
  });
});
