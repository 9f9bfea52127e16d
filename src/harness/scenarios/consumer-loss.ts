/** consumer-loss: kill half of the consumers; the group rebalances, they are replaced, lag recovers. Ledger exact. */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const consumerLoss: ScenarioDefinition = {
  name: 'consumer-loss',
  description:
    'Kill 50% of the consumers under load: the consumer group rebalances, the Auto Scaling group replaces them, lag recovers; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 90,
  spec: { consumers: { min: 2, max: 4, desired: 2 } },
  method: [
    { kind: 'kill', percent: 50, group: 'consumers' },
    {
      kind: 'expect',
      probe: { kind: 'throughput', min: 1 },
      withinSeconds: 30,
      label: 'remaining consumers keep writing',
    },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['consumers'] },
      withinSeconds: 90,
      consecutive: 2,
      label: 'consumers replaced',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 2000 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  // Members killed by the method are lost, not unhealthy: any health-check replacement is churn.
  maxReplacements: 0,
  dataset: { rows: rowsFor(BASELINE, 180) },
  drain: { stallSeconds: 60 },
};
