/** The scenarios terratower ships, by name. */
import { brokerLoss } from './broker-loss.ts';
import { cassandraNodeLoss } from './cassandra-node-loss.ts';
import { consumerLoss } from './consumer-loss.ts';
import type { ScenarioDefinition } from './definition.ts';
import { trafficSpike } from './traffic-spike.ts';
import { updates } from './updates.ts';
import { zoneLatency } from './zone-latency.ts';
import { zoneOutage } from './zone-outage.ts';
import { zonePowerLoss } from './zone-power-loss.ts';

export type { ScenarioDefinition } from './definition.ts';
export { runShipped, deployedRun, scenarioSpec, type ShippedRunOptions } from './run-shipped.ts';

/** Every shipped scenario, in the order `scenario list` shows them. */
export const SCENARIOS: readonly ScenarioDefinition[] = [
  trafficSpike,
  brokerLoss,
  consumerLoss,
  cassandraNodeLoss,
  zoneOutage,
  zonePowerLoss,
  zoneLatency,
  updates,
];

/** A shipped scenario by name; throws listing the names. */
export function scenarioByName(name: string): ScenarioDefinition {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`no scenario "${name}"; shipped: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}

export { trafficSpike, brokerLoss, consumerLoss, cassandraNodeLoss, zoneOutage, zonePowerLoss, zoneLatency, updates };
