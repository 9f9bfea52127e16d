/**
 * traffic-spike: load ×5 for 45 s. The consumers scale out by target tracking on lag, lag comes
 * back under the tolerance, and after the spike the group scales back in. Ledger exact.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const trafficSpike: ScenarioDefinition = {
  name: 'traffic-spike',
  description: 'Load ×5 for 45 s: consumers scale out on lag, lag recovers, consumers scale back in; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 1500, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 60,
  spec: {
    consumers: {
      min: 2,
      max: 4,
      desired: 2,
      // Lag per member a little above what batching leaves at the baseline: the spike must push past it.
      scaling: { targetTracking: { metric: 'consumerLag', target: 100 }, cooldownSeconds: 300, warmupSeconds: 120 },
    },
  },
  method: [
    { kind: 'setLoad', multiplier: 5, label: 'spike: load ×5' },
    { kind: 'expect', probe: { kind: 'groupSize', group: 'consumers', min: 3 }, withinSeconds: 45, label: 'consumers scale out' },
    { kind: 'wait', seconds: 15 },
    { kind: 'setLoad', multiplier: 1, label: 'spike over: load ×1' },
    { kind: 'expect', probe: { kind: 'lag', max: 1500 }, withinSeconds: 60, consecutive: 3, label: 'lag back under 1500' },
    { kind: 'expect', probe: { kind: 'groupSize', group: 'consumers', max: 2 }, withinSeconds: 90, label: 'consumers scale back in' },
  ],
  rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
  dataset: { rows: rowsFor(BASELINE, 150, BASELINE * 4 * 45) },
  drain: { stallSeconds: 60 },
};
