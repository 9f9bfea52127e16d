/**
 * Facts derived from a `PipelineSpec` that both targets (the AWS stacks and the local twin) and
 * the validator must agree on: where members live, how many replicas a zone loss takes, the
 * Cassandra token ring, the consumer group id.
 */
import type { ConsistencyLevel, PipelineSpec } from './types.ts';

/**
 * Zone index of each member when `count` members are spread round-robin over `zoneCount` zones:
 * member i (0-based) lives in zone i mod zoneCount.
 */
export function memberZoneIndexes(count: number, zoneCount: number): number[] {
  return Array.from({ length: count }, (_, i) => i % zoneCount);
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
export function replicasLostOnZoneLoss(
  replicationFactor: number,
  members: number,
  zoneCount: number,
): number {
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
