/**
 * Facts derived from a `PipelineSpec` that both targets (the AWS stacks and the local twin) and
 * the validator must agree on: where members live, how many replicas a zone loss takes, the
 * Cassandra token ring, the consumer group id.
 */
import { hostAddress, parseCidr } from './cidr.ts';
import { FIXED_ADDRESS_BASE } from './ports.ts';
import type { ConsistencyLevel, PipelineSpec } from './types.ts';

/**
 * Zone index of each member when `count` members are spread round-robin over `zoneCount` zones:
 * member i (0-based) lives in zone i mod zoneCount.
 */
export function memberZoneIndexes(count: number, zoneCount: number): number[] {
  return Array.from({ length: count }, (_, i) => zoneIndexOf(i, zoneCount));
}

/** Zone index of member `index` (0-based) of a group spread round-robin over `zoneCount` zones. */
export function zoneIndexOf(index: number, zoneCount: number): number {
  return index % zoneCount;
}

/**
 * Position of member `index` among the members of its own zone (0 for the first member placed
 * in a zone, 1 for the second, …), with members spread round-robin.
 */
export function ordinalInZone(index: number, zoneCount: number): number {
  return Math.floor(index / zoneCount);
}

/**
 * Replicas of one partition (Kafka) or one token range (Cassandra) lost when the most-loaded zone
 * goes down. Members are spread round-robin, and replica placement is rack-aware (a rack per
 * zone), so the replicas are spread over the zones that hold members: losing one zone removes
 * ceil(RF / zonesWithMembers) of them.
 */
export function replicasLostOnZoneLoss(replicationFactor: number, members: number, zoneCount: number): number {
  const zonesWithMembers = Math.max(1, Math.min(members, zoneCount));
  return Math.ceil(replicationFactor / zonesWithMembers);
}

/** Replicas that must answer for a write at `level` to succeed, with replication factor `rf`. */
export function requiredReplicas(level: ConsistencyLevel, rf: number): number {
  switch (level) {
    case 'ONE':
    case 'LOCAL_ONE':
      return 1;
    case 'TWO':
      return 2;
    case 'THREE':
      return 3;
    case 'QUORUM':
    case 'LOCAL_QUORUM':
    case 'EACH_QUORUM':
      return Math.floor(rf / 2) + 1;
    case 'ALL':
      return rf;
  }
}

const MURMUR3_MIN = -(2n ** 63n);
const MURMUR3_RANGE = 2n ** 64n;

/**
 * Evenly spaced Murmur3Partitioner tokens for `nodes` nodes with `num_tokens: 1`, as decimal
 * strings (they exceed `Number.MAX_SAFE_INTEGER`). Node i gets −2^63 + i · ⌊2^64 / nodes⌋.
 */
export function murmur3Tokens(nodes: number): string[] {
  const step = MURMUR3_RANGE / BigInt(nodes);
  return Array.from({ length: nodes }, (_, i) => (MURMUR3_MIN + BigInt(i) * step).toString());
}

/** Kafka consumer group id of the pipeline's consumer fleet (same on AWS and locally). */
export function consumerGroupId(spec: Pick<PipelineSpec, 'name'>): string {
  return `${spec.name}-consumers`;
}

/** The two stateful clusters. */
export type StatefulRole = 'kafka' | 'cassandra';

/** One member of a stateful cluster and where it lives on AWS. */
export interface ClusterMember {
  /** Stable member id, `kafka-1`, `cassandra-3`: survives replacement. */
  id: string;
  /** 1-based node number (Kafka `node.id`; Cassandra node ordinal). */
  nodeId: number;
  /** 0-based index in the cluster. */
  index: number;
  /** Zone name. */
  zone: string;
  /** Index of the zone in `spec.zones`. */
  zoneIndex: number;
  /** Position among the cluster's members in the same zone (0-based). */
  ordinalInZone: number;
  /** Fixed private IPv4 address in the zone's private subnet (its persistent network interface). */
  privateIp: string;
}

/**
 * The members of a stateful cluster, spread round-robin over the zones, each with its fixed
 * private address: host offset `FIXED_ADDRESS_BASE[role] + ordinalInZone` in its zone's private
 * subnet. The spec must be valid (see `validateSpec`).
 */
export function clusterMembers(spec: PipelineSpec, role: StatefulRole): ClusterMember[] {
  const count = role === 'kafka' ? spec.kafka.brokers : spec.cassandra.nodes;
  const zoneCount = spec.zones.length;
  return memberZoneIndexes(count, zoneCount).map((zoneIndex, index) => {
    const block = parseCidr(spec.network.privateSubnetCidrs[zoneIndex] ?? '');
    if (typeof block === 'string') throw new Error(`network.privateSubnetCidrs[${zoneIndex}]: ${block}`);
    const ordinal = ordinalInZone(index, zoneCount);
    return {
      id: `${role}-${index + 1}`,
      nodeId: index + 1,
      index,
      zone: spec.zones[zoneIndex]!,
      zoneIndex,
      ordinalInZone: ordinal,
      privateIp: hostAddress(block, FIXED_ADDRESS_BASE[role] + ordinal),
    };
  });
}
