import { describe, expect, it } from 'vitest';
import {
  clusterMembers,
  defaultSpec,
  memberZoneIndexes,
  murmur3Tokens,
  replicasLostOnZoneLoss,
  requiredReplicas,
  withDefaults,
} from '../../src/spec/index.ts';

describe('derived facts', () => {
  it('spreads members round-robin over zones', () => {
    expect(memberZoneIndexes(5, 3)).toEqual([0, 1, 2, 0, 1]);
  });

  it('counts replicas a zone loss takes', () => {
    expect(replicasLostOnZoneLoss(3, 3, 3)).toBe(1);
    expect(replicasLostOnZoneLoss(2, 3, 3)).toBe(1);
    expect(replicasLostOnZoneLoss(5, 6, 3)).toBe(2);
    expect(replicasLostOnZoneLoss(3, 2, 3)).toBe(2); // 2 members only reach 2 zones
    expect(replicasLostOnZoneLoss(3, 3, 1)).toBe(3);
  });

  it('required replicas per consistency level', () => {
    expect(requiredReplicas('LOCAL_ONE', 3)).toBe(1);
    expect(requiredReplicas('TWO', 3)).toBe(2);
    expect(requiredReplicas('QUORUM', 3)).toBe(2);
    expect(requiredReplicas('LOCAL_QUORUM', 5)).toBe(3);
    expect(requiredReplicas('EACH_QUORUM', 4)).toBe(3);
    expect(requiredReplicas('ALL', 4)).toBe(4);
  });

  it('evenly spaced Murmur3 tokens covering the ring', () => {
    const tokens = murmur3Tokens(3).map(BigInt);
    expect(tokens[0]).toBe(-(2n ** 63n));
    const step = tokens[1]! - tokens[0]!;
    expect(tokens[2]! - tokens[1]!).toBe(step);
    expect(step).toBe(2n ** 64n / 3n);
    expect(tokens.every((t) => t >= -(2n ** 63n) && t < 2n ** 63n)).toBe(true);
  });

  it('cluster members get fixed addresses in their zone subnet', () => {
    const spec = withDefaults({ kafka: { brokers: 5, replicationFactor: 3 } });
    const members = clusterMembers(spec, 'kafka');
    expect(members.map((m) => [m.id, m.zone, m.privateIp])).toEqual([
      ['kafka-1', 'eu-west-1a', '10.40.10.16'],
      ['kafka-2', 'eu-west-1b', '10.40.11.16'],
      ['kafka-3', 'eu-west-1c', '10.40.12.16'],
      ['kafka-4', 'eu-west-1a', '10.40.10.17'],
      ['kafka-5', 'eu-west-1b', '10.40.11.17'],
    ]);
    const cassandra = clusterMembers(defaultSpec(), 'cassandra');
    expect(cassandra.map((m) => m.privateIp)).toEqual(['10.40.10.32', '10.40.11.32', '10.40.12.32']);
  });
});
