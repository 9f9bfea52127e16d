/**
 * The twin's address plan. Zone i (0-based, in spec.zones order) is the loopback net
 * 127.0.(i+1).0/24. A slot (0–7) lets several twins run side by side: the host byte of a member
 * is slot*30 + roleOffset + ordinalWithinZone. Every role listens on fixed ports, so two
 * members never collide because they never share an address.
 */
import type { PipelineSpec } from './index.ts';
import { ordinalInZone, zoneIndexOf } from './derive.ts';
import { PORTS } from './ports.ts';

/** Kinds of member the twin runs. */
export type Role = 's3' | 'kafka' | 'cassandra' | 'producers' | 'consumers';

/** First host byte of each role within a slot's block of 30. */
export const ROLE_OFFSET: Readonly<Record<Role, number>> = {
  s3: 1,
  kafka: 2,
  cassandra: 6,
  producers: 10,
  consumers: 20,
};

/** How many members of a role fit in one zone. */
export const ROLE_CAPACITY_PER_ZONE: Readonly<Record<Role, number>> = {
  s3: 1,
  kafka: 4,
  cassandra: 4,
  producers: 10,
  consumers: 10,
};

/** Highest slot number. */
export const MAX_SLOT = 7;
/** Host bytes per slot. */
export const SLOT_WIDTH = 30;

/** The loopback address of a member: zone, slot, role and its ordinal within the zone. */
export function loopbackAddress(zoneIndex: number, slot: number, role: Role, ordinalWithinZone: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_SLOT) {
    throw new Error(`slot ${slot} is out of range: use an integer from 0 to ${MAX_SLOT}`);
  }
  if (!Number.isInteger(zoneIndex) || zoneIndex < 0 || zoneIndex > 253) {
    throw new Error(`zone index ${zoneIndex} is out of range 0–253`);
  }
  const capacity = ROLE_CAPACITY_PER_ZONE[role];
  if (!Number.isInteger(ordinalWithinZone) || ordinalWithinZone < 0 || ordinalWithinZone >= capacity) {
    throw new Error(
      `${role}: at most ${capacity} member(s) per zone fit the address plan (asked for #${ordinalWithinZone + 1}); add zones or lower the count`,
    );
  }
  return `127.0.${zoneIndex + 1}.${slot * SLOT_WIDTH + ROLE_OFFSET[role] + ordinalWithinZone}`;
}

/** Address of the k-th member of a stateful group (kafka, cassandra): fixed for its life. */
export function statefulAddress(role: 'kafka' | 'cassandra', ordinal: number, zoneCount: number, slot: number): string {
  return loopbackAddress(zoneIndexOf(ordinal, zoneCount), slot, role, ordinalInZone(ordinal, zoneCount));
}

/** Address of the S3 server (zone 0). */
export function s3Address(slot: number): string {
  return loopbackAddress(0, slot, 's3', 0);
}

/** `host:port` list of the Kafka brokers' client listeners. */
export function kafkaBootstrap(spec: PipelineSpec, slot: number): string[] {
  return Array.from(
    { length: spec.kafka.brokers },
    (_, k) => `${statefulAddress('kafka', k, spec.zones.length, slot)}:${PORTS.kafkaClient}`,
  );
}

/** `host:port` list of the Cassandra nodes' CQL listeners. */
export function cassandraContactPoints(spec: PipelineSpec, slot: number): string[] {
  return Array.from(
    { length: spec.cassandra.nodes },
    (_, k) => `${statefulAddress('cassandra', k, spec.zones.length, slot)}:${PORTS.cassandraCql}`,
  );
}

/** Zone index → the lowest free ordinal for a new app member, or undefined when the zone is full. */
export function freeAppOrdinal(role: 'producers' | 'consumers', used: Iterable<number>): number | undefined {
  const taken = new Set(used);
  for (let i = 0; i < ROLE_CAPACITY_PER_ZONE[role]; i += 1) if (!taken.has(i)) return i;
  return undefined;
}

/**
 * Problems that keep a spec from fitting the address plan in a slot, one message per problem
 * naming the field and the fix. Empty when it fits.
 */
export function addressPlanProblems(spec: PipelineSpec, slot: number): string[] {
  const problems: string[] = [];
  const zones = spec.zones.length;
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_SLOT)
    problems.push(`slot ${slot}: use an integer from 0 to ${MAX_SLOT}`);
  if (zones < 1) problems.push('zones: list at least one zone');
  if (zones > 254) problems.push(`zones: ${zones} zones do not fit 127.0.1.0–127.0.254.0; use at most 254`);
  if (zones >= 1) {
    const perZone = (count: number): number => Math.ceil(count / zones);
    const check = (field: string, role: Role, count: number): void => {
      if (perZone(count) > ROLE_CAPACITY_PER_ZONE[role]) {
        problems.push(
          `${field}: ${count} over ${zones} zone(s) needs ${perZone(count)} per zone; the local twin fits ${ROLE_CAPACITY_PER_ZONE[role]} per zone — lower it or add zones`,
        );
      }
    };
    check('kafka.brokers', 'kafka', spec.kafka.brokers);
    check('cassandra.nodes', 'cassandra', spec.cassandra.nodes);
    check('producers.max', 'producers', spec.producers.max);
    check('consumers.max', 'consumers', spec.consumers.max);
  }
  return problems;
}
