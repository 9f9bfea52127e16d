/**
 * traffic-spike: load ×7 until the consumers have scaled out, and 20 s more. The consumers scale
 * out by target tracking on lag (desired rises and every member of the new desired capacity is
 * in service), lag comes back under the tolerance, and the group scales back in (desired falls,
 * the members follow). No member may be replaced for failing health checks. Ledger exact.
 *
 * The scale-in must last: the group stays at 2 for 15 s after its members follow. (Each scale-in
 * rebalances the consumer group; while a rebalance stalled the group for seconds, the backlog it
 * left read as lag and scaled the group straight out again.)
 *
 * The scale-in may come before the spike ends: once the new members have worked off the backlog,
 * lag per member can stay under 90 % of the target for the 15 periods target tracking waits, and
 * it scales in at the spike's load. So the scale-in counts from the end of the scale-out step,
 * not from the step that looks for it.
 *
 * Sized so that the spike is beyond what two consumers write on the 2-core CI machine (about
 * 1 000–1 300 records/s with three Cassandra nodes on the same cores, measured while the group
 * drains) while the baseline is well within it: the backlog then builds within seconds and target
 * tracking must act. At ×5 (1 000/s) two consumers kept up, and only the records in flight
 * (about 270) stood above the target.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 200;

/** The scenario. */
export const trafficSpike: ScenarioDefinition = {
  name: 'traffic-spike',
  description:
    'Load ×7 until consumers scale out, and 20 s more: consumers scale out on lag, lag recovers, consumers scale back in; nothing lost or duplicated.',
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
    { kind: 'setLoad', multiplier: 7, label: 'spike: load ×7' },
    {
      // Scale out is the group deciding (desired rises) AND its members following (every one of
      // the new desired in service): three in service of desired four is not a scale out.
      kind: 'expect',
      probe: {
        kind: 'all',
        name: 'consumers desired ≥ 3 and every one in service',
        probes: [
          { kind: 'desired', group: 'consumers', min: 3 },
          { kind: 'atDesired', groups: ['consumers'] },
        ],
      },
      requireChange: true,
      consecutive: 3,
      withinSeconds: 75,
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
      // Scale in is desired capacity falling (it was 3 or more: a change is required, seen since
      // the scale-out held) …
      kind: 'expect',
      probe: { kind: 'desired', group: 'consumers', max: 2 },
      requireChange: true,
      changeSince: 'consumers scale out',
      // Target tracking scales in after 15 periods below 90 % of the target, once lag is back.
      withinSeconds: 150,
      label: 'consumers scale in: desired back to 2',
    },
    {
      // … and the members following it down.
      kind: 'expect',
      probe: {
        kind: 'all',
        name: 'consumers desired ≤ 2 and in service = desired',
        probes: [
          { kind: 'desired', group: 'consumers', max: 2 },
          { kind: 'atDesired', groups: ['consumers'] },
        ],
      },
      consecutive: 3,
      withinSeconds: 30,
      // A scale-in that flaps back out within seconds is not a scale-in: the group must stay in.
      holdSeconds: 15,
      label: 'consumers scale in: members follow',
    },
  ],
  // No member is killed here: any member replaced for failing health checks is churn.
  maxReplacements: 0,
  rollbacks: [{ kind: 'setLoad', multiplier: 1 }],
  dataset: { rows: rowsFor(BASELINE, 240, BASELINE * 6 * 95) },
  drain: { stallSeconds: 60 },
};
