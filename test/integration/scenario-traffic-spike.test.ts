/** traffic-spike on the local twin, end to end (the frame and the shared checks: ./shipped-scenario.ts). */
import { describe, expect, it } from 'vitest';
import { trafficSpike } from '../../src/harness/scenarios/index.ts';
import { shippedScenarioOnTwin } from './shipped-scenario.ts';

describe('traffic-spike on the local twin', () => {
  const run = shippedScenarioOnTwin(trafficSpike);

  it('scales the consumers out during the spike and back in after it', () => {
    const r = run.result();
    const out = r.recovery.scaling.find((s) => s.group === 'consumers' && s.direction === 'out');
    const back = r.recovery.scaling.find((s) => s.group === 'consumers' && s.direction === 'in');
    expect(out?.decideSeconds).not.toBeNull();
    expect(out!.to!).toBeGreaterThan(2);
    expect(back?.decideSeconds).not.toBeNull();
    run.note(
      `scale out decided ${out!.decideSeconds}s settled ${out!.settledSeconds}s; scale in decided ${back!.decideSeconds}s`,
    );
  });
});
