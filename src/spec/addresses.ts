/**
 * The twin's address plan. A slot (0–7) lets several twins run side by side: the host byte of a
 * member is slot*30 + roleOffset + ordinalWithinZone. Every role listens on fixed ports, so two
 * members never collide because they never share an address.
 *
 * - `loopback` network: zone i (0-based, in spec.zones order) is the loopback net 127.0.(i+1).0/24.
 * - `namespaces` network: zone i is 198.18.(slot*32 + i + 1).0/24 inside the zone's own network
 *   namespace, and the region (S3, the harness) is 198.18.(slot*32).0/24 on the slot's bridge,
 *   one /19 per slot. 198.18.0.0/15 is the block RFC 2544 reserves for network tests, so it names
 *   no real network; it exists only inside the namespaces and bridge the twin creates.
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

/** How the twin's zones are networked: loopback addresses, or one network namespace per zone. */
export type TwinNetwork = 'loopback' | 'namespaces';

/** Most zones a `namespaces` twin fits (a slot's /19 holds the region net and 31 zone nets). */
export const MAX_NAMESPACE_ZONES = 31;

/** Highest slot number. */
export const MAX_SLOT = 7;
/** Host bytes per slot. */
export const SLOT_WIDTH = 30;

/** First three octets of a zone's /24 (`region` for S3's net in the `namespaces` plan). */
export function zoneNet(zoneIndex: number | 'region', slot: number, network: TwinNetwork = 'loopback'): string {
  if (network === 'namespaces') return `198.18.${slot * 32 + (zoneIndex === 'region' ? 0 : zoneIndex + 1)}`;
  return `127.0.${zoneIndex === 'region' ? 1 : zoneIndex + 1}`;
}

/** Prefix length of a slot's subnet in the `namespaces` plan (198.18.(slot*32).0/19): every zone net and the region net, on one bridge. */
export const NAMESPACE_SUBNET_BITS = 19;

/** Address of a member: zone, slot, role and its ordinal within the zone, on the twin's network. */
export function memberAddress(
  zoneIndex: number,
  slot: number,
  role: Role,
  ordinalWithinZone: number,
  network: TwinNetwork = 'loopback',
): string {
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
  return `${zoneNet(zoneIndex, slot, network)}.${hostByte(slot, role, ordinalWithinZone)}`;
}

/** Last octet of a member's address: slot*30 + role offset + ordinal within the zone. */
export function hostByte(slot: number, role: Role, ordinalWithinZone: number): number {
  return slot * SLOT_WIDTH + ROLE_OFFSET[role] + ordinalWithinZone;
}

/** Address of the k-th member of a stateful group (kafka, cassandra): fixed for its life. */
export function statefulAddress(
  role: 'kafka' | 'cassandra',
  ordinal: number,
  zoneCount: number,
  slot: number,
  network: TwinNetwork = 'loopback',
): string {
  return memberAddress(zoneIndexOf(ordinal, zoneCount), slot, role, ordinalInZone(ordinal, zoneCount), network);
}

/** Address of the S3 server: zone 0's net on loopback, the region net (outside every zone) with namespaces. */
export function s3Address(slot: number, network: TwinNetwork = 'loopback'): string {
  if (network === 'namespaces') return `${zoneNet('region', slot, network)}.${hostByte(slot, 's3', 0)}`;
  return memberAddress(0, slot, 's3', 0);
}

/** `host:port` list of the Kafka brokers' client listeners. */
export function kafkaBootstrap(spec: PipelineSpec, slot: number, network: TwinNetwork = 'loopback'): string[] {
  return Array.from(
    { length: spec.kafka.brokers },
    (_, k) => `${statefulAddress('kafka', k, spec.zones.length, slot, network)}:${PORTS.kafkaClient}`,
  );
}

/** `host:port` list of the Cassandra nodes' CQL listeners. */
export function cassandraContactPoints(spec: PipelineSpec, slot: number, network: TwinNetwork = 'loopback'): string[] {
  return Array.from(
    { length: spec.cassandra.nodes },
    (_, k) => `${statefulAddress('cassandra', k, spec.zones.length, slot, network)}:${PORTS.cassandraCql}`,
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
export function addressPlanProblems(spec: PipelineSpec, slot: number, network: TwinNetwork = 'loopback'): string[] {
  const problems: string[] = [];
  const zones = spec.zones.length;
  if (!Number.isInteger(slot) || slot < 0 || slot > MAX_SLOT)
    problems.push(`slot ${slot}: use an integer from 0 to ${MAX_SLOT}`);
  if (zones < 1) problems.push('zones: list at least one zone');
  if (zones > 254) problems.push(`zones: ${zones} zones do not fit 127.0.1.0–127.0.254.0; use at most 254`);
  if (network === 'namespaces' && zones > MAX_NAMESPACE_ZONES)
    problems.push(
      `zones: ${zones} zones do not fit a slot's namespace subnet; use at most ${MAX_NAMESPACE_ZONES}, or the loopback network (TERRATOWER_TWIN_NETWORK=loopback)`,
    );
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
