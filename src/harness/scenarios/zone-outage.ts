/**
 * zone-outage: under load take the second of three zones out (every member there stops
 * answering), then bring it back. The producers are at ≥ 30 % of the baseline (10 s average)
 * within 45 s of the freeze and keep it for about 35 s more while the zone is still out (Kafka
 * holds acks=all writes until the frozen broker leaves the ISR and its leaderships move: 12–28 s
 * measured; the recovery figures show how long); the app groups replace their
 * unreachable members in the healthy zones once those are past their health-check grace (real
 * time, as an Auto Scaling group with ELB health checks would), and rebalance when the zone is
 * back. Ledger exact.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const zoneOutage: ScenarioDefinition = {
  name: 'zone-outage',
  description:
    'Take zone 2 of 3 out under load (every member unreachable), then bring it back: producers at ≥ 30 % of the baseline on two zones within 45 s and through the outage, groups rebalance; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 120,
  spec: { consumers: { min: 2, max: 4, desired: 2 } },
  method: [
    { kind: 'zoneOutage', zone: 1, mode: 'disrupt' },
    {
      // With acks=all a write waits until the frozen follower leaves the ISR
      // (replica.lag.time.max.ms, 10 s on the twin), and a write to a frozen leader until the
      // controller fences that broker and its partitions get new leaders: 9 s (the broker
      // session) after the freeze, but 15–20 s when the frozen broker was the active KRaft
      // controller (a new one is elected first). The producers then need a few seconds to learn
      // the new leaders and get their object claims back. Measured on the twin: production back
      // 13–28 s after the freeze. Averaged over 10 s (they send in batches) and only over
      // readings taken since the freeze.
      kind: 'expect',
      probe: { kind: 'throughput', side: 'produced', min: BASELINE * 0.3, overSeconds: 10 },
      withinSeconds: 45,
      label: 'producers back at ≥ 30 % of baseline within 45 s of the outage',
    },
    {
      // Then they keep it while the zone is still out. A fresh window (readings from this step
      // on), so the seconds without acknowledgements cannot pull it down and the burst that
      // followed them cannot carry it.
      kind: 'expect',
      probe: { kind: 'throughput', side: 'produced', min: BASELINE * 0.3, overSeconds: 10 },
      withinSeconds: 15,
      holdSeconds: 25,
      label: 'producers keep ≥ 30 % of baseline while the zone is out',
    },
    { kind: 'wait', seconds: 5 },
    { kind: 'zoneRestore', zone: 1 },
    {
      kind: 'expect',
      probe: { kind: 'atDesired' },
      withinSeconds: 120,
      consecutive: 2,
      label: 'every group back at desired',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 2000 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  rollbacks: [{ kind: 'zoneRestore', zone: 1 }],
  // The zone's app members stop answering and are replaced for failing health checks (with the
  // default spec: the consumer in zone 2; the one producer runs in zone 1). Any other is churn.
  maxReplacements: { producers: 0, consumers: 1 },
  dataset: { rows: rowsFor(BASELINE, 240) },
  drain: { stallSeconds: 60 },
};
