/**
 * broker-loss: under load, kill 1 of 3 Kafka brokers. Writes continue (RF 3, min ISR 2), the
 * broker is replaced with the same identity and rejoins, lag recovers. Ledger exact.
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const brokerLoss: ScenarioDefinition = {
  name: 'broker-loss',
  description:
    'Kill 1 of 3 Kafka brokers under load: writes continue at min ISR 2, the broker comes back and rejoins; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 90,
  method: [
    { kind: 'kill', group: 'kafka', count: 1 },
    {
      kind: 'expect',
      probe: { kind: 'throughput', min: 1, side: 'produced' },
      withinSeconds: 30,
      label: 'writes continue',
    },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['kafka'] },
      withinSeconds: 90,
      consecutive: 2,
      label: 'broker replaced and in service',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 2000 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  // Members killed by the method are lost, not unhealthy: any health-check replacement is churn.
  maxReplacements: 0,
  dataset: { rows: rowsFor(BASELINE, 180) },
  drain: { stallSeconds: 60 },
};
