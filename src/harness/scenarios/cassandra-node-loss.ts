/**
 * cassandra-node-loss: kill 1 of 3 Cassandra nodes under load. Writes continue at the spec's
 * consistency (LOCAL_QUORUM of RF 3), the node comes back with its data. Ledger exact (read at
 * that consistency, after the node is back).
 */
import { rowsFor, steadyState, type ScenarioDefinition } from './definition.ts';

const BASELINE = 150;

/** The scenario. */
export const cassandraNodeLoss: ScenarioDefinition = {
  name: 'cassandra-node-loss',
  description:
    'Kill 1 of 3 Cassandra nodes under load: writes continue at LOCAL_QUORUM, the node comes back with its data; nothing lost or duplicated.',
  baselineLoad: BASELINE,
  warmupSeconds: 10,
  hypothesis: steadyState({ maxLag: 2000, minThroughput: BASELINE * 0.3 }),
  hypothesisAfterWithinSeconds: 90,
  method: [
    { kind: 'kill', group: 'cassandra', count: 1 },
    { kind: 'expect', probe: { kind: 'throughput', min: 1 }, withinSeconds: 30, label: 'writes continue' },
    {
      kind: 'expect',
      probe: { kind: 'atDesired', groups: ['cassandra'] },
      withinSeconds: 150,
      consecutive: 2,
      label: 'node back in service',
    },
    { kind: 'expect', probe: { kind: 'lag', max: 2000 }, withinSeconds: 90, consecutive: 3, label: 'lag recovers' },
  ],
  // Members killed by the method are lost, not unhealthy: any health-check replacement is churn.
  maxReplacements: 0,
  dataset: { rows: rowsFor(BASELINE, 240) },
  drain: { stallSeconds: 60 },
};
