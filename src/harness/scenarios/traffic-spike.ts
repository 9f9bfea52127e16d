/**
 * traffic-spike: load ×5 until the consumers have scaled out, and 20 s more. The consumers scale
 * out by target tracking on lag, lag comes back under the tolerance, and after the spike the
 * group scales back in. Ledger exact.
 *
 * Sized so that the spike is beyond what two consumers write on the 2-core CI machine (about
 * 500–800 records/s with three Cassandra nodes on the same cores) while the baseline is well
 * within it: the backlog then builds within seconds and target tracking must act.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 200;

/** The scenario. */
export const trafficSpike: ScenarioDefinition = {
  name: 'traffic-spike',
  description:
    'Load ×5 until consumers scale out, and 20 s more: consumers scale out on lag, lag recovers, consumers scale back in; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 3000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 90,
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
    {
      kind: 'expect',
      probe: { kind: 'groupSize', group: 'consumers', min: 3 },
      withinSeconds: 50,
      label: 'consumers scale out',
    },
    // The spike goes on a while after the scale-out, so the new consumers work through it.
    { kind: 'wait', seconds: 20 },
    { kind: 'setLoad', multiplier: 1, label: 'spike over: load ×1' },
    {
      kind: 'expect',
      probe: { kind: 'lag', max: 3000 },
      withinSeconds: 90,
      consecutive: 3,
      label: 'lag back under 3000',
    },
    {
      kind: 'expect',
      probe: { kind: 'groupSize', group: 'consumers', max: 2 },
      withinSeconds: 120,
      label: 'consumers scale back in',
    },
  ],
  rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
  dataset: { rows: rowsFor(BASELINE, 200, BASELINE * 4 * 70) },
  drain: { stallSeconds: 60 },
};
